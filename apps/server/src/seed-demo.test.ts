import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoEmailDomain, listDemoUsers } from '@kelisim/domain';
import { createTestDatabase, testServerConfig, type TestDatabase } from '@kelisim/testing';
import { demoGroupName, demoPeople } from './seed-demo.js';

const serverDir = fileURLToPath(new URL('..', import.meta.url));

/** `pnpm --filter @kelisim/server seed:demo`, as `pnpm seed:demo` runs it, against `database`. */
function runSeed(database: string) {
  const server = testServerConfig();
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/seed-demo.ts'], {
    cwd: serverDir,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH ?? '',
      ENV_FILE: '/nonexistent',
      DB_HOST: server.host,
      DB_PORT: String(server.port),
      DB_USERNAME: server.user,
      DB_PASSWORD: server.password,
      DB_DATABASE: database,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pnpm seed:demo', { timeout: 120_000 }, () => {
  let h: TestDatabase;

  beforeAll(async () => {
    h = await createTestDatabase('seed');
  });
  afterAll(() => h.drop());

  async function counts() {
    const db = h.db;
    return {
      users: await db.user.count(),
      chats: await db.chat.count(),
      participants: await db.participant.count(),
      messages: await db.message.count(),
    };
  }

  it('creates demo users, a group and two direct chats with messages, and only once', async () => {
    const first = runSeed(h.name);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('Created group chat');
    expect(first.stdout).toContain(
      'Start with CHAT_DEMO_MODE=true pnpm start and open http://localhost:8080',
    );
    const after = await counts();
    expect(after).toEqual({ users: 6, chats: 3, participants: 6 + 2 + 2, messages: 20 });

    const demoUsers = await listDemoUsers(h.db);
    expect(demoUsers.map((u) => u.name)).toEqual(demoPeople.map((p) => p.name));
    expect(demoUsers.every((u) => u.email.endsWith(`@${demoEmailDomain}`))).toBe(true);

    // Seqs are gap-free per chat, and unread counts are what the senders left behind.
    const group = await h.db.chat.findFirstOrThrow({ where: { name: demoGroupName } });
    const seqs = await h.db.message.findMany({
      where: { chatId: group.id },
      select: { seq: true },
      orderBy: { seq: 'asc' },
    });
    expect(seqs.map((m) => Number(m.seq))).toEqual(seqs.map((_, i) => i + 1));
    expect(Number(group.lastSeq)).toBe(seqs.length);
    const participants = await h.db.participant.findMany({ where: { chatId: group.id } });
    for (const p of participants) {
      const fromOthers = await h.db.message.count({
        where: { chatId: group.id, senderId: { not: p.userId } },
      });
      expect(p.unreadCount).toBe(fromOthers);
    }

    const second = runSeed(h.name);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('Found group chat');
    expect(second.stdout).toContain('0 users created (6 already there)');
    expect(await counts()).toEqual(after);
  });

  it('asks for `pnpm migrate` when the chat tables are missing', async () => {
    // As in a Laravel database before the chat migrations: `users` exists, `chats` does not.
    const bare = await createTestDatabase('seedbare');
    try {
      await bare.db.$executeRawUnsafe('RENAME TABLE chats TO chats_not_migrated');
      const result = runSeed(bare.name);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('The chat tables do not exist yet. Run `pnpm migrate` first');
      expect(await bare.db.user.count()).toBe(0);
    } finally {
      await bare.drop();
    }
  });
});
