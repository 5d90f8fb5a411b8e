import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChat } from '@kelisim/domain';
import { createDb } from '@kelisim/db';
import {
  CuttableProxy,
  connectClient,
  createUsers,
  type ChatClient,
  type TestUser,
} from '@kelisim/testing';
import { startTestGateway, type GatewayHarness } from './test-gateway.js';

let h: GatewayHarness;
let proxy: CuttableProxy | undefined;
let users: TestUser[];
let chatId: number;
const clients: ChatClient[] = [];

beforeAll(async () => {
  h = await startTestGateway('gateway_db_outage', {
    connectDb: async (database) => {
      proxy = new CuttableProxy(database.config);
      await proxy.open();
      return createDb({ ...database.config, port: proxy.port, connectionLimit: 2 });
    },
  });
  users = await createUsers(h.database.db, 2, 'Outage');
  ({
    chat: { id: chatId },
  } = await createChat(
    h.gateway.ctx,
    { userId: users[0]!.id },
    { type: 'group', participant_ids: [users[1]!.id] },
  ));
});
afterAll(async () => {
  for (const client of clients) client.close();
  await h.close();
  await proxy?.cut().catch(() => {});
});

describe('MySQL going away under connected sockets', () => {
  it('acks sends with unavailable (not internal) while it is gone, and stores them once it is back', async () => {
    const sender = await connectClient(h.url, users[0]!.id);
    clients.push(sender);
    const send = (content: string, tempId: string) =>
      sender.timeout(30_000).emitWithAck('send_message', {
        chat_id: chatId,
        content,
        message_type: 'text',
        temp_id: tempId,
      });

    await proxy!.cut();
    const refused = await send('while down', 'outage-1');
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(sender.connected).toBe(true);

    await proxy!.open(proxy!.port);
    await expect
      .poll(async () => (await send('after', 'outage-2')).ok, { timeout: 30_000, interval: 500 })
      .toBe(true);
    const stored = await h.database.db.message.findMany({ where: { chatId } });
    expect(stored.map((m) => [Number(m.seq), m.content])).toEqual([[1, 'after']]);
  }, 90_000);
});
