/** Socket.io room names; decided by the server only. */
export const rooms = {
  user: (userId: number) => `user:${userId}`,
  chat: (chatId: number) => `chat:${chatId}`,
} as const;

/** The chat ids among a socket's rooms. */
export function chatIdsOfRooms(socketRooms: Iterable<string>): number[] {
  const ids: number[] = [];
  for (const room of socketRooms) {
    if (room.startsWith('chat:')) ids.push(Number(room.slice('chat:'.length)));
  }
  return ids;
}

/** Laravel Echo's channels of a chat, and the socket.io room that serves each Echo channel. */
export const echoChannels = {
  room: (channel: string) => `echo:${channel}`,
  privateChat: (chatId: number) => `private-chat.${chatId}`,
  presenceChat: (chatId: number) => `presence-chat.${chatId}`,
} as const;

const chatChannel = /^(?:private|presence)-chat\.([1-9][0-9]{0,14})$/;

/** The chat of a `private-chat.<id>` or `presence-chat.<id>` channel; undefined for others. */
export function chatOfEchoChannel(name: string): number | undefined {
  const chatId = chatChannel.exec(name)?.[1];
  return chatId === undefined ? undefined : Number(chatId);
}
