import type { ChainableCommander, Redis } from 'ioredis';

export interface PresenceOptions {
  /** Namespace of the keys, e.g. `kelisim:` → `kelisim:presence:users`. */
  keyPrefix: string;
  /** A connection not refreshed for this long counts as gone. */
  ttlMs: number;
}

export interface PresenceChange {
  userId: number;
  lastSeenAt: Date;
}

export interface PresenceConnection {
  userId: number;
  connectionId: string;
}

export interface Presence {
  /** Records a live connection; true when it is the user's first (the user just came online). */
  connect(userId: number, connectionId: string): Promise<boolean>;
  /** Removes a connection; returns the offline change when it was the user's last, else null. */
  disconnect(userId: number, connectionId: string): Promise<PresenceChange | null>;
  /**
   * Refreshes the expiry of this node's live connections (called every ttl/3 by each node), in one
   * round trip. A connection already removed (disconnected, or swept after expiring) is not revived.
   */
  heartbeat(connections: PresenceConnection[]): Promise<void>;
  /**
   * Finds users whose every connection expired (their node died), removes them and returns them;
   * each such user is returned by exactly one caller even when several nodes sweep at once.
   */
  sweep(): Promise<PresenceChange[]>;
  /** Which of these users are online now. */
  onlineUsers(userIds: number[]): Promise<Set<number>>;
  /** When the user was last seen (set when they went offline), or null if never / online. */
  lastSeen(userId: number): Promise<Date | null>;
}

const LAST_SEEN_TTL_MS = 30 * 24 * 3600 * 1000;
/** An abandoned connection set outlives its last expiry by this many TTLs, then Redis drops it. */
const CONNECTION_SET_TTLS = 3;
const SWEEP_BATCH = 500;

// Every script reads the clock of the Redis server, so nodes with skewed clocks agree.
// Keys: conns = sorted set connectionId → expiry (ms); users = sorted set userId → latest expiry
// among the user's connections; last_seen = ms string. A user is online while their score in
// users is in the future; every script keeps that score equal to their newest connection's expiry.
const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/** KEYS conns, users. ARGV connectionId, userId, ttlMs, connsTtlMs. 1 when the user came online. */
const CONNECT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local hadLive = redis.call('ZCARD', KEYS[1]) > 0
local expiry = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], 'GT', expiry, ARGV[2])
if hadLive then return 0 end
return 1
`;

/**
 * KEYS conns, users, last_seen. ARGV connectionId, userId, ttlMs, connsTtlMs, lastSeenTtlMs.
 * The last-seen ms when the user went offline, else nil. A user whose remaining connections all
 * expired goes offline here too (the sweep then skips them), last seen at their last refresh
 * unless the connection removed was theirs.
 */
const DISCONNECT = `${NOW}
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then
  redis.call('ZADD', KEYS[2], newest[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return nil
end
redis.call('DEL', KEYS[1])
local score = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not score then return nil end
redis.call('ZREM', KEYS[2], ARGV[2])
local seen = now
if removed == 0 then seen = math.min(now, tonumber(score) - tonumber(ARGV[3])) end
redis.call('SET', KEYS[3], seen, 'PX', ARGV[5])
return seen
`;

/** KEYS conns, users. ARGV connectionId, userId, ttlMs, connsTtlMs. 0 when the connection is gone. */
const HEARTBEAT = `${NOW}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local expiry = now + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], 'GT', expiry, ARGV[2])
return 1
`;

/** KEYS users. ARGV limit. Users whose newest connection has expired. */
const EXPIRED_USERS = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, ARGV[1])
`;

/**
 * KEYS conns, users, last_seen. ARGV userId, ttlMs, lastSeenTtlMs. The last-seen ms (the user's
 * last refresh) when this call took the user offline; nil when a connection is live again or
 * another caller already took them offline.
 */
const SWEEP_USER = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then
  redis.call('ZADD', KEYS[2], newest[2], ARGV[1])
  return nil
