import { randomInt } from 'node:crypto';
import { Prisma, type Db } from '@kelisim/db';
import {
  createChat,
  demoEmailDomain,
  sendMessage,
  type Actor,
  type DomainContext,
  type EventPublisher,
  type JobQueue,
} from '@kelisim/domain';

export const demoGroupName = 'Kelisim demo';

/** The demo cast: `<key>@demo.kelisim.test`. The first one owns the group. */
export const demoPeople = [
  { key: 'ada', name: 'Ada Lovelace' },
  { key: 'grace', name: 'Grace Hopper' },
  { key: 'alan', name: 'Alan Turing' },
  { key: 'katherine', name: 'Katherine Johnson' },
  { key: 'edsger', name: 'Edsger Dijkstra' },
  { key: 'margaret', name: 'Margaret Hamilton' },
] as const;

type Key = (typeof demoPeople)[number]['key'];

/** Conversations written when their chat is created: [sender, text]. */
const groupScript: [Key, string][] = [
  ['ada', 'Welcome to the Kelisim demo! Everyone here is a demo user.'],
  ['grace', 'Hello all 👋 Found any bugs yet?'],
  ['alan', 'Only a moth so far.'],
  ['katherine', 'The numbers check out on my side.'],
  ['edsger', 'Testing shows the presence of bugs, not their absence.'],
  ['margaret', 'Then let us make sure the landing is soft.'],
  ['ada', 'Open a second browser window as someone else and watch messages arrive live.'],
  ['grace', 'Unread counts update too: try reading this in another tab.'],
  ['alan', 'Ordering is by seq per chat, no gaps.'],
  ['katherine', 'Even after a reconnect?'],
  ['ada', 'Even after a reconnect: clients resume from the last seq they hold.'],
  ['margaret', '🚀'],
];
const directScripts: [Key, [Key, string][]][] = [
  [
    'grace',
    [
      ['ada', 'Grace, do you have a minute for the compiler question?'],
      ['grace', 'Always. What is it?'],
      ['ada', 'Can it translate the loop into cards for the engine?'],
      ['grace', 'It can, and it will tell you where you went wrong.'],
    ],
  ],
  [
    'alan',
    [
      ['alan', 'Ada, I read your notes on the engine.'],
      ['ada', 'And? Can it think?'],
      ['alan', 'Let us play the imitation game and find out.'],
      ['ada', 'Deal. You go first.'],
    ],
  ],
];

export interface SeedProgress {
  (line: string): void;
}

export interface SeedResult {
  users: { created: number; existing: number };
  chats: { created: number; existing: number };
  messages: number;
}

/** The chat tables (or the database) are missing: `pnpm migrate` has not run. */
export class NotMigratedError extends Error {}

/**
 * Demo users, a group of all of them and two direct chats with a short conversation each, written
 * through the domain's use cases (seqs, read cursors and unread counts as in real use). Running it
 * again finds what exists: no duplicate users or chats, and messages only go into new chats.
 */
