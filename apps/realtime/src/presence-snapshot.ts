import { presenceSnapshot, type DomainContext, type PresenceReader } from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { ChatSocket } from './types.js';

/** Right after connect: who is online now among the users whose presence the socket may see. */
export function sendPresenceSnapshot(
  socket: ChatSocket,
  ctx: DomainContext,
  presence: PresenceReader,
  audience: Promise<number[]>,
  loggerOf: (socket: ChatSocket) => Logger,
): void {
  presenceSnapshot(ctx, presence, { userId: socket.data.userId }, audience).then(
    (snapshot) => socket.emit('presence_snapshot', snapshot),
    (error: unknown) => loggerOf(socket).warn({ err: error }, 'presence snapshot failed'),
  );
}
