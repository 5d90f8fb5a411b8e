import type { Event } from 'socket.io';
import type { Authenticate, CredentialCheck } from '@kelisim/auth';
import {
  AppError,
  reauthEvent,
  type AuthRevokedReason,
  type ClientToServerEvents,
} from '@kelisim/contracts';
import type { Db } from '@kelisim/db';
import { authenticateUser } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { CredentialWatchSettings } from './config.js';
import { ackOf, respond } from './respond.js';
import type { ChatServer, ChatSocket } from './types.js';

/** The one event a socket whose token expired may still send. */
export const reauthEventName = 'reauth' satisfies keyof ClientToServerEvents;

/** setTimeout's longest delay (~24.8 days); a token living longer is waited for in steps. */
const maxTimerMs = 2 ** 31 - 1;

export interface CredentialWatchDeps {
  db: Db;
  verifyToken: Authenticate;
  credentials: CredentialCheck;
  settings: CredentialWatchSettings;
  logger: Logger;
  /** A socket's own logger (its id and user bound). */
  socketLogger: (socket: ChatSocket) => Logger;
}

/**
 * Connections live only as long as their credentials. Per socket: when the token expires (plus
 * JWT_LEEWAY) the socket gets `auth_expired`, every event but `reauth` is refused, and it is
 * disconnected after the grace period unless `reauth {token}` brings a fresh token of the same
 * user. Per node: every `recheckIntervalMs` one batched round re-checks the blacklist, Sanctum
 * tokens and users of all its sockets; revoked ones get `auth_revoked {reason}` and are dropped.
 * A round whose lookups fail keeps the sockets (fail open) and logs a warning.
 */
export function watchCredentials(io: ChatServer, deps: CredentialWatchDeps) {
  const { credentials, settings, logger } = deps;
  let round: Promise<void> | undefined;

  const end = (socket: ChatSocket, reason: AuthRevokedReason) => {
    logger.info({ socketId: socket.id, userId: socket.data.userId, reason }, 'credentials revoked');
    socket.emit('auth_revoked', { reason });
    socket.disconnect(true);
  };

  const recheck = async () => {
    const sockets = [...io.of('/').sockets.values()].filter((s) => s.data.credential);
    if (sockets.length === 0) return;
    const checked = sockets.map((socket) => ({ socket, credential: socket.data.credential! }));
    const result = await credentials.revoked(checked.map((c) => c.credential));
    for (const { source, error } of result.failed) {
      logger.warn({ err: error, source }, 'credential re-check failed; connections kept');
    }
    for (const { socket, credential } of checked) {
      const reason = result.revoked.get(credential);
      // A reauth during the round replaced the credential: the next round checks the new one.
      if (reason && socket.connected && socket.data.credential === credential) end(socket, reason);
    }
    logger.debug(
      {
        sockets: checked.length,
        users: new Set(checked.map((c) => c.credential.userId)).size,
        sanctumTokens: checked.filter((c) => c.credential.sanctumTokenId !== undefined).length,
        revoked: result.revoked.size,
        failed: result.failed.length,
      },
      'credentials re-checked',
    );
  };

  const interval = setInterval(() => {
    if (round) return;
    round = recheck()
      .catch((error: unknown) => logger.error({ err: error }, 'credential re-check failed'))
      .finally(() => {
        round = undefined;
      });
  }, settings.recheckIntervalMs);

  /** Per socket: whether its token has expired, and the timer of its expiry or grace end. */
  const watches = new WeakMap<ChatSocket, { expired: boolean; timer?: NodeJS.Timeout }>();
  const watchOf = (socket: ChatSocket) => {
    let watch = watches.get(socket);
    if (!watch) watches.set(socket, (watch = { expired: false }));
    return watch;
  };

  // Timers get the socket as an argument, not a closure: an idle connection holds only its Timeout.
  const disconnectExpired = (socket: ChatSocket) => {
    deps.socketLogger(socket).info('disconnecting a socket whose token expired');
    socket.disconnect(true);
  };
  const expire = (socket: ChatSocket) => {
    const watch = watchOf(socket);
    watch.expired = true;
    socket.emit('auth_expired', {
      expires_at: (socket.data.credential?.expiresAt ?? new Date()).toISOString(),
      grace_seconds: settings.reauthGraceMs / 1000,
    });
    watch.timer = setTimeout(disconnectExpired, settings.reauthGraceMs, socket);
  };
  const expireAt = (socket: ChatSocket, at: number) => {
    const delay = Math.max(0, at - Date.now());
    watchOf(socket).timer =
      delay > maxTimerMs
        ? setTimeout(expireAt, maxTimerMs, socket, at)
        : setTimeout(expire, delay, socket);
  };
  const arm = (socket: ChatSocket) => {
    const watch = watchOf(socket);
    clearTimeout(watch.timer);
    watch.expired = false;
    const credential = socket.data.credential;
    const until = credential && credentials.acceptedUntil(credential);
    if (until) expireAt(socket, until.getTime());
  };

  const reauth = respond(
    reauthEvent,
    async (socket, { token }) => {
      if (socket.data.guest) {
        throw new AppError('unauthenticated', 'Guests connect again with a token instead.');
      }
      const credential = await deps.verifyToken(token);
      if (credential.userId !== socket.data.userId) {
        throw new AppError('forbidden', 'That token belongs to another user.');
      }
      await authenticateUser(deps.db, credential.userId);
      socket.data.credential = credential;
      arm(socket);
      return { expires_at: credential.expiresAt?.toISOString() ?? null };
    },
    deps.socketLogger,
  );

  return {
    /** Starts watching the socket's credential. */
    connected: arm,
    disconnected(socket: ChatSocket): void {
      clearTimeout(watches.get(socket)?.timer);
    },
    listeners: { [reauthEventName]: reauth },
    /**
     * Refuses (and answers) an event of a socket whose token has expired, all but `reauth`;
     * checked before any other rule, so an expired socket hears this refusal first.
     */
    refusesExpired(socket: ChatSocket, [event, ...args]: Event): boolean {
      if (!watches.get(socket)?.expired || event === reauthEventName) return false;
      const error = {
        code: 'unauthenticated' as const,
        message: 'Token has expired; send reauth with a fresh token.',
      };
      const reply = ackOf(args);
      if (reply) reply({ ok: false, error });
      else socket.emit('error', error);
      return true;
    },
    stop(): void {
      clearInterval(interval);
    },
    /** The round in progress, if any, has finished. */
    settled: async (): Promise<void> => {
      await round;
    },
  };
}

export type CredentialWatch = ReturnType<typeof watchCredentials>;
