import type { RedisClient } from '@kelisim/redis';
import type { BroadcastConfig } from '../config.js';
import { fail, pass, warn, type CheckResult } from '../report.js';

const name = 'Laravel broadcasts';
/** The channel the suggested test broadcast uses, so its prefix can be told apart exactly. */
export const doctorChannel = 'kelisim-doctor';

export interface SeenBroadcast {
  channel: string;
  event: string;
}

export interface Traffic {
  /** Messages shaped like Laravel's Redis broadcaster's `{event, data, socket}`. */
  laravel: SeenBroadcast[];
  /** Everything else published meanwhile (socket.io adapters, …), counted per channel family. */
  other: Map<string, number>;
}

/**
 * Pattern-subscribes to every channel for a while: Laravel only publishes (its channels have
 * no subscribers of their own, so `PUBSUB CHANNELS` cannot show them), and what it publishes
 * shows the prefix it really uses.
 */
export async function listen(redis: RedisClient, seconds: number): Promise<Traffic> {
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  const traffic: Traffic = { laravel: [], other: new Map() };
  subscriber.on('pmessageBuffer', (_pattern: Buffer, channelBytes: Buffer, message: Buffer) => {
    const channel = channelBytes.toString('utf8');
    const event = laravelEvent(message);
    if (event !== undefined) {
      traffic.laravel.push({ channel, event });
    } else {
      const family = channelFamily(channel);
      traffic.other.set(family, (traffic.other.get(family) ?? 0) + 1);
    }
  });
  try {
    await subscriber.psubscribe('*');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  } finally {
    subscriber.disconnect();
  }
  return traffic;
}

function laravelEvent(message: Buffer): string | undefined {
  if (message[0] !== 0x7b) return undefined; // not a JSON object
  try {
    const parsed: unknown = JSON.parse(message.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || !('data' in parsed)) return undefined;
    const event = (parsed as { event?: unknown }).event;
    return typeof event === 'string' ? event : undefined;
  } catch {
    return undefined;
  }
}

/** `socket.io#/#chat:1#` → `socket.io#…`: one line per kind of traffic, not per room. */
function channelFamily(channel: string): string {
  const hash = channel.indexOf('#');
  return hash > 0 ? `${channel.slice(0, hash)}#…` : channel.slice(0, 60);
}

/**
 * The prefix in front of a Laravel channel name, where the name shows where it starts: private
 * and presence channels, and the doctor's own test channel. Undefined for other public channels.
 */
export function prefixOf(channel: string): string | undefined {
  const marker = /(private-|presence-)/.exec(channel);
  if (marker) return channel.slice(0, marker.index);
  if (channel.endsWith(doctorChannel)) return channel.slice(0, -doctorChannel.length);
  return undefined;
}

export function judgeBroadcasts(
  traffic: Traffic,
  expected: BroadcastConfig,
  seconds: number,
): CheckResult {
  const shown = JSON.stringify(expected.prefix);
  const others = [...traffic.other.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([family, count]) => `other traffic: ${family} ×${count}`);
  if (traffic.laravel.length === 0) {
    if (expected.prefix === '') {
      others.unshift(
        'note: unless its .env sets REDIS_PREFIX, Laravel 11/12 publish under "laravel_database_" (13: "laravel-database-")',
      );
    }
    return warn(
      name,
      `none seen in ${seconds} s (expecting prefix ${shown}, ${expected.source})`,
      `trigger one while this runs, e.g. \`php artisan tinker --execute="Broadcast::on('${doctorChannel}')->as('ping')->sendNow();"\` (Laravel needs BROADCAST_CONNECTION=redis on this Redis), with \`pnpm run doctor --listen 30\``,
      others,
    );
  }
  const matches = (b: SeenBroadcast) => {
    const prefix = prefixOf(b.channel);
    return prefix !== undefined
      ? prefix === expected.prefix
      : b.channel.startsWith(expected.prefix);
  };
  const matching = traffic.laravel.filter(matches);
  const foreign = traffic.laravel.filter((b) => !matches(b));
  const channels = (list: SeenBroadcast[]) => [...new Set(list.map((b) => b.channel))];
  const foreignPrefixes = [...new Set(foreign.map((b) => prefixOf(b.channel)))].filter(
    (p): p is string => p !== undefined,
  );
  const details = [
    ...channels(matching)
      .slice(0, 5)
      .map((c) => `seen: ${c}`),
    ...channels(foreign)
      .slice(0, 5)
      .map((c) => `other prefix: ${c}`),
    ...others,
  ];
  if (matching.length > 0) {
    const also =
      foreign.length > 0
        ? `; also ${foreign.length} under other prefixes (other apps on this Redis?)`
        : '';
    return pass(
      name,
      `${matching.length} seen in ${seconds} s under prefix ${shown} (${expected.source})${also}`,
      details,
    );
  }
  const suggestion = foreignPrefixes[0];
  return fail(
    name,
    `${foreign.length} seen in ${seconds} s, none under prefix ${shown} (${expected.source})` +
      (foreignPrefixes.length > 0
        ? `; Laravel publishes under ${foreignPrefixes.map((p) => JSON.stringify(p)).join(', ')}`
        : ''),
    suggestion !== undefined
      ? `set REDIS_PREFIX=${suggestion === '' ? '(empty)' : suggestion} so the gateways receive Laravel's broadcasts`
      : "set REDIS_PREFIX to the part of the channels below in front of Laravel's channel name",
    details,
  );
}
