import { z } from 'zod';

/**
 * laravel-echo's socket.io connector (2.x) and laravel-echo-server's answers, as read in
 * laravel-echo's source: the client emits `subscribe`/`unsubscribe` with `{channel, auth}` and
 * whispers as `client event`; every server event has the channel as its first argument.
 */
export const echoClientEvents = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  clientEvent: 'client event',
} as const;

export const echoServerEvents = {
  /** `(channel, status)`: an HTTP-like status (401, 403, 503, …) of the refusal. */
  subscriptionError: 'subscription_error',
  /** `(channel, members)`: everyone present, the subscriber included (Echo's `here`). */
  presenceSubscribed: 'presence:subscribed',
  /** `(channel, member)` to the others, on a user's first connection to the channel. */
  presenceJoining: 'presence:joining',
  /** `(channel, member)`, after a user's last connection left the channel. */
  presenceLeaving: 'presence:leaving',
} as const;

/** Whispers are `client-*` events; Echo's `listenForWhisper('x')` listens for `client-x`. */
export const whisperPrefix = 'client-';

const channelName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s\p{Cc}]+$/u, 'Channel names have no spaces or control characters.');

export const subscribeEvent = z.object({
  channel: channelName,
  auth: z.object({ headers: z.record(z.string(), z.unknown()).optional() }).nullish(),
});

export const unsubscribeEvent = z.object({ channel: channelName });

export const clientEvent = z.object({
  channel: channelName,
  event: z
    .string()
    .max(200)
    .refine((event) => event.startsWith(whisperPrefix) && event.length > whisperPrefix.length, {
      message: `Client events are named ${whisperPrefix}*.`,
    }),
  data: z.unknown(),
});

/** What Laravel's RedisBroadcaster publishes on `<REDIS_PREFIX><channel>`. */
export const laravelBroadcast = z.object({
  event: z.string().min(1).max(255),
  data: z.unknown().refine((data) => data !== undefined, { message: 'data is required' }),
  /** The `X-Socket-ID` of the request (`toOthers()`): that socket is left out. */
  socket: z.string().max(128).nullish(),
});

/** A presence channel's member, as Echo's `here`, `joining` and `leaving` hand it over. */
export interface EchoMember {
  /** Laravel's `channel_data.user_id`; members are keyed by its string form. */
  user_id: string | number;
  user_info: unknown;
}

/** Echo's client → server events, beside the chat's own. */
export interface EchoClientToServerEvents {
  subscribe: (payload: z.input<typeof subscribeEvent>) => void;
  unsubscribe: (payload: z.input<typeof unsubscribeEvent>) => void;
  'client event': (payload: z.input<typeof clientEvent>) => void;
}

/**
 * laravel-echo-server's answers, beside the chat's own events. Laravel's broadcasts arrive under
 * their own (dynamic) names, `(channel, data)`, and are not listed here.
 */
export interface EchoServerToClientEvents {
  subscription_error: (channel: string, status: number) => void;
  'presence:subscribed': (channel: string, members: EchoMember[]) => void;
  'presence:joining': (channel: string, member: EchoMember) => void;
  'presence:leaving': (channel: string, member: EchoMember) => void;
  /** Whispers, under the name their sender chose (`client-typing`, …). */
  [whisper: `client-${string}`]: (channel: string, data: unknown) => void;
}
