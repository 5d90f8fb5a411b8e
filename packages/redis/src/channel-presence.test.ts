import { describe, expect, it } from 'vitest';
import { redisTopologies } from '@kelisim/testing';
import {
  createChannelPresence,
  type ChannelConnection,
  type ChannelLeave,
} from './channel-presence.js';
import { sleep, sweepWhileRefreshing, useTestNodes } from './test-nodes.js';

const member = (id: number | string, name = `User ${id}`) => ({
  user_id: id,
  user_info: { id, name },
});

function conn(channel: string, id: number | string, connectionId: string): ChannelConnection {
  return { channel, member: member(id), connectionId };
}

const byId = (leaves: ChannelLeave[]) =>
  leaves.map((leave) => `${leave.channel}/${leave.member.user_id}`).sort();

// The scripts' keys share a hash slot, so they run on a Redis Cluster too.
describe.each(redisTopologies)('on %s', (topology) => {
  const { startNode, startNodes } = useTestNodes(createChannelPresence, topology);

  describe('join and leave', () => {
    it('reports only the first connection of a member as joining and the last one as leaving', async () => {
      const presence = startNode();
      expect(await presence.join(conn('presence-room', 1, 'tab1'))).toBe(true);
      expect(await presence.join(conn('presence-room', 1, 'tab2'))).toBe(false);
      expect(await presence.join(conn('presence-room', 2, 'other'))).toBe(true);

      expect(await presence.leave('presence-room', 1, 'tab1')).toBeNull();
      expect(await presence.members('presence-room')).toHaveLength(2);
      expect(await presence.leave('presence-room', 1, 'tab2')).toEqual(member(1));
      expect(await presence.members('presence-room')).toEqual([member(2)]);
    });

    it('keeps channels apart, even when their names could be confused with key separators', async () => {
      const presence = startNode();
      expect(await presence.join(conn('presence-a:b', 'c', 'x'))).toBe(true);
      expect(await presence.join(conn('presence-a', 'b:c', 'x'))).toBe(true);
      expect(await presence.members('presence-a:b')).toEqual([member('c')]);
      expect(await presence.members('presence-a')).toEqual([member('b:c')]);
      expect(await presence.leave('presence-a', 'b:c', 'x')).toEqual(member('b:c'));
      expect(await presence.members('presence-a:b')).toEqual([member('c')]);
    });

    it('lists a member once whatever their number of connections, with their latest info', async () => {
      const presence = startNode();
      await presence.join(conn('presence-room', 7, 'a'));
      await presence.join({
        channel: 'presence-room',
        member: { user_id: 7, user_info: { id: 7, name: 'Renamed' } },
        connectionId: 'b',
      });
      expect(await presence.members('presence-room')).toEqual([
        { user_id: 7, user_info: { id: 7, name: 'Renamed' } },
      ]);
    });

    it('treats repeated joins of one connection as one, and a leave of an unknown connection as harmless', async () => {
      const presence = startNode();
      expect(await presence.leave('presence-room', 1, 'never')).toBeNull();
      expect(await presence.join(conn('presence-room', 1, 'a'))).toBe(true);
      expect(await presence.join(conn('presence-room', 1, 'a'))).toBe(false);
      expect(await presence.leave('presence-room', 1, 'unknown')).toBeNull();
      expect(await presence.leave('presence-room', 1, 'a')).toEqual(member(1));
      expect(await presence.leave('presence-room', 1, 'a')).toBeNull();
      expect(await presence.members('presence-room')).toEqual([]);
      expect(await presence.sweep()).toEqual([]);
    });

    it('reports joining and leaving exactly once when two nodes race', async () => {
      const [nodeA, nodeB] = startNodes(2);
      for (let id = 1; id <= 20; id++) {
        const joins = await Promise.all([
          nodeA.join(conn('presence-race', id, `a${id}`)),
          nodeB.join(conn('presence-race', id, `b${id}`)),
        ]);
        expect(joins.filter(Boolean)).toHaveLength(1);
        const leaves = await Promise.all([
          nodeA.leave('presence-race', id, `a${id}`),
          nodeB.leave('presence-race', id, `b${id}`),
        ]);
        expect(leaves.filter((left) => left !== null)).toHaveLength(1);
      }
    });
  });

  describe('dead nodes', () => {
    it('lets memberships that are never refreshed expire; concurrent sweeps report each once', async () => {
      const ttlMs = 300;
      const [dead, ...sweepers] = startNodes(4, ttlMs);
      for (let id = 1; id <= 5; id++) {
        await dead.join(conn('presence-one', id, `dead${id}`));
        await dead.join(conn('presence-two', id, `dead${id}`));
      }
      expect(await sweepers[0].sweep()).toEqual([]);

      await sleep(ttlMs * 2);
      const results = await Promise.all(sweepers.map((sweeper) => sweeper.sweep()));
      const swept = results.flat();
      expect(byId(swept)).toEqual(
        [1, 2, 3, 4, 5].flatMap((id) => [`presence-one/${id}`, `presence-two/${id}`]).sort(),
      );
      expect(swept[0]!.member.user_info).toEqual({
        id: swept[0]!.member.user_id,
        name: expect.any(String),
      });
      expect(await sweepers[0].members('presence-one')).toEqual([]);
      expect(await sweepers[1]!.sweep()).toEqual([]);
    });

    it('never sweeps a member whose connection keeps being refreshed, nor one with another live connection', async () => {
      const ttlMs = 600;
      const [live, dead] = startNodes(2, ttlMs);
      await live.join(conn('presence-room', 1, 'alive'));
      await dead.join(conn('presence-room', 2, 'dies'));
      await dead.join(conn('presence-room', 3, 'dies-too'));
      await live.join(conn('presence-room', 3, 'survives'));

      const swept = await sweepWhileRefreshing(
        ttlMs,
        () =>
          live.heartbeat([conn('presence-room', 1, 'alive'), conn('presence-room', 3, 'survives')]),
        () => live.sweep(),
      );
      expect(byId(swept)).toEqual(['presence-room/2']);
      const ids = (await live.members('presence-room')).map((m) => m.user_id).sort();
      expect(ids).toEqual([1, 3]);
    });

    it('records a swept connection again on its next heartbeat, and reports its member as joining again', async () => {
      const ttlMs = 300;
      const [stalled, sweeper] = startNodes(2, ttlMs);
      await stalled.join(conn('presence-room', 1, 'stalled'));
      await stalled.join(conn('presence-room', 2, 'fresh'));
      await sleep(ttlMs * 2);
      expect(byId(await sweeper.sweep())).toEqual(['presence-room/1', 'presence-room/2']);

      await stalled.join(conn('presence-room', 2, 'fresh'));
      const rejoined = await stalled.heartbeat([
        conn('presence-room', 1, 'stalled'),
        conn('presence-room', 2, 'fresh'),
      ]);
      expect(rejoined.map((c) => c.member.user_id)).toEqual([1]);
      expect((await sweeper.members('presence-room')).map((m) => m.user_id).sort()).toEqual([1, 2]);
    });

    it('keeps a member whose connections expired listed until swept, so joining and leaving alternate', async () => {
      const ttlMs = 300;
      const [dead, live] = startNodes(2, ttlMs);
      expect(await dead.join(conn('presence-room', 1, 'dead'))).toBe(true);
      await sleep(ttlMs * 2);
      // Not swept yet: the others never heard `leaving`, so this is no new `joining` either.
      expect(await live.join(conn('presence-room', 1, 'new'))).toBe(false);
      expect(await live.sweep()).toEqual([]);
      expect(await live.leave('presence-room', 1, 'new')).toEqual(member(1));
    });
  });
});
