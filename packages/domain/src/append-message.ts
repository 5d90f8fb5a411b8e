import { AppError, type MessageType } from '@kelisim/contracts';
import { Prisma, type ChatFile } from '@kelisim/db';
import { now } from './context.js';
import { indexForSearch } from './message-content.js';
import { messageInclude, type MessageRow, type ReplyPreviewRow } from './resources.js';
import type { Tx } from './transactions.js';

export interface NewMessage {
  chatId: number;
  sender: { id: number; name: string };
  type: MessageType;
  content: string | null;
  clientId: string | null;
  replyToId?: number | null;
  /** The message `replyToId` names, as loaded when the reply was checked. */
  replyTo?: ReplyPreviewRow | null;
  file?: ChatFile | null;
  /** Users to mention; only the chat's participants other than the sender are kept. */
  mentions?: number[];
  /** Refuse (not_found) unless the sender takes part in the chat. */
  senderMustTakePart?: boolean;
}

export interface AppendedMessage {
  row: MessageRow;
  /** false when `clientId` matched an earlier message of the sender in the chat: that original. */
  created: boolean;
}

/** Per message, in order: what it became, or why it alone was refused. */
export type AppendOutcome = AppendedMessage | AppError;

const chatNotFound = () => new AppError('not_found', 'Chat not found.');

/**
 * Inserts messages, each with its chat's next seq, inside the caller's transaction: one statement
 * per step for the whole batch, so a batch costs about what one message does.
 *
 * The chats' rows are locked first, in id order, and every writer of messages takes that lock, so
 * until commit the reads below are current: seq is gap-free and follows the batch's order, a
 * `clientId` seen before (in the table or earlier in the batch) yields its original and consumes
 * no seq. A deleted or missing chat, or a sender who must take part and does not, refuses that
 * message only.
 */
export async function appendMessages(tx: Tx, messages: NewMessage[]): Promise<AppendOutcome[]> {
  const at = now();
  const chatIds = unique(messages.map((m) => m.chatId)).sort((a, b) => a - b);
  const lastSeqs = new Map(
    (
      await tx.$queryRaw<{ id: bigint; last_seq: bigint }[]>`
        SELECT id, last_seq FROM chats
        WHERE id IN (${Prisma.join(chatIds)}) AND deleted_at IS NULL
        ORDER BY id FOR UPDATE`
    ).map((chat) => [Number(chat.id), chat.last_seq]),
  );
  const participants = await participantsOf(tx, [...lastSeqs.keys()]);
  const originals = await storedOriginals(tx, messages);

  const outcomes: (AppendOutcome | undefined)[] = [];
  const fresh: { index: number; fields: MessageFields; mentions: bigint[] }[] = [];
  const firstOfClientId = new Map<string, number>();
  messages.forEach((message, index) => {
    const original = message.clientId === null ? undefined : clientKey(message);
    if (!lastSeqs.has(message.chatId)) {
      outcomes[index] = chatNotFound();
    } else if (
      message.senderMustTakePart &&
      !participants.get(message.chatId)?.has(BigInt(message.sender.id))
    ) {
      outcomes[index] = chatNotFound();
    } else if (original !== undefined && originals.has(original)) {
      outcomes[index] = { row: originals.get(original)!, created: false };
    } else if (original !== undefined && firstOfClientId.has(original)) {
      outcomes[index] = undefined; // filled in from its first occurrence below
    } else {
      if (original !== undefined) firstOfClientId.set(original, index);
      const seq = lastSeqs.get(message.chatId)! + 1n;
      lastSeqs.set(message.chatId, seq);
      fresh.push({
        index,
        fields: rowFields(message, seq, at),
        mentions: mentionable(message, participants.get(message.chatId)),
      });
    }
  });

  if (fresh.length > 0) {
    const ids = await insertRows(
      tx,
      fresh.map((f) => f.fields),
      { lastSeqs, participants },
      at,
    );
    const mentions = fresh.flatMap(({ fields, mentions }) =>
      mentions.map((userId) => ({
        messageId: ids.get(`${fields.chatId}:${fields.seq}`)!,
        chatId: fields.chatId,
        seq: fields.seq,
        userId,
        createdAt: at,
        updatedAt: at,
      })),
    );
    if (mentions.length > 0) await tx.messageMention.createMany({ data: mentions });
    await indexForSearch(
      tx,
      fresh.map(({ fields }) => ids.get(`${fields.chatId}:${fields.seq}`)!),
    );
    for (const { index, fields, mentions } of fresh) {
      const message = messages[index]!;
      outcomes[index] = {
        created: true,
        row: {
          ...fields,
          deletedAt: null,
          editedAt: null,
          pinnedAt: null,
          pinnedBy: null,
          mentions: mentions.map((userId) => ({ userId })),
          id: ids.get(`${fields.chatId}:${fields.seq}`)!,
          sender: { id: BigInt(message.sender.id), name: message.sender.name },
          file: message.file ?? null,
          replyTo: message.replyTo ?? null,
        },
      };
    }
  }
  return messages.map((message, index) => {
    const outcome = outcomes[index];
    if (outcome) return outcome;
    const first = outcomes[firstOfClientId.get(clientKey(message))!] as AppendedMessage;
    return { row: first.row, created: false };
  });
}

