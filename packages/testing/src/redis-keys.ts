/** The Redis commands it takes (an ioredis client fits). */
interface KeyRemover {
  keys(pattern: string): Promise<string[]>;
  del(...keys: string[]): Promise<number>;
}

/** Removes every key under `prefix`, e.g. a test's own namespace when it ends. */
export async function deleteKeysUnder(redis: KeyRemover, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}
