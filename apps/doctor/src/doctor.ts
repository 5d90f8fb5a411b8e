import type { Connection } from 'mariadb';
import type { DatabaseConfig } from '@kelisim/config';
import { checkCollation } from './checks/collation.js';
import { probeDatabase } from './checks/database.js';
import { checkMigrations } from './checks/migrations.js';
import { judgeBroadcasts, listen } from './checks/broadcasts.js';
import { probeRedis } from './checks/redis.js';
import { checkFileLinks, checkStoragePath } from './checks/storage.js';
import { checkToken, type UserLookup } from './checks/token.js';
import type { DoctorConfig, Section } from './config.js';
import { fail, skip, type CheckResult } from './report.js';

export interface DoctorOptions {
  /** A token Laravel issued, to verify; without one a minted token is round-tripped. */
  token?: string | undefined;
  /** How long to watch Redis for Laravel's broadcasts. */
  listenSeconds: number;
  migrationsDir: string;
}

/**
 * Every check, in a fixed order. The broadcast watch runs while the database is examined; a
 * check that needs something that failed (the database, Redis, a config section) is skipped.
 */
export async function runDoctor(
  config: DoctorConfig,
  options: DoctorOptions,
): Promise<CheckResult[]> {
  const [database, redis, storage] = await Promise.all([
    examineDatabase(config.database, options.migrationsDir),
    examineRedis(config, options.listenSeconds),
    examineStorage(config),
  ]);
  try {
    const token = config.jwt.ok
      ? await checkToken(config.jwt.value, options.token, database.findUser)
      : configFailure('Token', config.jwt);
    return [...database.results, ...redis, token, ...storage];
  } finally {
    await database.connection?.end().catch(() => database.connection?.destroy());
  }
}

interface DatabaseFindings {
  results: CheckResult[];
  connection?: Connection;
  findUser?: UserLookup;
}

async function examineDatabase(
  section: Section<DatabaseConfig>,
  migrationsDir: string,
): Promise<DatabaseFindings> {
  const names = ['Database', 'Collation', 'Migrations'];
  if (!section.ok) {
    return {
      results: [
        configFailure(names[0]!, section),
        ...names.slice(1).map((n) => skip(n, 'no database settings')),
      ],
    };
  }
  const config = section.value;
  const probe = await probeDatabase(config);
  if (!probe.connection) {
    return {
      results: [
        probe.result,
        ...names.slice(1).map((n) => skip(n, 'the database is not reachable')),
      ],
    };
  }
  const connection: Connection = probe.connection;
  const collation = await checkCollation(connection, config.database).catch((error: unknown) =>
    unexpected('Collation', error),
  );
  const migrations = await checkMigrations(connection, config.database, migrationsDir).catch(
    (error: unknown) => unexpected('Migrations', error),
  );
  const findUser: UserLookup = async (id) => {
    const [user] = await connection.query<{ name: string }[]>(
      'SELECT name FROM users WHERE id = ?',
      [id],
    );
    return user ?? null;
  };
  return { results: [probe.result, collation, migrations], connection, findUser };
}

async function examineRedis(config: DoctorConfig, listenSeconds: number): Promise<CheckResult[]> {
  const broadcasts = 'Laravel broadcasts';
  if (!config.redis.ok)
    return [configFailure('Redis', config.redis), skip(broadcasts, 'no Redis settings')];
  const probe = await probeRedis(config.redis.value);
  if (!probe.redis) return [probe.result, skip(broadcasts, 'Redis is not reachable')];
  try {
    const traffic = await listen(probe.redis, listenSeconds);
    return [probe.result, judgeBroadcasts(traffic, config.broadcast, listenSeconds)];
  } catch (error) {
    return [probe.result, unexpected(broadcasts, error)];
  } finally {
    probe.redis.disconnect();
  }
}

async function examineStorage(config: DoctorConfig): Promise<CheckResult[]> {
  const { storage, fileLinks } = config;
  return Promise.all([
    storage.ok
      ? checkStoragePath(storage.value).catch((error: unknown) => unexpected('Storage', error))
      : configFailure('Storage', storage),
    fileLinks.ok
      ? checkFileLinks(fileLinks.value).catch((error: unknown) => unexpected('File links', error))
      : configFailure('File links', fileLinks),
  ]);
}

function configFailure(name: string, section: { ok: false; problems: string[] }): CheckResult {
  return fail(
    name,
    `invalid settings: ${section.problems.join('; ')}`,
    'fix them in .env (see env.example)',
  );
}

function unexpected(name: string, error: unknown): CheckResult {
  const message = error instanceof Error ? error.message : String(error);
  return fail(name, `the check itself failed: ${message.split('\n')[0]}`, 'see the message');
}
