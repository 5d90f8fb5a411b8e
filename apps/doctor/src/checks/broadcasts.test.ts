import { describe, expect, it } from 'vitest';
import { broadcastEnv } from '../config.js';
import { judgeBroadcasts, prefixOf, type Traffic } from './broadcasts.js';

const traffic = (...channels: string[]): Traffic => ({
  laravel: channels.map((channel) => ({ channel, event: 'App\\Events\\Ping' })),
  other: new Map([['socket.io#…', 3]]),
});
const expected = { prefix: 'laravel_database_', source: 'REDIS_PREFIX' };

describe('the broadcast prefix check', () => {
  it("finds the prefix in front of private, presence and the doctor's own channels", () => {
    expect(prefixOf('laravel_database_private-chat.1')).toBe('laravel_database_');
    expect(prefixOf('laravel-database-presence-room.2')).toBe('laravel-database-');
    expect(prefixOf('private-chat.1')).toBe('');
    expect(prefixOf('shop_database_kelisim-doctor')).toBe('shop_database_');
    expect(prefixOf('laravel_database_orders')).toBeUndefined();
  });

  it('passes when Laravel publishes under REDIS_PREFIX, whatever else is on the Redis', () => {
    const result = judgeBroadcasts(
      traffic('laravel_database_private-chat.1', 'other_app_private-chat.1'),
      expected,
      5,
    );
    expect(result.status).toBe('pass');
    expect(result.found).toContain('1 seen in 5 s under prefix "laravel_database_"');
    expect(result.details).toContain('other prefix: other_app_private-chat.1');
  });

  it('fails and names the prefix to set when Laravel publishes under another one', () => {
    const result = judgeBroadcasts(traffic('laravel-database-private-chat.1'), expected, 5);
    expect(result.status).toBe('fail');
    expect(result.found).toContain('Laravel publishes under "laravel-database-"');
    expect(result.fix).toMatch(/^set REDIS_PREFIX=laravel-database- /);
    const empty = judgeBroadcasts(
      traffic('laravel_database_private-chat.1'),
      { ...expected, prefix: '' },
      5,
    );
    expect(empty.status).toBe('fail');
    const none = judgeBroadcasts(traffic('private-chat.1'), expected, 5);
    expect(none.fix).toMatch(/^set REDIS_PREFIX=\(empty\) /);
  });

  it('warns, with a way to trigger one, when nothing was seen', () => {
    const result = judgeBroadcasts(traffic(), expected, 5);
    expect(result.status).toBe('warn');
    expect(result.found).toMatch(/^none seen in 5 s/);
    expect(result.fix).toContain("Broadcast::on('kelisim-doctor')");
    expect(result.details).toEqual(['other traffic: socket.io#… ×3']);
  });
});

describe('REDIS_PREFIX, read as the gateways read it', () => {
  it.each([
    [{}, ''],
    [{ REDIS_PREFIX: '' }, ''],
    [{ REDIS_PREFIX: 'null' }, ''],
    [{ REDIS_PREFIX: '(empty)' }, ''],
    [{ REDIS_PREFIX: 'laravel_database_' }, 'laravel_database_'],
    [{ REDIS_PREFIX: 'laravel-database-' }, 'laravel-database-'],
  ])('%o → %j', (env, prefix) => {
    expect(broadcastEnv.parse(env).prefix).toBe(prefix);
  });
});
