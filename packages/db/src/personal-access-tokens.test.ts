import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseEnv, parseEnv, type DatabaseConfig } from '@kelisim/config';
import { createDb, type Db } from './client.js';
import { migrate } from './migrate.js';
import { createSanctumTokenStore } from './personal-access-tokens.js';

const config: DatabaseConfig = {
  ...parseEnv(databaseEnv, process.env),
  database: `kelisim_test_pat_${randomBytes(5).toString('hex')}`,
};
let admin: Connection;
let db: Db;

beforeAll(async () => {
  await migrate(config);
  admin = await createConnection({ ...config, timezone: 'Z' });
  db = createDb(config);
});
afterAll(async () => {
  await db?.$disconnect();
  await admin?.query(`DROP DATABASE IF EXISTS \`${config.database}\``);
  await admin?.end();
});

/** A row as Sanctum's createToken() writes it, through SQL rather than this package. */
async function insertToken(lastUsedAt: string | null): Promise<bigint> {
  const result = await admin.query<{ insertId: bigint }>(
    'INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities, ' +
      "last_used_at, expires_at, created_at, updated_at) VALUES ('App\\\\Models\\\\User', 5, 'api', " +
      "?, '[\"*\"]', ?, NULL, '2030-01-01 00:00:00', '2030-01-01 00:00:00')",
    [randomBytes(32).toString('hex'), lastUsedAt],
  );
  return BigInt(result.insertId);
}

async function usedColumns(id: bigint) {
  const [row] = await admin.query<{ last_used_at: Date | null; updated_at: Date | null }[]>(
    'SELECT last_used_at, updated_at FROM personal_access_tokens WHERE id = ?',
    [id],
  );
  return row;
}

describe('createSanctumTokenStore', () => {
  const store = () => createSanctumTokenStore(db);

  it('finds a row Laravel wrote, with the columns the Sanctum check reads', async () => {
    const id = await insertToken('2030-01-01 00:05:00');

    expect(await store().find(id)).toEqual({
      id,
      tokenableType: 'App\\Models\\User',
      tokenableId: 5n,
      token: expect.stringMatching(/^[0-9a-f]{64}$/),
      lastUsedAt: new Date('2030-01-01T00:05:00Z'),
      expiresAt: null,
      createdAt: new Date('2030-01-01T00:00:00Z'),
    });
    expect(await store().find(id + 1000n)).toBeNull();
  });

  it('sets last_used_at and updated_at, in whole seconds, like Eloquent’s save()', async () => {
    const id = await insertToken(null);

    await store().markUsed(id, new Date('2030-02-01T10:00:00.900Z'), new Date(0));

    expect(await usedColumns(id)).toEqual({
      last_used_at: new Date('2030-02-01T10:00:00Z'),
      updated_at: new Date('2030-02-01T10:00:00Z'),
    });
  });

  it('leaves a last_used_at newer than notUsedSince alone (another node wrote it)', async () => {
    const id = await insertToken('2030-02-01 10:00:30');

    await store().markUsed(id, new Date('2030-02-01T10:01:00Z'), new Date('2030-02-01T10:00:00Z'));

    expect((await usedColumns(id))?.last_used_at).toEqual(new Date('2030-02-01T10:00:30Z'));
  });
});
