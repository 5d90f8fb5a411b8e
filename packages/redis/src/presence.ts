import type { RedisClient } from './connection.js';
import { assertTtl, defineScripts, lua, type ScriptArg } from './expiring-connections.js';

export interface PresenceOptions {
  /** Namespace of the keys, e.g. `kelisim:` → `kelisim:{presence}:users`. */
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
   * round trip. A live connection Redis no longer knows (it expired while this node could not
   * reach Redis, or a failover lost it) is recorded again; the users that brings back online are
   * returned, so they can be announced.
   */
  heartbeat(connections: PresenceConnection[]): Promise<number[]>;
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

// Keys: conns = sorted set connectionId → expiry (ms); users = sorted set userId → latest expiry
// among the user's connections; last_seen = ms string. A user is online while their score in
// users is in the future; every script keeps that score equal to their newest connection's expiry.

/** KEYS conns, users. ARGV connectionId, userId, ttlMs, connsTtlMs. 1 when the user came online. */
const CONNECT = `
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
const DISCONNECT = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
${lua.returnWhileLive('KEYS[2]', 'ARGV[2]', "redis.call('PEXPIRE', KEYS[1], ARGV[4])")}
redis.call('DEL', KEYS[1])
local score = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not score then return nil end
redis.call('ZREM', KEYS[2], ARGV[2])
local seen = now
if removed == 0 then seen = math.min(now, tonumber(score) - tonumber(ARGV[3])) end
redis.call('SET', KEYS[3], seen, 'PX', ARGV[5])
return seen
`;

/**
 * KEYS conns, users, last_seen. ARGV userId, ttlMs, lastSeenTtlMs. The last-seen ms (the user's
 * last refresh) when this call took the user offline; nil when a connection is live again or
 * another caller already took them offline.
 */
const SWEEP_USER = `
${lua.claimExpired('KEYS[2]', 'ARGV[1]')}
local seen = math.min(now, tonumber(score) - tonumber(ARGV[2]))
redis.call('SET', KEYS[3], seen, 'PX', ARGV[3])
return seen
`;

/** KEYS users. ARGV userIds. Those whose newest connection has not expired. */
const ONLINE_USERS = `
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
const LAST_SEEN = `
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

const SCRIPTS = {
  presenceConnect: { lua: CONNECT, numberOfKeys: 2 },
  presenceDisconnect: { lua: DISCONNECT, numberOfKeys: 3 },
  presenceSweepUser: { lua: SWEEP_USER, numberOfKeys: 3 },
  presenceOnlineUsers: { lua: ONLINE_USERS, numberOfKeys: 1 },
  presenceLastSeen: { lua: LAST_SEEN, numberOfKeys: 2 },
};

function toDate(ms: unknown): Date | null {
  return typeof ms === 'number' ? new Date(ms) : null;
}

/**
 * Cluster-wide presence: every gateway node records its connections in Redis and refreshes them
 * with heartbeats; connections of a node that died without cleanup expire after `ttlMs`, and a
 * periodic `sweep` on any node reports their users offline.
 */
export function createPresence(redis: RedisClient, options: PresenceOptions): Presence {
  const { ttlMs } = options;
  assertTtl(ttlMs);
  const connsTtlMs = CONNECTION_SET_TTLS * ttlMs;
  // One hash tag for every presence key, so the scripts' keys share a slot on a Redis Cluster.
  const prefix = `${options.keyPrefix}{presence}:`;
  const usersKey = `${prefix}users`;
  const connsKey = (userId: number | string): string => `${prefix}conns:${userId}`;
  const lastSeenKey = (userId: number | string): string => `${prefix}last_seen:${userId}`;
  const scripts = defineScripts(redis, SCRIPTS);
  /** The arguments of the connect script, which heartbeats run too. */
  const refreshArgs = ({ userId, connectionId }: PresenceConnection): ScriptArg[] => [
    connsKey(userId),
    usersKey,
    connectionId,
    userId,
    ttlMs,
    connsTtlMs,
  ];

  return {
    async connect(userId, connectionId) {
      const first = await scripts.run('presenceConnect', ...refreshArgs({ userId, connectionId }));
      return first === 1;
    },

    async disconnect(userId, connectionId) {
      const lastSeenAt = toDate(
        await scripts.run(
          'presenceDisconnect',
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
      if (connections.length === 0) return [];
      const first = await scripts.runAll('presenceConnect', connections.map(refreshArgs));
      return [...new Set(connections.filter((_, i) => first[i] === 1).map((c) => c.userId))];
    },

    sweep: () =>
      scripts.sweep(usersKey, async (userIds) => {
        const results = await scripts.runAll(
          'presenceSweepUser',
          userIds.map((id) => [
            connsKey(id),
            usersKey,
            lastSeenKey(id),
            id,
            ttlMs,
            LAST_SEEN_TTL_MS,
          ]),
        );
        return userIds.flatMap((id, i) => {
          const lastSeenAt = toDate(results[i]);
          return lastSeenAt ? [{ userId: Number(id), lastSeenAt }] : [];
        });
      }),

    async onlineUsers(userIds) {
      const unique = [...new Set(userIds)];
      if (unique.length === 0) return new Set();
      const online = (await scripts.run('presenceOnlineUsers', usersKey, ...unique)) as string[];
      return new Set(online.map(Number));
    },

    async lastSeen(userId) {
      return toDate(
        await scripts.run('presenceLastSeen', usersKey, lastSeenKey(userId), userId, ttlMs),
      );
    },
  };
}
