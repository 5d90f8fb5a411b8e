import { z } from 'zod';
import { errorStatus } from './errors.js';
import {
  chatResourceSchema,
  chatSettingsSchema,
  searchHitSchema,
  fileResourceSchema,
  messageResourceSchema,
  participantResourceSchema,
  readStateSchema,
  unreadCountsSchema,
} from './resources.js';
import {
  addParticipantsBody,
  chatIdParams,
  chatSettingsBody,
  chatsQuery,
  createChatBody,
  editMessageBody,
  fileIdParams,
  filesQuery,
  markChatReadBody,
  messageIdParams,
  messagesQuery,
  messageStatusBody,
  participantParams,
  reactionParams,
  repliesQuery,
  searchMessagesQuery,
  sendMessageBody,
  uploadFields,
} from './rest.js';
import {
  blockResourceSchema,
  demoTokenBody,
  demoTokenResourceSchema,
  userIdParams,
  userListItemSchema,
  userProfileSchema,
  usersQuery,
} from './users.js';

export interface RouteResponse {
  description: string;
  /** The JSON body; none for 204 and redirects. */
  body?: z.ZodType;
  /** Raw bytes of this media type instead of JSON. */
  bytes?: string;
}

/** One REST endpoint: the API registers it from here and the OpenAPI document describes it. */
export interface RestRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Below `/api`, in express syntax (`/chats/:id`). */
  path: string;
  summary: string;
  /** Answered without a token (demo mode's sign-in); every other route needs a bearer token. */
  public?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** The JSON body. */
  body?: z.ZodType;
  /** A multipart/form-data body, which the handler reads itself while storing the upload. */
  form?: z.ZodType;
  responses: Record<string, RouteResponse>;
}

const errorBodySchema = z
  .object({
    message: z.string(),
    code: z.enum(Object.keys(errorStatus) as [keyof typeof errorStatus]),
    errors: z.record(z.string(), z.array(z.string())).optional(),
    retry_after: z.number().int().optional().meta({ description: 'Seconds, as Retry-After.' }),
  })
  .meta({ id: 'Error' });

const reply = <T extends z.ZodType>(description: string, data: T) => ({
  description,
  body: z.object({ data }),
});
const page = <T extends z.ZodType, M extends z.ZodType>(description: string, data: T, meta: M) => ({
  description,
  body: z.object({ data, meta }),
});
const failure = (description: string) => ({ description, body: errorBodySchema });
const tooFast = (what: string) => failure(`${what} too fast; see Retry-After.`);
const binary = (description: string) => ({ description, bytes: 'application/octet-stream' });

const common = {
  '401': failure('Missing, invalid or expired token, or the user no longer exists.'),
  '422': failure('Invalid path, query or body.'),
};
const chatScoped = { ...common, '404': failure('No such chat, or not a participant.') };
const demoOnly = failure('Demo mode is off (CHAT_DEMO_MODE), or no such user.');

const chat = chatResourceSchema.meta({ id: 'Chat' });
const message = messageResourceSchema.meta({ id: 'Message' });
const participant = participantResourceSchema.meta({ id: 'Participant' });
const readState = readStateSchema.meta({ id: 'ReadState' });
const file = fileResourceSchema.meta({ id: 'File' });
const userProfile = userProfileSchema.meta({ id: 'UserProfile' });
const block = blockResourceSchema.meta({ id: 'Block' });
const hasMore = z.object({ has_more: z.boolean() });

