import type { RedisClient } from './connection.js';
import { assertTtl, defineScripts, lua, type ScriptArg } from './expiring-connections.js';

export interface ChannelPresenceOptions {
  /** Namespace of the keys, e.g. `kelisim:` → `kelisim:{echo-presence}:expiries`. */
  keyPrefix: string;
  /** A connection not refreshed for this long counts as gone. */
  ttlMs: number;
}

/** A presence channel member as laravel-echo receives it (`here`, `joining`, `leaving`). */
export interface ChannelMember {
  /** Laravel's `channel_data.user_id`; members are keyed by its string form. */
  user_id: string | number;
  user_info: unknown;
}

export interface ChannelConnection {
  channel: string;
  member: ChannelMember;
  connectionId: string;
}

export interface ChannelLeave {
  channel: string;
  member: ChannelMember;
}

/**
 * Members of Laravel Echo presence channels, across nodes. A member is present from the join of
 * their first connection to a channel until the leave of their last one, or until every one of
 * their connections expired (their node died) and a sweep removed them.
 */
export interface ChannelPresence {
  /**
   * Records a live connection of `member` to `channel` (idempotent: also refreshes it and the
   * member's info). True when the member was not present before: the others must hear `joining`.
   */
  join(connection: ChannelConnection): Promise<boolean>;
  /** Removes a connection; the member when it was their last one (they left), else null. */
  leave(
    channel: string,
    userId: string | number,
    connectionId: string,
  ): Promise<ChannelMember | null>;
  /**
   * Refreshes this node's live connections (every ttl/3), in one round trip. A connection that is
   * no longer recorded (swept after a stall, or lost in a Redis restart) is recorded again; the
   * connections whose member became present again that way are returned (they need `joining`).
   */
  heartbeat(connections: ChannelConnection[]): Promise<ChannelConnection[]>;
  /**
   * Removes members whose every connection expired and returns them; each is returned by exactly
   * one caller even when several nodes sweep at once.
   */
  sweep(): Promise<ChannelLeave[]>;
  /** The channel's present members, one per user id. */
  members(channel: string): Promise<ChannelMember[]>;
}

/** An abandoned key outlives its last refresh by this many TTLs, then Redis drops it. */
const KEY_TTLS = 3;

// Keys: conns = sorted set connectionId → expiry (ms), one per channel and member; members = hash
// user id → member JSON, one per channel (present means listed here); expiries = sorted set
// `[channel, userId]` JSON → newest expiry among that member's connections, for the sweep.

/**
 * KEYS conns, members, expiries. ARGV connectionId, userId, ttlMs, keyTtlMs, memberJson, entry.
 * 1 when the member was not present before.
 */
const JOIN = `
local present = redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1
local expiry = now + tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], 'GT', expiry, ARGV[6])
if present then return 0 end
return 1
`;

/** Lua: removes member ARGV[`userIdArg`] from the hash KEYS[2] and returns its JSON, else nil. */
const removeMember = (userIdArg: number) => `
local member = redis.call('HGET', KEYS[2], ARGV[${userIdArg}])
if not member then return nil end
redis.call('HDEL', KEYS[2], ARGV[${userIdArg}])
return member
`;

/**
 * KEYS conns, members, expiries. ARGV connectionId, userId, entry. The member JSON when this was
 * the member's last live connection (their expired ones go too), else nil.
 */
const LEAVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
${lua.returnWhileLive('KEYS[3]', 'ARGV[3]')}
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[3])
${removeMember(2)}`;

/**
 * KEYS conns, members, expiries. ARGV userId, entry. The member JSON when this call removed the
 * member; nil when a connection is live again or another caller already removed them.
 */
const SWEEP_MEMBER = `
${lua.claimExpired('KEYS[3]', 'ARGV[2]')}
${removeMember(1)}`;

const SCRIPTS = {
  echoPresenceJoin: { lua: JOIN, numberOfKeys: 3 },
  echoPresenceLeave: { lua: LEAVE, numberOfKeys: 3 },
  echoPresenceSweepMember: { lua: SWEEP_MEMBER, numberOfKeys: 3 },
};

function parseMember(json: unknown): ChannelMember | null {
  if (typeof json !== 'string') return null;
  try {
    return JSON.parse(json) as ChannelMember;
  } catch {
    return null;
  }
}

/**
 * Laravel Echo presence channels kept in Redis, so members on every node see each other: each node
 * records its sockets' memberships and refreshes them with heartbeats; the memberships of a node
 * that died without cleanup expire after `ttlMs`, and a periodic `sweep` on any node removes them.
 */
export function createChannelPresence(
  redis: RedisClient,
  options: ChannelPresenceOptions,
): ChannelPresence {
  const { ttlMs } = options;
  assertTtl(ttlMs);
  const keyTtlMs = KEY_TTLS * ttlMs;
  // One hash tag for every key, so the scripts' keys share a slot on a Redis Cluster.
  const prefix = `${options.keyPrefix}{echo-presence}:`;
  const expiriesKey = `${prefix}expiries`;
  // Channel names are free text: the entry is JSON so `a:b` + `c` never meets `a` + `b:c`.
  const entryOf = (channel: string, userId: string) => JSON.stringify([channel, userId]);
  const connsKey = (entry: string) => `${prefix}conns:${entry}`;
  const membersKey = (channel: string) => `${prefix}members:${channel}`;
  const scripts = defineScripts(redis, SCRIPTS);

  const joinArgs = ({ channel, member, connectionId }: ChannelConnection): ScriptArg[] => {
    const userId = String(member.user_id);
    const entry = entryOf(channel, userId);
    return [
      connsKey(entry),
      membersKey(channel),
      expiriesKey,
      connectionId,
      userId,
      ttlMs,
      keyTtlMs,
      JSON.stringify(member),
      entry,
    ];
  };

  return {
    async join(connection) {
      return (await scripts.run('echoPresenceJoin', ...joinArgs(connection))) === 1;
    },

    async leave(channel, userId, connectionId) {
      const entry = entryOf(channel, String(userId));
      return parseMember(
        await scripts.run(
          'echoPresenceLeave',
          connsKey(entry),
          membersKey(channel),
          expiriesKey,
          connectionId,
          String(userId),
          entry,
        ),
      );
    },

    async heartbeat(connections) {
      if (connections.length === 0) return [];
      const results = await scripts.runAll('echoPresenceJoin', connections.map(joinArgs));
      return connections.filter((_, i) => results[i] === 1);
    },

    sweep: () =>
      scripts.sweep(expiriesKey, async (entries) => {
        const parsed = entries.map((entry) => JSON.parse(entry) as [string, string]);
        const results = await scripts.runAll(
          'echoPresenceSweepMember',
          parsed.map(([channel, userId], i) => {
            const entry = entries[i]!;
            return [connsKey(entry), membersKey(channel), expiriesKey, userId, entry];
          }),
        );
        return parsed.flatMap(([channel], i) => {
          const member = parseMember(results[i]);
          return member ? [{ channel, member }] : [];
        });
      }),

    async members(channel) {
      const all = await redis.hvals(membersKey(channel));
      return all.map(parseMember).filter((member) => member !== null);
    },
  };
}
