import type { ChannelMember } from '@kelisim/redis';

export type LaravelAuthAnswer =
  { ok: true; member?: ChannelMember } | { ok: false; status: number; reason: string };

export interface LaravelAuthRequest {
  channel: string;
  socketId: string;
  /** Echo's `auth.headers` as the client sent them (Authorization, X-CSRF-TOKEN, …). */
  headers: Record<string, unknown> | undefined;
  /**
   * The handshake's cookies, for Laravel's session guard (laravel-echo-server forwarded them);
   * undefined unless the connection's Origin is trusted with them.
   */
  cookie: string | undefined;
  /** The address of the connection's peer: sent as X-Forwarded-For. */
  peerAddress: string;
}

/** The only client headers forwarded to Laravel; never X-Forwarded-* or Forwarded. */
const forwardableHeaders = new Set(['authorization', 'x-csrf-token', 'x-requested-with']);
const MAX_HEADER_VALUE = 8_192;
/** Laravel's answer is a few hundred bytes; more is not an answer. */
const MAX_ANSWER_BYTES = 65_536;

function forwardedHeaders(headers: Record<string, unknown> | undefined): Headers {
  const forwarded = new Headers();
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!forwardableHeaders.has(name.toLowerCase())) continue;
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE) continue;
    try {
      forwarded.set(name, value);
    } catch {
      // A value fetch refuses (control characters): not forwarded.
    }
  }
  return forwarded;
}

/**
 * Laravel's `Broadcast::routes()` answers with a JSON string: `true` for a private channel,
 * `{"channel_data": {"user_id", "user_info"}}` for a presence channel (RedisBroadcaster encodes
 * it itself, so it may arrive JSON-encoded twice; Pusher-style `channel_data` is a string too).
 */
function parseAnswer(body: string, presence: boolean): LaravelAuthAnswer {
  let answer: unknown = JSON.parse(body);
  if (typeof answer === 'string') answer = JSON.parse(answer);
  if (answer === true && !presence) return { ok: true };
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    return { ok: false, status: 403, reason: 'Laravel refused the channel' };
  }
  let channelData = (answer as { channel_data?: unknown }).channel_data;
  if (typeof channelData === 'string') channelData = JSON.parse(channelData);
  if (!presence) return { ok: true };
  const data = channelData as { user_id?: unknown; user_info?: unknown } | null | undefined;
  const userId = data?.user_id;
  if (typeof userId !== 'string' && typeof userId !== 'number') {
    return { ok: false, status: 403, reason: 'Laravel sent no channel_data.user_id' };
  }
  return { ok: true, member: { user_id: userId, user_info: data?.user_info ?? null } };
}

/**
 * Asks Laravel's `/broadcasting/auth` whether a socket may subscribe, as laravel-echo-server did:
 * a form POST of `channel_name` and `socket_id` with the client's auth headers. Any 2xx with a
 * truthy answer allows; any other status refuses with that status; no answer in time refuses
 * with 503.
 */
export async function askLaravel(
  url: string,
  timeoutMs: number,
  request: LaravelAuthRequest,
  presence: boolean,
): Promise<LaravelAuthAnswer> {
  const headers = forwardedHeaders(request.headers);
  headers.set('Accept', 'application/json');
  headers.set('Content-Type', 'application/x-www-form-urlencoded');
  headers.set('X-Requested-With', 'XMLHttpRequest');
  if (request.cookie) headers.set('Cookie', request.cookie);
  headers.set('X-Forwarded-For', request.peerAddress);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ channel_name: request.channel, socket_id: request.socketId }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { ok: false, status: 503, reason: `Laravel unreachable: ${String(error)}` };
  }
  if (response.status < 200 || response.status > 299) {
    await response.body?.cancel();
    return { ok: false, status: response.status, reason: 'Laravel refused the channel' };
  }
  try {
    const body = await response.text();
    if (Buffer.byteLength(body) > MAX_ANSWER_BYTES) throw new Error('answer too large');
    return parseAnswer(body, presence);
  } catch (error) {
    return { ok: false, status: 502, reason: `Laravel's answer is unusable: ${String(error)}` };
  }
}