export async function seedDemo(db: Db, progress: SeedProgress = () => {}): Promise<SeedResult> {
  await requireChatTables(db);
  const ctx = quietContext(db);
  const result: SeedResult = {
    users: { created: 0, existing: 0 },
    chats: { created: 0, existing: 0 },
    messages: 0,
  };

  const ids = {} as Record<Key, number>;
  for (const person of demoPeople) {
    const { id, created } = await ensureUser(db, person.name, `${person.key}@${demoEmailDomain}`);
    ids[person.key] = id;
    result.users[created ? 'created' : 'existing']++;
    progress(`${created ? 'Created' : 'Found'} user ${id} ${person.name}`);
  }
  const as = (key: Key): Actor => ({ userId: ids[key] });

  const send = async (chatId: number, script: [Key, string][]) => {
    for (const [sender, content] of script) {
      await sendMessage(ctx, as(sender), { chatId, content });
      result.messages++;
    }
  };

  const owner = demoPeople[0].key;
  const existingGroup = await db.chat.findFirst({
    where: { type: 'group', name: demoGroupName, createdBy: ids[owner], deletedAt: null },
    select: { id: true },
  });
  if (existingGroup) {
    result.chats.existing++;
    progress(`Found group chat ${existingGroup.id} "${demoGroupName}"`);
  } else {
    const { chat } = await createChat(ctx, as(owner), {
      type: 'group',
      name: demoGroupName,
      participant_ids: demoPeople.map((p) => ids[p.key]),
    });
    result.chats.created++;
    await send(chat.id, groupScript);
    progress(
      `Created group chat ${chat.id} "${demoGroupName}" with ${groupScript.length} messages`,
    );
  }

  for (const [other, script] of directScripts) {
    const { chat, created } = await createChat(ctx, as(owner), {
      type: 'direct',
      participant_ids: [ids[other]],
    });
    result.chats[created ? 'created' : 'existing']++;
    if (created) await send(chat.id, script);
    const who = `${demoPeople[0].name} and ${demoPeople.find((p) => p.key === other)!.name}`;
    progress(
      created
        ? `Created direct chat ${chat.id} between ${who} with ${script.length} messages`
        : `Found direct chat ${chat.id} between ${who}`,
    );
  }
  return result;
}

async function ensureUser(
  db: Db,
  name: string,
  email: string,
): Promise<{ id: number; created: boolean }> {
  const existing = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (existing) return { id: Number(existing.id), created: false };
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  try {
    const user = await db.user.create({
      data: { name, email, password: unusableBcryptHash(), createdAt: now, updatedAt: now },
      select: { id: true },
    });
    return { id: Number(user.id), created: true };
  } catch (error) {
    // Another seed run created it in the meantime.
    const raced = await db.user.findUnique({ where: { email }, select: { id: true } });
    if (!raced) throw error;
    return { id: Number(raced.id), created: false };
  }
}

const bcryptAlphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Shaped like Laravel's bcrypt hashes, but of no password: demo users sign in with demo mode. */
function unusableBcryptHash(): string {
  const random = Array.from({ length: 53 }, () => bcryptAlphabet[randomInt(64)]).join('');
  return `$2y$12$${random}`;
}

async function requireChatTables(db: Db): Promise<void> {
  try {
    await db.user.findFirst({ select: { id: true } });
    await db.chat.findFirst({ select: { id: true } });
    await db.message.findFirst({ select: { id: true } });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2021') {
      throw new NotMigratedError('The chat tables do not exist yet.');
    }
    // The MariaDB adapter reports it as a pool timeout whose cause is error 1049.
    const meta = (error as { meta?: unknown }).meta;
    if (/Unknown database/i.test(`${String(error)} ${JSON.stringify(meta ?? {})}`)) {
      throw new NotMigratedError('The database does not exist yet.');
    }
    throw error;
  }
}

/** The seed writes through the use cases, but pushes no live events and queues no jobs or webhooks. */
function quietContext(db: Db): DomainContext {
  const events: EventPublisher = { publish() {}, joinChat() {}, leaveChat() {} };
  const jobs: JobQueue = {
    processFile: () => Promise.resolve(),
    recomputeUnread() {},
    deleteFileObjects() {},
    pushUnreadCounts() {},
    takeUnreadPushes: () => Promise.resolve({}),
    notifyLaravel() {},
  };
  const unlimited = { consume: () => Promise.resolve({ allowed: true as const }) };
  return {
    db,
    events,
    jobs,
    sendRateLimiter: unlimited,
    typingRateLimiter: unlimited,
    chatCreateRateLimiter: unlimited,
    participantAddRateLimiter: unlimited,
    messageDeleteRateLimiter: unlimited,
    searchRateLimiter: unlimited,
    limits: { messageMaxLength: 10_000, groupMaxMembers: 1_000 },
  };
}