/** One message, as `appendMessages` would store it alone; throws what refuses it. */
export async function appendMessage(tx: Tx, message: NewMessage): Promise<AppendedMessage> {
  const [outcome] = await appendMessages(tx, [message]);
  if (outcome instanceof AppError) throw outcome;
  return outcome!;
}

/**
 * Bumps each chat's `last_seq` to what the batch handed out, inserts the rows in one statement
 * and raises every participant's unread counter by the messages they did not send, in one
 * statement for the whole batch. Returns the new ids by `chat:seq`.
 */
async function insertRows(
  tx: Tx,
  rows: MessageFields[],
  chats: { lastSeqs: Map<number, bigint>; participants: Map<number, Participants> },
  at: Date,
): Promise<Map<string, bigint>> {
  const perChat = new Map<number, { first: bigint; last: bigint; bySender: Map<bigint, number> }>();
  for (const { chatId: id, seq, senderId } of rows) {
    const chatId = Number(id);
    const chat = perChat.get(chatId) ?? { first: seq, last: seq, bySender: new Map() };
    chat.last = seq;
    chat.bySender.set(senderId, (chat.bySender.get(senderId) ?? 0) + 1);
    perChat.set(chatId, chat);
  }
  const chatIds = [...perChat.keys()];

  await tx.$executeRaw`
    UPDATE chats
    SET last_seq = CASE id ${Prisma.join(
      chatIds.map((id) => Prisma.sql`WHEN ${id} THEN ${chats.lastSeqs.get(id)!}`),
      ' ',
    )} END,
      last_activity_at = ${at}, updated_at = ${at}
    WHERE id IN (${Prisma.join(chatIds)})`;
  // Raw, like the statements around it: Prisma's createMany compiles a new query plan for every
  // batch size.
  await tx.$executeRaw`
    INSERT INTO messages
      (chat_id, seq, sender_id, type, content, client_id, reply_to_id, file_id, created_at, updated_at)
    VALUES ${Prisma.join(
      rows.map(
        (row) =>
          Prisma.sql`(${row.chatId}, ${row.seq}, ${row.senderId}, ${row.type}, ${row.content},
            ${row.clientId}, ${row.replyToId}, ${row.fileId}, ${row.createdAt}, ${row.updatedAt})`,
      ),
    )}`;
  const inserted = await tx.$queryRaw<{ id: bigint; chat_id: bigint; seq: bigint }[]>`
    SELECT id, chat_id, seq FROM messages
    WHERE ${Prisma.join(
      [...perChat].map(
        ([chatId, { first, last }]) =>
          Prisma.sql`(chat_id = ${chatId} AND seq BETWEEN ${first} AND ${last})`,
      ),
      ' OR ',
    )}`;

  const raises = new Map<bigint, number>();
  for (const [chatId, { first, last, bySender }] of perChat) {
    const count = Number(last - first) + 1;
    for (const [userId, participantId] of chats.participants.get(chatId) ?? []) {
      const unread = count - (bySender.get(userId) ?? 0);
      if (unread > 0) raises.set(participantId, unread);
    }
  }
  // By primary key: a range over a chat's rows would also lock the next chat's first row, and
  // batches of several chats would then deadlock each other. Every row named here belongs to a
  // chat whose lock this transaction holds.
  if (raises.size > 0) {
    await tx.$executeRaw`
      UPDATE participants
      SET unread_count = unread_count + CASE id ${Prisma.join(
        [...raises].map(([id, unread]) => Prisma.sql`WHEN ${id} THEN ${unread}`),
        ' ',
      )} END
      WHERE id IN (${Prisma.join([...raises.keys()])})`;
  }
  return new Map(inserted.map((m) => [`${m.chat_id}:${m.seq}`, m.id]));
}

