import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rooms } from '@kelisim/contracts';
import {
  connectClient,
  createSanctumToken,
  createUser,
  deleteKeysUnder,
  invalidateInLaravel,
  laravelAuthConfig,
  refusedSanctumTokens,
  testRedisConfig,
  tokenFor,
  type TestUser,
} from '@kelisim/testing';
import { startTestGateway, type GatewayHarness } from './test-gateway.js';

const { keyPrefix } = testRedisConfig();
const jwt = laravelAuthConfig(keyPrefix);
let h: GatewayHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startTestGateway('handshake_laravel', { jwt });
  user = await createUser(h.database.db, 'Handshake');
});
afterAll(async () => {
  await deleteKeysUnder(h.redis, keyPrefix);
  await h.close();
});

/** Connects with `auth.token`: resolves once connected, rejects with the connect_error. */
async function handshake(url: string, token: string) {
  const socket = await connectClient(url, 0, { token });
  const connected = socket.connected;
  socket.close();
  return connected;
}

describe('handshake with the jwt-auth blacklist', () => {
  it('refuses a token Laravel blacklisted and accepts another token of the same user', async () => {
    const [loggedOut, current] = [tokenFor(user.id), tokenFor(user.id)];
    await invalidateInLaravel(h.redis, jwt.blacklist!, loggedOut);

    await expect(handshake(h.url, loggedOut)).rejects.toMatchObject({
      message: 'Token has been blacklisted.',
      data: { code: 'unauthenticated' },
    });
    await expect(handshake(h.url, current)).resolves.toBe(true);
  });

  it('refuses with code unavailable when the blacklist cannot be read', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false });
    const down = await startTestGateway('handshake_down', { jwt, laravelCache: unreachable });
    try {
      const downUser = await createUser(down.database.db, 'Down');

      await expect(handshake(down.url, tokenFor(downUser.id))).rejects.toMatchObject({
        data: { code: 'unavailable' },
      });
    } finally {
      unreachable.disconnect();
      await down.close();
    }
  });
});

describe('handshake with a Sanctum personal access token', () => {
  it('accepts a token from createToken() and puts the socket in its user room', async () => {
    const { bearer } = await createSanctumToken(h.database.db, user.id);

    const socket = await connectClient(h.url, 0, { token: bearer });
    try {
      const [remote] = await h.gateway.io.in(rooms.user(user.id)).fetchSockets();
      expect(remote?.data.userId).toBe(user.id);
    } finally {
      socket.close();
    }
  });

  it.each(refusedSanctumTokens)('refuses %s with code unauthenticated', async (_reason, mint) => {
    await expect(handshake(h.url, await mint(h.database.db, user.id))).rejects.toMatchObject({
      data: { code: 'unauthenticated' },
    });
  });
});
