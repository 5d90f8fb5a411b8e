import type { RedisClient } from '@kelisim/redis';
import express from 'express';
import { createServer } from 'node:http';
import Echo from 'laravel-echo';
import { io } from 'socket.io-client';
import { listenOnLoopback, sleep } from '@kelisim/testing';

export type EchoClient = Echo<'socket.io'>;
export type EchoChannel = ReturnType<EchoClient['channel']>;

/**
 * laravel-echo 2.x over socket.io-client 4, set up as a Laravel front-end does; connected (or
 * refused) before this resolves.
 */
export async function connectEcho(url: string, token?: string): Promise<EchoClient> {
  const echo = new Echo<'socket.io'>({
    broadcaster: 'socket.io',
    host: url,
    client: io,
    // A fresh object per client: Echo's default `auth` is one object shared by every instance.
    auth: { headers: token ? { Authorization: `Bearer ${token}` } : {} },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  const socket = echo.connector.socket;
  await new Promise<void>((resolve, reject) => {
    const connected = () => {
      socket.off('connect_error', refused);
      resolve();
    };
    const refused = (error: Error) => {
      socket.off('connect', connected);
      echo.disconnect();
      reject(error);
    };
    socket.on('connect', connected);
    socket.on('connect_error', refused);
  });
  return echo;
}

/**
 * Exactly what Laravel's RedisBroadcaster publishes: `data` keeps the `socket` key it was pulled
 * from (`Arr::pull` runs after `data` was copied).
 */
export function laravelBroadcast(
  event: string,
  data: Record<string, unknown>,
  socket: string | null = null,
): string {
  return JSON.stringify({ event, data: { ...data, socket }, socket });
}

/** Every payload an Echo `.listen()` handler receives, in order. */
export function recordEcho(channel: EchoChannel, event: string): unknown[] {
  const received: unknown[] = [];
  channel.listen(event, (data: unknown) => received.push(data));
  return received;
}

export function nextEcho(
  channel: EchoChannel,
  event: string,
  timeoutMs = 10_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${event} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const listener = (data: unknown) => {
      clearTimeout(timer);
      channel.stopListening(event, listener);
      resolve(data);
    };
    channel.listen(event, listener);
  });
}

/** Echo's `subscription_error` handler: `(status)` for this channel. */
export function subscriptionError(channel: EchoChannel, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no subscription_error')), timeoutMs);
    channel.on('subscription_error', (status: unknown) => {
      clearTimeout(timer);
      resolve(status);
    });
  });
}

/**
 * Echo gives no signal when a public or private subscription is in place: publish probe
 * broadcasts on the channel until one arrives through the node.
 */
export async function untilSubscribed(
  redis: RedisClient,
  prefix: string,
  channel: EchoChannel,
  name: string,
  timeoutMs = 10_000,
): Promise<void> {
  let arrived = false;
  const listener = () => {
    arrived = true;
  };
  channel.listen('.echo-probe', listener);
  const deadline = Date.now() + timeoutMs;
  while (!arrived) {
    if (Date.now() > deadline) throw new Error(`${name}: no subscription within ${timeoutMs} ms`);
    await redis.publish(`${prefix}${name}`, laravelBroadcast('echo-probe', {}));
    await sleep(40);
  }
  channel.stopListening('.echo-probe', listener);
}

export interface AuthRequest {
  channel: string;
  socketId: string;
  authorization: string | undefined;
}

export interface FakeLaravel {
  /** Its `/broadcasting/auth`. */
  authUrl: string;
  requests: AuthRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in for a Laravel app's `Broadcast::routes()`: form-encoded `channel_name`/`socket_id`
 * in, Laravel's answer out (`decide` plays the app's `routes/channels.php`).
 */
export async function startFakeLaravel(
  decide: (request: AuthRequest) => { status: number; body: string },
): Promise<FakeLaravel> {
  const requests: AuthRequest[] = [];
  const app = express();
  app.post('/broadcasting/auth', express.urlencoded({ extended: false }), (req, res) => {
    const body = req.body as Record<string, string>;
    const request = {
      channel: body.channel_name ?? '',
      socketId: body.socket_id ?? '',
      authorization: req.headers.authorization,
    };
    requests.push(request);
    const answer = decide(request);
    // Laravel returns the broadcaster's JSON string as an HTML response.
    res.status(answer.status).type('text/html').send(answer.body);
  });
  const { baseUrl, close } = await listenOnLoopback(createServer(app));
  return { authUrl: `${baseUrl}/broadcasting/auth`, requests, close };
}

/** Waits until `condition` holds (polling), or fails after `timeoutMs`. */
export async function eventually(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(25);
  }
}
