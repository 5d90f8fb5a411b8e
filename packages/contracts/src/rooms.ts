/** Socket.io room names; decided by the server only. */
export const rooms = {
  user: (userId: number) => `user:${userId}`,
  chat: (chatId: number) => `chat:${chatId}`,
} as const;
