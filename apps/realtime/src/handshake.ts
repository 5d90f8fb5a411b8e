import type { IncomingMessage } from 'node:http';
import type { ExtendedError } from 'socket.io';
import { bearerToken, type VerifiedToken } from '@kelisim/auth';
import { AppError, rooms } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import { authenticateUser } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { ChatSocket } from './types.js';

/**
 * Authenticates the handshake (auth.token, the seed's ?token=, or a Bearer header) and puts the
 * socket in its user room and all its chat rooms before the client sees `connect`.
 */
export function authenticateHandshake(
  db: Db,
  verifyToken: (token: string) => VerifiedToken,
  logger: Logger,
) {
  const authenticate = async (socket: ChatSocket, next: (error?: ExtendedError) => void) => {
    try {
      const token = handshakeToken(socket);
      if (!token) throw new AppError('unauthenticated', 'Unauthenticated.');
      const { userId } = verifyToken(token);
      const user = await authenticateUser(db, userId);
      socket.data.userId = userId;
      socket.data.user = user;
      const memberships = await db.participant.findMany({
        where: { userId, chat: { deletedAt: null } },
        select: { chatId: true },
      });
      await socket.join([
        rooms.user(userId),
        ...memberships.map((m) => rooms.chat(Number(m.chatId))),
      ]);
      next();
    } catch (error) {
      next(handshakeError(error, logger));
    }
  };
  return (socket: ChatSocket, next: (error?: ExtendedError) => void) =>
    void authenticate(socket, next);
}

function handshakeToken(socket: ChatSocket): string | undefined {
  const { auth, query, headers } = socket.handshake;
  const fromAuth: unknown = (auth as Record<string, unknown>).token;
  if (typeof fromAuth === 'string' && fromAuth) return fromAuth;
  if (typeof query.token === 'string' && query.token) return query.token;
  return bearerToken(headers.authorization);
}

/** The client gets `connect_error` with `message` and `data.code`. */
function handshakeError(error: unknown, logger: Logger): ExtendedError {
  const appError =
    error instanceof AppError ? error : new AppError('unavailable', 'Try again shortly.');
  if (!(error instanceof AppError)) logger.error({ err: error }, 'handshake failed');
  return Object.assign(new Error(appError.message), { data: { code: appError.code } });
}

/** `*` allows any origin; requests without an Origin header (not browsers) are allowed. */
export function originAllowed(allowed: string[], req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return !origin || allowed.includes('*') || allowed.includes(origin);
}
