export type { Actor, DomainContext, DomainLimits } from './context.js';
export { defaultGroupCommit, GroupCommit, type GroupCommitSettings } from './group-commit.js';
export type {
  Audience,
  ChannelConnection,
  ChannelPresenceAnnouncer,
  ChannelPresenceStore,
  EventPublisher,
  FileLinks,
  JobQueue,
  LaravelEventName,
  LaravelEvents,
  PresenceReader,
  RateLimiter,
  RateLimitResult,
} from './ports.js';
export { maySeePresence, presenceAudience } from './presence-audience.js';
export { refusalOfFileType } from './refused-files.js';
export { addParticipants } from './use-cases/add-participants.js';
export { announceOffline, announceOnline } from './use-cases/announce-presence.js';
export {
  joinPresenceChannel,
  leavePresenceChannel,
  refreshPresenceChannels,
  sweepPresenceChannels,
} from './use-cases/announce-channel-presence.js';
export { authenticateUser } from './use-cases/authenticate-user.js';
export { userAndChats } from './access.js';
export { authorizeChatChannel } from './use-cases/authorize-chat-channel.js';
export { blockUser, type BlockOutcome } from './use-cases/block-user.js';
export {
  completeFile,
  failFile,
  uploaderLeftReason,
  type CompletedFile,
  type FileOutcome,
} from './use-cases/complete-file.js';
export { findUnreferencedObjects, removableFileObjects } from './use-cases/file-objects.js';
export { createChat, type CreatedChat } from './use-cases/create-chat.js';
export { deleteMessage } from './use-cases/delete-message.js';
export { editMessage } from './use-cases/edit-message.js';
export { reactToMessage } from './use-cases/react-to-message.js';
export {
  demoEmailDomain,
  demoFallbackUsers,
  issueDemoToken,
  listDemoUsers,
  type TokenMinter,
} from './use-cases/demo-users.js';
export { getChat } from './use-cases/get-chat.js';
export { getUserProfile } from './use-cases/get-user-profile.js';
export { getUnreadCounts, unreadCountsOfUsers } from './use-cases/get-unread-counts.js';
export { listBlocks } from './use-cases/list-blocks.js';
export { listChats, type ChatPage } from './use-cases/list-chats.js';
export {
  listMessages,
  type MessagePage,
  type MessagePageQuery,
} from './use-cases/list-messages.js';
export { listParticipants } from './use-cases/list-participants.js';
export { listPins } from './use-cases/list-pins.js';
export { listReplies } from './use-cases/list-replies.js';
export { pinMessage } from './use-cases/pin-message.js';
export { searchMessages } from './use-cases/search-messages.js';
export { updateChatSettings } from './use-cases/update-chat-settings.js';
export {
  messageCreatedWebhook,
  type MessageCreatedWebhook,
} from './use-cases/message-created-webhook.js';
export { markChatRead } from './use-cases/mark-chat-read.js';
export { markMessageRead } from './use-cases/mark-message-read.js';
export { pushUnreadCounts } from './use-cases/push-unread-counts.js';
export { recomputeUnread, type UnreadCorrection } from './use-cases/recompute-unread.js';
export { reconcileUnread, type ReconcileResult } from './use-cases/reconcile-unread.js';
export { relayTyping } from './use-cases/relay-typing.js';
export { removeParticipant } from './use-cases/remove-participant.js';
export {
  authorizeUpload,
  displayName,
  registerUpload,
  type StoredUpload,
  type UploadLimits,
} from './use-cases/upload-file.js';
export { searchUsers } from './use-cases/search-users.js';
export { syncChats, type SyncChatsQuery, type SyncChatsResult } from './use-cases/sync-chats.js';
export { presenceSnapshot, PRESENCE_SNAPSHOT_MAX } from './use-cases/presence-snapshot.js';
export { unblockUser } from './use-cases/unblock-user.js';
export { sendMessage, type SendMessageInput, type SentMessage } from './use-cases/send-message.js';
export {
  downloadableFile,
  listFiles,
  prepareDownload,
  type FilePage,
} from './use-cases/list-files.js';
export { toWireError, type WireError } from './wire-error.js';