/** Every REST endpoint, by name; the API must give each a handler and registers nothing else. */
export const restRoutes = {
  listChats: {
    method: 'get',
    path: '/chats',
    summary: 'My chats, most recent activity first',
    query: chatsQuery,
    responses: {
      '200': page(
        'A page of chats',
        z.array(chat),
        z.object({ next_cursor: z.string().nullable(), has_more: z.boolean() }),
      ),
      ...common,
    },
  },
  createChat: {
    method: 'post',
    path: '/chats',
    summary: 'Create a direct or group chat (a direct chat is returned if it exists)',
    body: createChatBody,
    responses: {
      '201': reply('Created', chat),
      '200': reply('The existing direct chat', chat),
      '429': tooFast('Creating chats or adding participants'),
      ...common,
    },
  },
  getChat: {
    method: 'get',
    path: '/chats/:id',
    summary: 'One chat',
    params: chatIdParams,
    responses: { '200': reply('The chat', chat), ...chatScoped },
  },
  listParticipants: {
    method: 'get',
    path: '/chats/:id/participants',
    summary: 'Participants with role and read cursor',
    params: chatIdParams,
    responses: { '200': reply('Participants', z.array(participant)), ...chatScoped },
  },
  addParticipants: {
    method: 'post',
    path: '/chats/:id/participants',
    summary: 'Add users to a group (owner or admin)',
    params: chatIdParams,
    body: addParticipantsBody,
    responses: {
      '200': reply('The participants added', z.array(participant)),
      '403': failure('Not an owner or admin, or a direct chat.'),
      '429': tooFast('Adding participants'),
      ...chatScoped,
    },
  },
  removeParticipant: {
    method: 'delete',
    path: '/chats/:id/participants/:userId',
    summary: 'Remove a participant (owner or admin), or leave',
    params: participantParams,
    responses: {
      '204': { description: 'Removed' },
      '403': failure('Not allowed to remove that participant.'),
      ...chatScoped,
    },
  },
  listMessages: {
    method: 'get',
    path: '/chats/:id/messages',
    summary:
      'A page of messages in ascending seq: latest, ?before=<seq> (older) or ?after=<seq> (resume)',
    params: chatIdParams,
    query: messagesQuery,
    responses: { '200': page('Messages', z.array(message), hasMore), ...chatScoped },
  },
  sendMessage: {
    method: 'post',
    path: '/chats/:id/messages',
    summary: 'Send a text message (idempotent by temp_id)',
    params: chatIdParams,
    body: sendMessageBody,
    responses: {
      '201': reply('Stored', message),
      '200': reply('The original message of an earlier try with this temp_id', message),
      '429': tooFast('Sending'),
      ...chatScoped,
    },
  },
  listPins: {
    method: 'get',
    path: '/chats/:id/pins',
    summary: "The chat's pinned messages, most recently pinned first (at most 50)",
    params: chatIdParams,
    responses: { '200': reply('Pinned messages', z.array(message)), ...chatScoped },
  },
  updateChatSettings: {
    method: 'put',
    path: '/chats/:id/settings',
    summary: 'My settings for the chat: mute it until a time, or unmute (null)',
    params: chatIdParams,
    body: chatSettingsBody,
    responses: {
      '200': reply('My settings', chatSettingsSchema.meta({ id: 'ChatSettings' })),
      ...chatScoped,
    },
  },
  markChatRead: {
    method: 'put',
    path: '/chats/:id/read',
    summary: 'Mark the chat read, entirely or up to seq',
    params: chatIdParams,
    body: markChatReadBody,
    responses: { '200': reply('My read state', readState), ...chatScoped },
  },
  markMessageRead: {
    method: 'put',
    path: '/messages/:id/status',
    summary: 'Mark a message read (advances my read cursor); the body is optional',
    params: messageIdParams,
    body: messageStatusBody,
    responses: { '200': reply('My read state', readState), ...chatScoped },
  },
  deleteMessage: {
    method: 'delete',
    path: '/messages/:id',
    summary: 'Soft-delete a message (its sender, or a group owner/admin)',
    params: messageIdParams,
    responses: {
      '200': reply('The deleted message (a tombstone)', message),
      '403': failure('Not your message.'),
      '429': tooFast('Deleting messages'),
      ...chatScoped,
    },
  },
  listReplies: {
    method: 'get',
    path: '/messages/:id/replies',
    summary:
      "A page of the message's replies (its thread) in ascending seq; ?after=<seq> for the next page",
    params: messageIdParams,
    query: repliesQuery,
    responses: { '200': page('Replies', z.array(message), hasMore), ...chatScoped },
  },
  pinMessage: {
    method: 'put',
    path: '/messages/:id/pin',
    summary: 'Pin a message to its chat (a group owner/admin; either side of a direct chat)',
    params: messageIdParams,
    responses: {
      '200': reply('The message, pinned', message),
      '403': failure('Not an owner or admin of the group.'),
      ...chatScoped,
      '422': failure('A deleted message, or the chat already has 50 pins.'),
    },
  },
  unpinMessage: {
    method: 'delete',
    path: '/messages/:id/pin',
    summary: 'Unpin a message (who may pin it); not pinned is fine',
    params: messageIdParams,
    responses: {
      '200': reply('The message, not pinned', message),
      '403': failure('Not an owner or admin of the group.'),
      ...chatScoped,
    },
  },
  editMessage: {
    method: 'patch',
    path: '/messages/:id',
    summary:
      'Edit the text of my message (text messages, not deleted, within CHAT_EDIT_WINDOW); the same text again changes nothing',
    params: messageIdParams,
    body: editMessageBody,
    responses: {
      '200': reply('The message as edited', message),
      '403': failure('Not your message, not a text message, or past the edit window.'),
      ...chatScoped,
      '422': failure('Invalid body, or the message was deleted.'),
      '429': tooFast('Sending'),
    },
  },
  addReaction: {
    method: 'put',
    path: '/messages/:id/reactions/:emoji',
    summary:
      'React to a message with one emoji (URL-encoded); again with the same one changes nothing',
    params: reactionParams,
    responses: {
      '200': reply('The message with its reactions', message),
      ...chatScoped,
      '422': failure('Not one emoji, a deleted message, or a 21st distinct emoji.'),
      '429': tooFast('Sending'),
    },
  },
  removeReaction: {
    method: 'delete',
    path: '/messages/:id/reactions/:emoji',
    summary: 'Take back my reaction with this emoji (none is fine)',
    params: reactionParams,
    responses: {
      '200': reply('The message with its reactions', message),
      '429': tooFast('Sending'),
      ...chatScoped,
    },
  },
  searchMessages: {
    method: 'get',
    path: '/search/messages',
    summary:
      'Messages containing ?q= in the chats I take part in (or ?chat_id=), newest first; ?before=<id> pages on',
    query: searchMessagesQuery,
    responses: {
      '200': page(
        'Matching messages with match offsets',
        z.array(searchHitSchema.meta({ id: 'SearchHit' })),
        z.object({ has_more: z.boolean(), next_before: z.number().nullable() }),
      ),
      '404': failure('chat_id is not a chat I take part in.'),
      '429': tooFast('Searching'),
      ...common,
    },
  },
  unreadCounts: {
    method: 'get',
    path: '/unread-count',
    summary: 'My unread counts',
    responses: { '200': reply('Counts per chat and total', unreadCountsSchema), ...common },
  },
  uploadFile: {
    method: 'post',
    path: '/chats/:id/files',
    summary:
      'Upload a file (multipart field `file`, optional `content` caption and `temp_id`); processed in the background',
    params: chatIdParams,
    form: uploadFields.extend({ file: z.string().meta({ format: 'binary' }) }),
    responses: {
      '202': reply('Stored, status processing; file_ready and new_message follow', file),
      '413': failure(
        'Larger than MAX_FILE_SIZE, or past my upload quota (the message says which).',
      ),
      '415': failure('Not multipart/form-data.'),
      '429': failure('Sending too fast (uploads share the send rate limit); see Retry-After.'),
      ...chatScoped,
    },
  },
  listFiles: {
    method: 'get',
    path: '/chats/:id/files',
    summary: "The chat's ready files (and my own uploads in any state), newest first",
    params: chatIdParams,
    query: filesQuery,
    responses: { '200': page('Files', z.array(file), hasMore), ...chatScoped },
  },
  downloadFile: {
    method: 'get',
    path: '/files/:id/download',
    summary:
      'Download a ready file as an attachment (local disk: streamed; S3: 302 to a short-lived URL)',
    params: fileIdParams,
    responses: {
      '200': binary('The bytes'),
      '302': { description: 'Redirect to a presigned URL' },
      ...chatScoped,
    },
  },
  fileThumbnail: {
    method: 'get',
    path: '/files/:id/thumbnail',
    summary: "An image's WebP thumbnail",
    params: fileIdParams,
    responses: { '200': binary('image/webp'), ...chatScoped },
  },
  me: {
    method: 'get',
    path: '/me',
    summary: 'The signed-in user',
    responses: { '200': reply('My profile', userProfile), ...common },
  },
  searchUsers: {
    method: 'get',
    path: '/users',
    summary:
      'Users whose name contains ?search= or whose email equals it, ordered by name (id and name only)',
    query: usersQuery,
    responses: { '200': reply('Users', z.array(userListItemSchema)), ...common },
  },
  blockUser: {
    method: 'post',
    path: '/users/:id/block',
    summary:
      "Block a user: they cannot add me to groups nor open a direct chat with me, and neither of us sees the other's presence",
    params: userIdParams,
    responses: {
      '201': reply('Blocked', block),
      '200': reply('Already blocked', block),
      '404': failure('No such user.'),
      ...common,
    },
  },
  unblockUser: {
    method: 'delete',
    path: '/users/:id/block',
    summary: 'Unblock a user (also when not blocked)',
    params: userIdParams,
    responses: {
      '204': { description: 'Not blocked' },
      '404': failure('No such user.'),
      ...common,
    },
  },
  listBlocks: {
    method: 'get',
    path: '/blocks',
    summary: 'The users I blocked, most recent first',
    responses: { '200': reply('Blocks', z.array(block)), ...common },
  },
  demoUsers: {
    method: 'get',
    path: '/demo/users',
    summary: 'Demo mode only: the demo users to sign in as',
    public: true,
    responses: { '200': reply('Demo users', z.array(userProfile)), '404': demoOnly },
  },
  demoToken: {
    method: 'post',
    path: '/demo/token',
    summary: 'Demo mode only: a short-lived JWT for a user, signed like `pnpm run token`',
    public: true,
    body: demoTokenBody,
    responses: {
      '200': reply('A token and its user', demoTokenResourceSchema),
      '404': demoOnly,
      '422': common['422'],
      '503': failure('JWT_ALGO is asymmetric and no private key is configured to sign with.'),
    },
  },
} satisfies Record<string, RestRoute>;

export type RestRoutes = typeof restRoutes;
export type RestRouteName = keyof RestRoutes;

/** The JSON bodies a route answers with on success, as its handler builds them. */
export type RestSuccessBody<R extends RestRoute> = {
  [S in keyof R['responses']]: S extends `2${string}`
    ? R['responses'][S] extends { body: z.ZodType }
      ? z.input<R['responses'][S]['body']>
      : never
    : never;
}[keyof R['responses']];
