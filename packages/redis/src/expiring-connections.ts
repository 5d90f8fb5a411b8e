import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './connection.js';

// Shared by presence and channel presence: both keep, per tracked subject, a sorted set of
// connectionId → expiry (ms) and sweep subjects whose newest connection expired.

export type ScriptArg = string | number;

/** Rows asked of Redis per sweep round trip. */
const SWEEP_BATCH = 500;

/** Lua that every script starts with: `now` is the Redis server's clock in ms, so nodes with
 * skewed clocks agree. */
const LUA_NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

/**
 * Lua: drops the expired connections of the set KEYS[1]; when one is still live, records its
 * expiry as `entry`'s score in the sorted set `expiriesKey`, runs `whileLive` and returns nil.
 */
function luaReturnWhileLive(expiriesKey: string, entry: string, whileLive = ''): string {
  return `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then
  redis.call('ZADD', ${expiriesKey}, newest[2], ${entry})
  ${whileLive}
  return nil
end
`;
}

/**
 * Lua for a sweep of one entry: returns nil unless every connection of KEYS[1] expired and this
 * call is the one that claims the entry (concurrent sweepers do not); then removes the entry from
 * `expiriesKey`, deletes KEYS[1], and leaves the entry's last expiry in `score`.
 */
function luaClaimExpired(expiriesKey: string, entry: string): string {
  return `${luaReturnWhileLive(expiriesKey, entry)}
local score = redis.call('ZSCORE', ${expiriesKey}, ${entry})
if not score or tonumber(score) > now then return nil end
redis.call('ZREM', ${expiriesKey}, ${entry})
redis.call('DEL', KEYS[1])
`;
}

/** Lua fragments for the scripts of presence and channel presence. */
export const lua = { returnWhileLive: luaReturnWhileLive, claimExpired: luaClaimExpired };

/** KEYS[1] a sorted set of expiries, ARGV[1] a limit: the entries already expired. */
const EXPIRED_ENTRIES = {
  lua: `return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, ARGV[1])`,
  numberOfKeys: 1,
};
const EXPIRED_ENTRIES_COMMAND = 'expiringConnectionsExpired';

export function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
}

export interface ScriptDefinition {
  /** The body; `now` (ms, Redis clock) is already set. */
  lua: string;
  numberOfKeys: number;
}

/** Runs a script by name, alone or as many calls in one pipeline (one round trip). */
export interface Scripts<Name extends string> {
  run(name: Name, ...args: ScriptArg[]): Promise<unknown>;
  /** Throws the first command error instead of returning it among the results. */
  runAll(name: Name, calls: ScriptArg[][]): Promise<unknown[]>;
  /**
   * Sweeps in batches: names the expired entries of the sorted set `expiriesKey`, and hands each
   * batch to `sweepEntries`, which removes them (atomically per entry, so concurrent sweepers
   * report each once) and returns what it removed.
   */
  sweep<T>(expiriesKey: string, sweepEntries: (entries: string[]) => Promise<T[]>): Promise<T[]>;
}

/**
 * Calls a command added by `defineCommand`: ioredis adds it to the client (and its pipelines) at
 * run time under the given name, so its type cannot name it.
 */
function callDefined(target: RedisClient | ChainableCommander, name: string, args: ScriptArg[]) {
  const command: unknown = Reflect.get(target, name);
  if (typeof command !== 'function') throw new Error(`Redis script ${name} is not defined`);
  return Reflect.apply(command, target, args) as unknown;
}

export function defineScripts<Name extends string>(
  redis: RedisClient,
  definitions: Record<Name, ScriptDefinition>,
): Scripts<Name> {
  const all = { ...definitions, [EXPIRED_ENTRIES_COMMAND]: EXPIRED_ENTRIES };
  for (const [name, { lua, numberOfKeys }] of Object.entries<ScriptDefinition>(all)) {
    redis.defineCommand(name, { lua: LUA_NOW + lua, numberOfKeys });
  }
  return {
    run: (name, ...args) => callDefined(redis, name, args) as Promise<unknown>,
    async runAll(name, calls) {
      const pipeline = redis.pipeline();
      for (const args of calls) callDefined(pipeline, name, args);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, result]) => {
        if (error) throw error;
        return result;
      });
    },
    async sweep(expiriesKey, sweepEntries) {
      const swept = [];
      for (;;) {
        const entries = (await callDefined(redis, EXPIRED_ENTRIES_COMMAND, [
          expiriesKey,
          SWEEP_BATCH,
        ])) as string[];
        if (entries.length === 0) break;
        swept.push(...(await sweepEntries(entries)));
        if (entries.length < SWEEP_BATCH) break;
      }
      return swept;
    },
  };
}