/** A chat's participants: user id → the participant row's id. */
type Participants = Map<bigint, bigint>;

/** Who takes part in each chat, read under the chats' locks. */
async function participantsOf(tx: Tx, chatIds: number[]): Promise<Map<number, Participants>> {
  if (chatIds.length === 0) return new Map();
  const rows = await tx.$queryRaw<{ id: bigint; chat_id: bigint; user_id: bigint }[]>`
    SELECT id, chat_id, user_id FROM participants WHERE chat_id IN (${Prisma.join(chatIds)})`;
  const byChat = new Map<number, Participants>();
  for (const { id, chat_id, user_id } of rows) {
    const users = byChat.get(Number(chat_id)) ?? new Map<bigint, bigint>();
    byChat.set(Number(chat_id), users.set(user_id, id));
  }
  return byChat;
}

/** Messages already stored under one of the batch's client ids, by `clientKey`. */
async function storedOriginals(tx: Tx, messages: NewMessage[]): Promise<Map<string, MessageRow>> {
  const keyed = messages.filter((m) => m.clientId !== null);
  if (keyed.length === 0) return new Map();
  const candidates = await tx.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM messages
    WHERE chat_id IN (${Prisma.join(unique(keyed.map((m) => m.chatId)))})
      AND sender_id IN (${Prisma.join(unique(keyed.map((m) => m.sender.id)))})
      AND client_id IN (${Prisma.join(unique(keyed.map((m) => m.clientId!)))})`;
  if (candidates.length === 0) return new Map();
  const rows = await tx.message.findMany({
    where: { id: { in: candidates.map((c) => c.id) } },
    include: messageInclude,
  });
  const wanted = new Set(keyed.map(clientKey));
  return new Map(
    rows
      .map((row) => [`${row.chatId}:${row.senderId}:${row.clientId}`, row] as const)
      .filter(([key]) => wanted.has(key)),
  );
}

function rowFields(message: NewMessage, seq: bigint, at: Date) {
  return {
    chatId: BigInt(message.chatId),
    seq,
    senderId: BigInt(message.sender.id),
    type: message.type,
    content: message.content,
    clientId: message.clientId,
    replyToId: message.replyToId == null ? null : BigInt(message.replyToId),
    fileId: message.file?.id ?? null,
    createdAt: at,
    updatedAt: at,
  } satisfies Prisma.MessageCreateManyInput;
}

type MessageFields = ReturnType<typeof rowFields>;

/** The message's mentions that name a participant other than the sender, ascending. */
function mentionable(message: NewMessage, participants: Participants | undefined): bigint[] {
  const ids = unique((message.mentions ?? []).map(BigInt));
  return ids
    .filter((id) => id !== BigInt(message.sender.id) && participants?.has(id))
    .sort((a, b) => (a < b ? -1 : 1));
}

const clientKey = (m: NewMessage) => `${m.chatId}:${m.sender.id}:${m.clientId}`;

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
