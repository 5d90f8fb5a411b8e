import type {
  ChannelConnection,
  ChannelPresenceAnnouncer,
  ChannelPresenceStore,
} from '../ports.js';

/** A member's connection joins: the others hear `joining` when it is their first one anywhere. */
export async function joinPresenceChannel(
  presence: ChannelPresenceStore,
  announce: ChannelPresenceAnnouncer,
  connection: ChannelConnection,
): Promise<void> {
  if (await presence.join(connection)) announce.joining(connection);
}

/** A connection leaves: everyone hears `leaving` when it was its member's last one. */
export async function leavePresenceChannel(
  presence: ChannelPresenceStore,
  announce: ChannelPresenceAnnouncer,
  { channel, member, connectionId }: ChannelConnection,
): Promise<void> {
  const left = await presence.leave(channel, member.user_id, connectionId);
  if (left) announce.leaving(channel, left);
}

/**
 * Keeps a node's live connections present (every ttl/3). Members swept while their node stalled,
 * or lost with Redis, are present again: the others hear `joining` once more.
 */
export async function refreshPresenceChannels(
  presence: ChannelPresenceStore,
  announce: ChannelPresenceAnnouncer,
  connections: ChannelConnection[],
): Promise<void> {
  if (connections.length === 0) return;
  const rejoined = await presence.heartbeat(connections);
  for (const connection of rejoined) announce.joining(connection);
}

/** Members whose node stopped heartbeating leave: everyone hears `leaving`. */
export async function sweepPresenceChannels(
  presence: ChannelPresenceStore,
  announce: ChannelPresenceAnnouncer,
): Promise<void> {
  const leaves = await presence.sweep();
  for (const { channel, member } of leaves) announce.leaving(channel, member);
}
