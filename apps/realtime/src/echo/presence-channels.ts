import {
  joinPresenceChannel,
  leavePresenceChannel,
  refreshPresenceChannels,
  sweepPresenceChannels,
} from '@kelisim/domain';
import type { Logger } from '@kelisim/logger';
import type { ChannelConnection, ChannelMember, ChannelPresence } from '@kelisim/redis';
import type { ChatServer, ChatSocket } from '../types.js';
import { createTrackedWork } from '../tracked-work.js';
import { channelOfRoom, roomOf } from './channels.js';
import { echoServerEvents } from '@kelisim/contracts';

interface Membership {
  member: ChannelMember;
  /** The join's round trip; the leave waits for it so `joining` always precedes `leaving`. */
  joined: Promise<unknown>;
}

/**
 * This node's side of Echo presence channels: records its sockets' memberships in the
 * cluster-wide `ChannelPresence`, answers `presence:subscribed`, and has the channel's
 * subscribers on every node told (domain use cases) who joins and who leaves.
 */
export function trackPresenceChannels(
  io: ChatServer,
  presence: ChannelPresence,
  ttlMs: number,
  logger: Logger,
) {
  const bySocket = new Map<string, Map<string, Membership>>();
  const { track, settled } = createTrackedWork(logger, 'presence channel update failed');

  const announce = {
    joining: ({ channel, member, connectionId }: ChannelConnection) =>
      io
        .to(roomOf(channel))
        .except(connectionId)
        .emit(echoServerEvents.presenceJoining, channel, member),
    leaving: (channel: string, member: ChannelMember) =>
      io.to(roomOf(channel)).emit(echoServerEvents.presenceLeaving, channel, member),
  };
  const sendMembers = async (socket: ChatSocket, channel: string) => {
    const members = await presence.members(channel);
    socket.emit(echoServerEvents.presenceSubscribed, channel, members);
  };

  // Every way out of a room ends here: unsubscribe, disconnect, and a participant removed from a
  // chat on any node (the publishers make their sockets leave the chat's Echo rooms).
  io.of('/').adapter.on('leave-room', (room: string, socketId: string) => {
    const channel = channelOfRoom(room);
    const memberships = channel === undefined ? undefined : bySocket.get(socketId);
    const membership = channel === undefined ? undefined : memberships?.get(channel);
    if (channel === undefined || !memberships || !membership) return;
    memberships.delete(channel);
    if (memberships.size === 0) bySocket.delete(socketId);
    const connection = { channel, member: membership.member, connectionId: socketId };
    track(
      membership.joined
        .catch(() => undefined)
        .then(() => leavePresenceChannel(presence, announce, connection)),
    );
  });

  const heartbeat = setInterval(() => {
    const connections: ChannelConnection[] = [];
    for (const [connectionId, memberships] of bySocket) {
      for (const [channel, { member }] of memberships) {
        connections.push({ channel, member, connectionId });
      }
    }
    track(refreshPresenceChannels(presence, announce, connections));
  }, ttlMs / 3);

  const sweep = setInterval(() => track(sweepPresenceChannels(presence, announce)), ttlMs / 3);

  return {
    /** Puts an authorised socket in the presence channel and tells everyone concerned. */
    join(socket: ChatSocket, channel: string, member: ChannelMember): void {
      const connection = { channel, member, connectionId: socket.id };
      const joined = joinPresenceChannel(presence, announce, connection).then(() =>
        sendMembers(socket, channel),
      );
      const memberships = bySocket.get(socket.id) ?? new Map<string, Membership>();
      memberships.set(channel, { member, joined });
      bySocket.set(socket.id, memberships);
      void socket.join(roomOf(channel));
      track(joined);
    },
    /** Echo resends `subscribe` for channels it holds: the member list again, nothing else. */
    resend(socket: ChatSocket, channel: string): void {
      track(sendMembers(socket, channel));
    },
    stop(): void {
      clearInterval(heartbeat);
      clearInterval(sweep);
    },
    settled,
  };
}

export type PresenceChannels = ReturnType<typeof trackPresenceChannels>;
