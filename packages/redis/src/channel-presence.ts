import type { ChainableCommander, Redis } from 'ioredis';

export interface ChannelPresenceOptions {
  /** Namespace of the keys, e.g. `kelisim:` → `kelisim:echo-presence:expiries`. */
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
const SWEEP_BATCH = 500;

// Every script reads the clock of the Redis server, so nodes with skewed clocks agree.
// Keys: conns = sorted set connectionId → expiry (ms), one per channel and member; members = hash
// user id → member JSON, one per channel (present means listed here); expiries = sorted set
// `[channel, userId]` JSON → newest expiry among that member's connections, for the sweep.
const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * KEYS conns, members, expiries. ARGV connectionId, userId, ttlMs, keyTtlMs, memberJson, entry.
 * 1 when the member was not present before.
 */
const JOIN = `${NOW}
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

/**
 * KEYS conns, members, expiries. ARGV connectionId, userId, entry. The member JSON when this was
 * the member's last live connection (their expired ones go too), else nil.
 */
const LEAVE = `${NOW}
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then
  redis.call('ZADD', KEYS[3], newest[2], ARGV[3])
  return nil
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[3])
local member = redis.call('HGET', KEYS[2], ARGV[2])
if not member then return nil end
redis.call('HDEL', KEYS[2], ARGV[2])
return member
`;

/** KEYS expiries. ARGV limit. Members whose newest connection has expired. */
const EXPIRED = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, ARGV[1])
`;

/**
 * KEYS conns, members, expiries. ARGV userId, entry. The member JSON when this call removed the
 * member; nil when a connection is live again or another caller already removed them.
 */
const SWEEP_MEMBER = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then
  redis.call('ZADD', KEYS[3], newest[2], ARGV[2])
  return nil
end
local score = redis.call('ZSCORE', KEYS[3], ARGV[2])
if not score or tonumber(score) > now then return nil end
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('DEL', KEYS[1])
local member = redis.call('HGET', KEYS[2], ARGV[1])
if not member then return nil end
redis.call('HDEL', KEYS[2], ARGV[1])
return member
`;

type Arg = string | number;

/** The scripts, as ioredis' `defineCommand` adds them to the connection and its pipelines. */
interface ChannelPresenceCommands<R> {
  echoPresenceJoin(...args: Arg[]): R;
  echoPresenceLeave(...args: Arg[]): R;
  echoPresenceExpired(...args: Arg[]): R;
  echoPresenceSweepMember(...args: Arg[]): R;
}

type Pipeline = ChainableCommander & ChannelPresenceCommands<ChainableCommander>;

function defineScripts(redis: Redis): Redis & ChannelPresenceCommands<Promise<unknown>> {
  const scripts: [keyof ChannelPresenceCommands<unknown>, string, number][] = [
    ['echoPresenceJoin', JOIN, 3],
    ['echoPresenceLeave', LEAVE, 3],
    ['echoPresenceExpired', EXPIRED, 1],
    ['echoPresenceSweepMember', SWEEP_MEMBER, 3],
  ];
  for (const [name, lua, numberOfKeys] of scripts) redis.defineCommand(name, { lua, numberOfKeys });
  return redis as Redis & ChannelPresenceCommands<Promise<unknown>>;
}

async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}

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
  redis: Redis,
  options: ChannelPresenceOptions,
): ChannelPresence {
  const { ttlMs } = options;
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
  const keyTtlMs = KEY_TTLS * ttlMs;
  const prefix = `${options.keyPrefix}echo-presence:`;
  const expiriesKey = `${prefix}expiries`;
  // Channel names are free text: the entry is JSON so `a:b` + `c` never meets `a` + `b:c`.
  const entryOf = (channel: string, userId: string) => JSON.stringify([channel, userId]);
  const connsKey = (entry: string) => `${prefix}conns:${entry}`;
  const membersKey = (channel: string) => `${prefix}members:${channel}`;
  const commands = defineScripts(redis);

  const joinArgs = ({ channel, member, connectionId }: ChannelConnection): Arg[] => {
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
      return (await commands.echoPresenceJoin(...joinArgs(connection))) === 1;
    },

    async leave(channel, userId, connectionId) {
      const entry = entryOf(channel, String(userId));
      return parseMember(
        await commands.echoPresenceLeave(
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
      const pipeline = redis.pipeline() as Pipeline;
      for (const connection of connections) pipeline.echoPresenceJoin(...joinArgs(connection));
      const results = await execPipeline(pipeline);
      return connections.filter((_, i) => results[i] === 1);
    },

    async sweep() {
      const leaves: ChannelLeave[] = [];
      for (;;) {
        const entries = (await commands.echoPresenceExpired(expiriesKey, SWEEP_BATCH)) as string[];
        if (entries.length === 0) break;
        const pipeline = redis.pipeline() as Pipeline;
        const parsed = entries.map((entry) => JSON.parse(entry) as [string, string]);
        parsed.forEach(([channel, userId], i) => {
          const entry = entries[i]!;
          pipeline.echoPresenceSweepMember(
            connsKey(entry),
            membersKey(channel),
            expiriesKey,
            userId,
            entry,
          );
        });
        const results = await execPipeline(pipeline);
        results.forEach((result, i) => {
          const member = parseMember(result);
          if (member) leaves.push({ channel: parsed[i]![0], member });
        });
        if (entries.length < SWEEP_BATCH) break;
      }
      return leaves;
    },

    async members(channel) {
      const all = await redis.hvals(membersKey(channel));
      return all.map(parseMember).filter((member) => member !== null);
    },
  };
}
