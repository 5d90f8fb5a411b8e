import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '@kelisim/contracts';
import { authorizeChatChannel, type DomainContext } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { ChannelMember } from '@kelisim/redis';
import type { EchoSettings } from '../config.js';
import type { ChatSocket } from '../types.js';
import type { EchoChannel } from './channels.js';
import { askLaravel } from './laravel-auth.js';

export type Authorization =
  { ok: true; member?: ChannelMember } | { ok: false; status: number; reason: string };

/**
 * Who may subscribe to a channel: anyone to a public one; a chat's participants to its
 * `private-chat.<id>` / `presence-chat.<id>` (checked here, through the domain); Laravel's
 * `/broadcasting/auth` decides every other private or presence channel. Guests get public ones.
 */
export function createChannelAuthorizer(
  ctx: DomainContext,
  settings: Pick<EchoSettings, 'laravelAuthUrl' | 'laravelAuthTimeoutMs'> & {
    originTrusted: (headers: IncomingHttpHeaders) => boolean;
  },
  logger: Logger,
) {
  return async (
    socket: ChatSocket,
    channel: EchoChannel,
    authHeaders: Record<string, unknown> | undefined,
  ): Promise<Authorization> => {
    if (channel.kind === 'public') return { ok: true };
    if (socket.data.guest) return { ok: false, status: 401, reason: 'guests get public channels' };
    const { userId, user } = socket.data;

    if (channel.chatId !== undefined) {
      try {
        await authorizeChatChannel(ctx, { userId }, channel.chatId);
      } catch (error) {
        if (error instanceof AppError) return { ok: false, status: 403, reason: error.message };
        logger.error({ err: error, channel: channel.name }, 'chat channel authorisation failed');
        return { ok: false, status: 500, reason: 'authorisation failed' };
      }
      return channel.kind === 'presence'
        ? { ok: true, member: { user_id: userId, user_info: { id: user.id, name: user.name } } }
        : { ok: true };
    }

    if (!settings.laravelAuthUrl) {
      return { ok: false, status: 403, reason: 'no LARAVEL_AUTH_URL for this channel' };
    }
    return askLaravel(
      settings.laravelAuthUrl,
      settings.laravelAuthTimeoutMs,
      {
        channel: channel.name,
        socketId: socket.id,
        headers: authHeaders,
        cookie: settings.originTrusted(socket.handshake.headers)
          ? socket.handshake.headers.cookie
          : undefined,
        peerAddress: socket.handshake.address,
      },
      channel.kind === 'presence',
    );
  };
}

export type ChannelAuthorizer = ReturnType<typeof createChannelAuthorizer>;
