import type { ErrorCode } from '@kelisim/contracts';
import { ChatError, networkError, plainMessage } from './errors.js';

/** `fetch` against the page's own origin with the Bearer token; `{data}` unwrapped, errors plain. */
export class Http {
  constructor(private token: string) {}

  /** The connection re-authenticated with a fresh token: requests use it from now on. */
  useToken(token: string): void {
    this.token = token;
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<{ data: T }>('GET', path)).data;
  }

  async page<T, M>(path: string): Promise<{ data: T; meta: M }> {
    return this.request<{ data: T; meta: M }>('GET', path);
  }

  async send<T>(
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const answer = await this.request<{ data: T } | undefined>(method, path, body);
    return answer?.data as T;
  }

  /** A file (download, thumbnail) as a blob: with the token, or through a signed link without. */
  async blob(path: string, withToken = true): Promise<Blob> {
    const response = await this.fetch('GET', path, undefined, withToken);
    return response.blob();
  }

  /** Multipart upload through XMLHttpRequest, which reports upload progress (fetch does not). */
  upload<T>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      xhr.setRequestHeader('Authorization', `Bearer ${this.token}`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      xhr.addEventListener('error', () => reject(networkError()));
      xhr.addEventListener('load', () => {
        const body = parseJson(xhr.responseText);
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve((body as { data: T }).data);
        } else {
          reject(toChatError(xhr.status, body, xhr.getResponseHeader('Retry-After')));
        }
      });
      xhr.send(form);
    });
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(method, path, body);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private async fetch(
    method: string,
    path: string,
    body?: unknown,
    withToken = true,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          Accept: 'application/json',
          ...(withToken ? { Authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw networkError();
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw toChatError(response.status, parseJson(text), response.headers.get('Retry-After'));
    }
    return response;
  }
}

/** Unauthenticated JSON requests (the demo sign-in). */
export async function publicRequest<T>(method: 'GET' | 'POST', path: string, body?: unknown) {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw networkError();
  }
  const parsed = parseJson(await response.text().catch(() => ''));
  if (!response.ok) throw toChatError(response.status, parsed, response.headers.get('Retry-After'));
  return (parsed as { data: T }).data;
}

function toChatError(status: number, body: unknown, retryAfter: string | null): ChatError {
  const { code, message } = (body ?? {}) as { code?: ErrorCode; message?: string };
  const retryAfterSeconds = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  const plain = plainMessage({ code, message, status, retryAfterSeconds });
  return new ChatError(code ?? 'internal', plain, status);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