end
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score or tonumber(score) > now then return nil end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
local seen = math.min(now, tonumber(score) - tonumber(ARGV[2]))
redis.call('SET', KEYS[3], seen, 'PX', ARGV[3])
return seen
`;

/** KEYS users. ARGV userIds. Those whose newest connection has not expired. */
const ONLINE_USERS = `${NOW}
local online = {}
for _, userId in ipairs(ARGV) do
  local score = redis.call('ZSCORE', KEYS[1], userId)
  if score and tonumber(score) > now then online[#online + 1] = userId end
end
return online
`;

/**
 * KEYS users, last_seen. ARGV userId, ttlMs. Nil while online; for a user whose connections
 * expired but who was not swept yet, the last refresh (what the sweep will record).
 */
const LAST_SEEN = `${NOW}
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score then
  score = tonumber(score)
  if score > now then return nil end
  return math.min(now, score - tonumber(ARGV[2]))
end
local seen = redis.call('GET', KEYS[2])
if seen then return tonumber(seen) end
return nil
`;

type Arg = string | number;

/** The scripts, as ioredis' `defineCommand` adds them to the connection and its pipelines. */
interface PresenceCommands<R> {
  presenceConnect(...args: Arg[]): R;
  presenceDisconnect(...args: Arg[]): R;
  presenceHeartbeat(...args: Arg[]): R;
  presenceExpiredUsers(...args: Arg[]): R;
  presenceSweepUser(...args: Arg[]): R;
  presenceOnlineUsers(...args: Arg[]): R;
  presenceLastSeen(...args: Arg[]): R;
}

function defineScripts(redis: Redis): Redis & PresenceCommands<Promise<unknown>> {
  const scripts: [keyof PresenceCommands<unknown>, string, number][] = [
    ['presenceConnect', CONNECT, 2],
    ['presenceDisconnect', DISCONNECT, 3],
    ['presenceHeartbeat', HEARTBEAT, 2],
    ['presenceExpiredUsers', EXPIRED_USERS, 1],
    ['presenceSweepUser', SWEEP_USER, 3],
    ['presenceOnlineUsers', ONLINE_USERS, 1],
    ['presenceLastSeen', LAST_SEEN, 2],
  ];
  for (const [name, lua, numberOfKeys] of scripts) redis.defineCommand(name, { lua, numberOfKeys });
  return redis as Redis & PresenceCommands<Promise<unknown>>;
}

/** Runs a pipeline, throwing the first command error instead of returning it among the results. */
async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}

function toDate(ms: unknown): Date | null {
  return typeof ms === 'number' ? new Date(ms) : null;
}

/**
 * Cluster-wide presence: every gateway node records its connections in Redis and refreshes them
 * with heartbeats; connections of a node that died without cleanup expire after `ttlMs`, and a
 * periodic `sweep` on any node reports their users offline.
 */
export function createPresence(redis: Redis, options: PresenceOptions): Presence {
  const { ttlMs } = options;
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
  const connsTtlMs = CONNECTION_SET_TTLS * ttlMs;
  const prefix = `${options.keyPrefix}presence:`;
  const usersKey = `${prefix}users`;
  const connsKey = (userId: number | string): string => `${prefix}conns:${userId}`;
  const lastSeenKey = (userId: number | string): string => `${prefix}last_seen:${userId}`;
  const commands = defineScripts(redis);

  return {
    async connect(userId, connectionId) {
      const first = await commands.presenceConnect(
        connsKey(userId),
        usersKey,
        connectionId,
        userId,
        ttlMs,
        connsTtlMs,
      );
      return first === 1;
    },

    async disconnect(userId, connectionId) {
      const lastSeenAt = toDate(
        await commands.presenceDisconnect(
          connsKey(userId),
          usersKey,
          lastSeenKey(userId),
          connectionId,
          userId,
          ttlMs,
          connsTtlMs,
          LAST_SEEN_TTL_MS,
        ),
      );
      return lastSeenAt && { userId, lastSeenAt };
    },

    async heartbeat(connections) {
      if (connections.length === 0) return;
      const pipeline = redis.pipeline() as ChainableCommander &
        PresenceCommands<ChainableCommander>;
      for (const { userId, connectionId } of connections) {
        pipeline.presenceHeartbeat(
          connsKey(userId),
          usersKey,
          connectionId,
          userId,
          ttlMs,
          connsTtlMs,
        );
      }
      await execPipeline(pipeline);
    },

    async sweep() {
      const changes: PresenceChange[] = [];
      for (;;) {
        const candidates = (await commands.presenceExpiredUsers(usersKey, SWEEP_BATCH)) as string[];
        if (candidates.length === 0) break;
        const pipeline = redis.pipeline() as ChainableCommander &
          PresenceCommands<ChainableCommander>;
        for (const id of candidates) {
          pipeline.presenceSweepUser(
            connsKey(id),
            usersKey,
            lastSeenKey(id),
            id,
            ttlMs,
            LAST_SEEN_TTL_MS,
          );
        }
        const results = await execPipeline(pipeline);
        results.forEach((result, i) => {
          const lastSeenAt = toDate(result);
          if (lastSeenAt) changes.push({ userId: Number(candidates[i]), lastSeenAt });
        });
        if (candidates.length < SWEEP_BATCH) break;
      }
      return changes;
    },

    async onlineUsers(userIds) {
      const unique = [...new Set(userIds)];
      if (unique.length === 0) return new Set();
      const online = (await commands.presenceOnlineUsers(usersKey, ...unique)) as string[];
      return new Set(online.map(Number));
    },

    async lastSeen(userId) {
      return toDate(await commands.presenceLastSeen(usersKey, lastSeenKey(userId), userId, ttlMs));
    },
  };
}
