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
