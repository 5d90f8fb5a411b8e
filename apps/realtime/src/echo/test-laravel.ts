import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from '@kelisim/testing';

/** What Laravel's `/broadcasting/auth` was sent: the headers and the form body. */
export interface LaravelAuthRequest {
  headers: IncomingHttpHeaders;
  body: URLSearchParams;
}

export interface LaravelAuthReply {
  status: number;
  body: string;
  delayMs?: number;
  /** Beside Laravel's `Content-Type: text/html`, which they may replace. */
  headers?: Record<string, string>;
}

export interface TestLaravel {
  /** Its `/broadcasting/auth`. */
  authUrl: string;
  /** Every request received, oldest first. */
  requests: LaravelAuthRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server playing Laravel's `Broadcast::routes()`: records each request and answers
 * with what `reply` returns for it.
 */
export async function startTestLaravel(
  reply: (request: LaravelAuthRequest) => LaravelAuthReply,
): Promise<TestLaravel> {
  const requests: LaravelAuthRequest[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const request = { headers: req.headers, body: new URLSearchParams(raw) };
      requests.push(request);
      const answer = reply(request);
      setTimeout(() => {
        res.writeHead(answer.status, { 'Content-Type': 'text/html', ...answer.headers });
        res.end(answer.body);
      }, answer.delayMs ?? 0);
    });
  });
  const { baseUrl, close } = await listenOnLoopback(server);
  return { authUrl: `${baseUrl}/broadcasting/auth`, requests, close };
}
