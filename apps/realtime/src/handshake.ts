import type { IncomingMessage } from 'node:http';
import type { ExtendedError } from 'socket.io';
import { bearerToken, type Authenticate, type Authenticated } from '@kelisim/auth';
import { AppError, rooms, type UserSummary } from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import { userAndChats } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import { loggedWireError } from './respond.js';
import type { ChatSocket } from './types.js';

/**
 * Authenticates the handshake (auth.token, the seed's ?token=, a Bearer header, or Laravel Echo's
 * `auth.headers.Authorization`) and puts the socket in its user room and all its chat rooms before
 * the client sees `connect`. With `allowGuests`, a handshake without any credentials connects as
 * a guest (no rooms); wrong credentials are refused all the same. A user already holding
 * `maxSocketsPerUser` sockets on this node is refused with `too_many_connections`.
 */
/** A connection's user, its credential checked and its account live, and the chats it joins. */
export interface AuthenticatedUser {
  credential: Authenticated;
  user: UserSummary;
  chatIds: number[];
}

/**
 * Checks a token (signature, expiry, blacklist or Sanctum) and loads its user with their chats:
 * one database round trip for a JWT.
 */
export async function authenticateToken(
  db: Db,
  verifyToken: Authenticate,
  token: string | undefined,
): Promise<AuthenticatedUser> {
  if (!token) throw new AppError('unauthenticated', 'Unauthenticated.');
  const credential = await verifyToken(token);
  return { credential, ...(await userAndChats(db, credential.userId)) };
}

/**
 * Connections authenticated before socket.io saw them (`/ws`, checked at the HTTP upgrade), by
 * their request: a client cannot put anything here.
 */
export const authenticatedAtUpgrade = new WeakMap<IncomingMessage, AuthenticatedUser>();

export function authenticateHandshake(
  db: Db,
  verifyToken: Authenticate,
  logger: Logger,
  options: { allowGuests?: boolean; maxSocketsPerUser?: number } = {},
) {
  const authenticate = async (socket: ChatSocket, next: (error?: ExtendedError) => void) => {
    try {
      const upgraded = authenticatedAtUpgrade.get(socket.request);
      const token = upgraded ? undefined : handshakeToken(socket);
      if (!upgraded && token === undefined && options.allowGuests) {
        socket.data.guest = true;
        return next();
      }
      const { credential, user, chatIds } =
        upgraded ?? (await authenticateToken(db, verifyToken, token));
      const { userId } = credential;
      // Counted and joined in one tick: concurrent handshakes cannot all slip under the cap.
      const held = socket.nsp.adapter.rooms.get(rooms.user(userId))?.size ?? 0;
      if (held >= (options.maxSocketsPerUser ?? Infinity)) {
        throw new AppError('too_many_connections', 'Too many connections for this user.');
      }
      socket.data.userId = userId;
      socket.data.user = user;
      socket.data.credential = credential;
      await socket.join([rooms.user(userId), ...chatIds.map(rooms.chat)]);
      next();
    } catch (error) {
      next(handshakeError(error, logger));
    }
  };
  return (socket: ChatSocket, next: (error?: ExtendedError) => void) =>
    void authenticate(socket, next);
}

/** The token; `''` when credentials were sent but hold none; undefined when none were sent. */
function handshakeToken(socket: ChatSocket): string | undefined {
  const { auth, query, headers } = socket.handshake;
  const fromAuth: unknown = (auth as Record<string, unknown>).token;
  if (typeof fromAuth === 'string' && fromAuth) return fromAuth;
  if (typeof query.token === 'string' && query.token) return query.token;
  const authorization = echoAuthorization(auth) ?? headers.authorization;
  if (authorization === undefined) return undefined;
  return bearerToken(authorization) ?? '';
}

/** laravel-echo hands its options to io(): `auth: {headers: {Authorization: 'Bearer …'}}`. */
function echoAuthorization(auth: object): string | undefined {
  const echoHeaders: unknown = (auth as Record<string, unknown>).headers;
  if (typeof echoHeaders !== 'object' || echoHeaders === null) return undefined;
  for (const [name, value] of Object.entries(echoHeaders)) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return undefined;
}

/** The client gets `connect_error` with `message` and the error body as `data` (`data.code`). */
function handshakeError(error: unknown, logger: Logger): ExtendedError {
  const { body } = loggedWireError(error, logger, 'handshake failed');
  return Object.assign(new Error(body.message), { data: body });
}
