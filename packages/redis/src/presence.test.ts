import { describe, expect, it } from 'vitest';
import { redisTopologies } from '@kelisim/testing';
import { createPresence } from './presence.js';
import { sleep, sweepWhileRefreshing, useTestNodes } from './test-nodes.js';

function expectCloseToNow(date: Date | undefined, before: number, after: number) {
  expect(date).toBeInstanceOf(Date);
  expect(date!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  expect(date!.getTime()).toBeLessThanOrEqual(after + 1_000);
}

// The scripts' keys share a hash slot, so they run on a Redis Cluster too.
describe.each(redisTopologies)('on %s', (topology) => {
  const { startNode, startNodes } = useTestNodes(createPresence, topology);

  describe('connect and disconnect', () => {
    it('reports only the first connection of a user as coming online', async () => {
      const presence = startNode();
      expect(await presence.connect(1, 'a')).toBe(true);
      expect(await presence.connect(1, 'b')).toBe(false);
      expect(await presence.connect(2, 'c')).toBe(true);
    });

    it('reports offline only when the last connection goes, and lastSeen returns that time', async () => {
      const presence = startNode();
      await presence.connect(1, 'a');
      await presence.connect(1, 'b');
      expect(await presence.lastSeen(1)).toBeNull();

      expect(await presence.disconnect(1, 'a')).toBeNull();
      expect(await presence.onlineUsers([1])).toEqual(new Set([1]));

      const before = Date.now();
      const change = await presence.disconnect(1, 'b');
      const after = Date.now();
      expect(change?.userId).toBe(1);
      expectCloseToNow(change?.lastSeenAt, before, after);
      expect(await presence.lastSeen(1)).toEqual(change?.lastSeenAt);
      expect(await presence.onlineUsers([1])).toEqual(new Set());
    });

    it('returns null from lastSeen for a user never seen, and while the user is online again', async () => {
      const presence = startNode();
      expect(await presence.lastSeen(1)).toBeNull();
      await presence.connect(1, 'a');
      expect(await presence.disconnect(1, 'a')).not.toBeNull();
      expect(await presence.lastSeen(1)).not.toBeNull();
      await presence.connect(1, 'b');
      expect(await presence.lastSeen(1)).toBeNull();
    });

    it('tells which of the given users are online', async () => {
      const presence = startNode();
      await presence.connect(1, 'a');
      await presence.connect(3, 'c');
      await presence.connect(4, 'd');
      await presence.disconnect(4, 'd');
      expect(await presence.onlineUsers([1, 2, 3, 4, 1])).toEqual(new Set([1, 3]));
      expect(await presence.onlineUsers([])).toEqual(new Set());
    });

    it('treats a disconnect of an unknown connection as harmless', async () => {
      const presence = startNode();
      expect(await presence.disconnect(9, 'never-connected')).toBeNull();
      expect(await presence.lastSeen(9)).toBeNull();

      await presence.connect(1, 'a');
      expect(await presence.disconnect(1, 'unknown')).toBeNull();
      expect(await presence.onlineUsers([1])).toEqual(new Set([1]));

      expect(await presence.disconnect(1, 'a')).not.toBeNull();
      expect(await presence.disconnect(1, 'a')).toBeNull();
      expect(await presence.sweep()).toEqual([]);
    });
  });

  describe('several nodes', () => {
    it('keeps a user connected on two nodes online when one node disconnects them', async () => {
      const [nodeA, nodeB] = startNodes(2);
      expect(await nodeA.connect(1, 'on-a')).toBe(true);
      expect(await nodeB.connect(1, 'on-b')).toBe(false);

      expect(await nodeA.disconnect(1, 'on-a')).toBeNull();
      expect(await nodeA.onlineUsers([1])).toEqual(new Set([1]));
      expect(await nodeB.onlineUsers([1])).toEqual(new Set([1]));

      expect(await nodeB.disconnect(1, 'on-b')).toMatchObject({ userId: 1 });
      expect(await nodeA.onlineUsers([1])).toEqual(new Set());
    });

    it('reports a user online exactly once when two nodes connect them at the same time', async () => {
      const [nodeA, nodeB] = startNodes(2);
      for (let userId = 1; userId <= 20; userId++) {
        const firsts = await Promise.all([
          nodeA.connect(userId, `a${userId}`),
          nodeB.connect(userId, `b${userId}`),
        ]);
        expect(firsts.filter(Boolean)).toHaveLength(1);
      }
    });

    it('reports a user offline exactly once when two nodes disconnect their last connections at the same time', async () => {
      const [nodeA, nodeB] = startNodes(2);
      for (let userId = 1; userId <= 20; userId++) {
        await nodeA.connect(userId, `a${userId}`);
        await nodeB.connect(userId, `b${userId}`);
        const changes = await Promise.all([
          nodeA.disconnect(userId, `a${userId}`),
          nodeB.disconnect(userId, `b${userId}`),
        ]);
        expect(changes.filter((change) => change !== null)).toHaveLength(1);
      }
    });
  });

  describe('dead nodes', () => {
    it('lets a connection that is never refreshed expire, and sweep reports it exactly once across concurrent sweeps', async () => {
      const ttlMs = 300;
      const [dead, ...sweepers] = startNodes(4, ttlMs);
      const before = Date.now();
      for (let userId = 1; userId <= 10; userId++) await dead.connect(userId, `dead${userId}`);
      const after = Date.now();
      expect(await sweepers[0].sweep()).toEqual([]);

      await sleep(ttlMs * 3);
      expect(await sweepers[0].onlineUsers([1, 2, 3])).toEqual(new Set());

      const results = await Promise.all(sweepers.map((sweeper) => sweeper.sweep()));
      const swept = results.flat();
      expect(swept.map((change) => change.userId).sort((a, b) => a - b)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
      for (const change of swept) {
        // Last seen when the connection was last refreshed, not when the sweep noticed.
        expectCloseToNow(change.lastSeenAt, before, after);
        expect(await sweepers[1]!.lastSeen(change.userId)).toEqual(change.lastSeenAt);
      }
      expect(await sweepers[2]!.sweep()).toEqual([]);
    });

    it('never sweeps a connection that keeps being refreshed', async () => {
      const ttlMs = 1_000;
      const [live, sweeper] = startNodes(2, ttlMs);
      await live.connect(1, 'alive');
      await sweeper.connect(2, 'dies');

      const swept = await sweepWhileRefreshing(
        ttlMs,
        () => live.heartbeat([{ userId: 1, connectionId: 'alive' }]),
        () => sweeper.sweep(),
      );

      expect(swept.map((change) => change.userId)).toEqual([2]);
      expect(await sweeper.onlineUsers([1, 2])).toEqual(new Set([1]));
      expect(await sweeper.lastSeen(1)).toBeNull();
    });

    it('counts a connection after a dead one expired as the first again', async () => {
      const ttlMs = 300;
      const [dead, live] = startNodes(2, ttlMs);
      expect(await dead.connect(1, 'dead')).toBe(true);
      await sleep(ttlMs * 3);

      expect(await live.connect(1, 'new')).toBe(true);
      expect(await live.sweep()).toEqual([]);
      expect(await live.onlineUsers([1])).toEqual(new Set([1]));
      expect(await live.disconnect(1, 'new')).toMatchObject({ userId: 1 });
    });

    it('records a live connection again when its node heartbeats after it expired (an outage), and says its user is back', async () => {
      const ttlMs = 300;
      const [node, sweeper] = startNodes(2, ttlMs);
      await node.connect(1, 'kept');
      await node.connect(2, 'also-kept');
      await node.connect(2, 'second-tab');
      await sleep(ttlMs * 3); // the node could not reach Redis meanwhile
      expect((await sweeper.sweep()).map((change) => change.userId).sort()).toEqual([1, 2]);

      const backOnline = await node.heartbeat([
        { userId: 1, connectionId: 'kept' },
        { userId: 2, connectionId: 'also-kept' },
        { userId: 2, connectionId: 'second-tab' },
      ]);
      expect(backOnline.sort()).toEqual([1, 2]);
      expect(await sweeper.onlineUsers([1, 2])).toEqual(new Set([1, 2]));
      expect(await sweeper.lastSeen(1)).toBeNull();
      expect(await node.heartbeat([{ userId: 1, connectionId: 'kept' }])).toEqual([]);
      expect(await node.disconnect(2, 'also-kept')).toBeNull();
      expect(await node.disconnect(2, 'second-tab')).toMatchObject({ userId: 2 });
    });

    it('reports offline on disconnect of an unknown connection when the user only had expired ones, and sweep then skips them', async () => {
      const ttlMs = 300;
      const [dead, live] = startNodes(2, ttlMs);
      await dead.connect(1, 'dead');
      await sleep(ttlMs * 3);

      expect(await live.disconnect(1, 'unknown')).toMatchObject({ userId: 1 });
      expect(await live.sweep()).toEqual([]);
      expect(await live.lastSeen(1)).not.toBeNull();
    });
  });

  describe('heartbeat', () => {
    it('refreshes 1 000 connections in one call', async () => {
      const ttlMs = 2_000;
      const presence = startNode(ttlMs);
      const all = Array.from({ length: 1_000 }, (_, i) => ({
        userId: i + 1,
        connectionId: `c${i}`,
      }));
      await Promise.all(
        all.map(({ userId, connectionId }) => presence.connect(userId, connectionId)),
      );
      await presence.connect(1_001, 'not-refreshed');

      await sleep(ttlMs * 0.6);
      expect(await presence.heartbeat(all)).toEqual([]);
      await sleep(ttlMs * 0.6);

      const userIds = [...all.map(({ userId }) => userId), 1_001];
      const online = await presence.onlineUsers(userIds);
      expect(online.size).toBe(1_000);
      expect(online.has(1_001)).toBe(false);
      const swept = await presence.sweep();
      expect(swept.map((change) => change.userId)).toEqual([1_001]);
    });

    it('accepts an empty list', async () => {
      await expect(startNode().heartbeat([])).resolves.toEqual([]);
    });
  });

  it('rejects a TTL that is not a positive integer of milliseconds', () => {
    expect(() => startNode(0)).toThrow(RangeError);
  });
});
