import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import {
  clusterEnv,
  createTestDatabase,
  startServerNode,
  testRedisConfig,
  type GatewayProcess,
  type TestDatabase,
} from '@kelisim/testing';
import { artifactsDir, docsScreenshotsDir, webDist } from './paths.js';

export const chromiumPath = '/usr/bin/chromium';

/** The Debian Chromium, headless; Playwright never downloads a browser here. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is missing at ${chromiumPath}: install it with \`apt-get install -y chromium\` ` +
        '(CI does so in .ci/run). The browser tests never download a browser.',
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Two all-in-one nodes (REST, socket.io, worker, the built web client) on one database and Redis. */
export interface WebCluster {
  database: TestDatabase;
  nodes: GatewayProcess[];
  /** Kills node `index` without any cleanup (SIGKILL). */
  kill(index: number): Promise<void>;
  /** Starts node `index` again on the port it had. */
  restart(index: number): Promise<GatewayProcess>;
  close(): Promise<void>;
}

export async function startWebCluster(
  label: string,
  extra: Record<string, string> = {},
): Promise<WebCluster> {
  const database = await createTestDatabase(label);
  const redis = testRedisConfig();
  const storageDir = await mkdtemp(path.join(tmpdir(), 'kelisim-browser-'));
  const env = clusterEnv({
    database: database.config,
    redis,
    extra: {
      CHAT_WEB_ROOT: webDist,
      CHAT_DEMO_MODE: 'true',
      STORAGE_PATH: storageDir,
      ...extra,
    },
  });
  const nodes: GatewayProcess[] = [];
  const cleanUp = async () => {
    for (const node of nodes) node.kill('SIGTERM');
    await Promise.all(nodes.map((node) => node.exited));
    const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
    try {
      await client.connect();
      const keys = await client.keys(`${redis.keyPrefix}*`);
      if (keys.length > 0) await client.del(...keys);
    } finally {
      client.disconnect();
    }
    await database.drop();
    await rm(storageDir, { recursive: true, force: true });
  };
  try {
    // One after the other: each node compiles its TypeScript on start.
    nodes.push(await startServerNode(env));
    nodes.push(await startServerNode(env));
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    database,
    nodes,
    async kill(index) {
      const node = nodes[index]!;
      node.kill('SIGKILL');
      await node.exited;
    },
    async restart(index) {
      const node = await startServerNode({ ...env, PORT: String(nodes[index]!.port) });
      nodes[index] = node;
      return node;
    },
    close: cleanUp,
  };
}

/** A REST call as a user, straight to a node; `{data}` unwrapped. */
export async function api<T>(
  node: GatewayProcess,
  token: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  route: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${node.url}${route}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} → ${response.status}: ${text}`);
  return (JSON.parse(text) as { data: T }).data;
}

export interface OpenedApp {
  context: BrowserContext;
  page: Page;
}

/** A fresh browser context (its own sessionStorage) on a node, signed in with `token` if given. */
export async function openApp(
  browser: Browser,
  node: GatewayProcess,
  options: { token?: string; viewport?: { width: number; height: number } } = {},
): Promise<OpenedApp> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1100, height: 720 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  if (options.token) {
    await context.addInitScript((token: string) => {
      sessionStorage.setItem('kelisim.token', token);
    }, options.token);
  }
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  page.on('console', (message) => {
    // The browser's own network lines (a killed node, a refused upload) are expected here.
    const network = /^(Failed to load resource|WebSocket connection to)/.test(message.text());
    if ((message.type() === 'error' && !network) || process.env.BROWSER_CONSOLE === 'all') {
      console.error(`[console ${message.type()}] ${message.text()}`);
    }
  });
  await page.goto(node.url);
  return { context, page };
}

/** Selector of a `data-testid`, optionally with more attribute filters. */
export function testId(id: string, attributes: Record<string, string | number> = {}): string {
  const extra = Object.entries(attributes)
    .map(([name, value]) => `[${name}="${value}"]`)
    .join('');
  return `[data-testid="${id}"]${extra}`;
}

/** Waits (Playwright's own auto-waiting) for the socket to be live. */
export async function waitConnected(page: Page): Promise<void> {
  await page.locator(testId('connection', { 'data-state': 'connected' })).waitFor();
}

/** The `seq`s of the confirmed messages on screen, in order. */
export async function seqsOnScreen(page: Page): Promise<number[]> {
  const values = await page
    .locator(`${testId('message-list')} ${testId('message')}[data-seq]`)
    .evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-seq'))));
  return values;
}

/** Polls `read` until it equals `expected` (generous timeout for the shared, slow machine). */
export async function eventually<T>(read: () => Promise<T>, expected: T, timeout = 30_000) {
  await expect.poll(read, { timeout, interval: 200 }).toEqual(expected);
}

/** Saves a PNG to tests/browser/artifacts, and to docs/screenshots with SAVE_SCREENSHOTS=docs. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  if (process.env.SAVE_SCREENSHOTS === 'docs') {
    await mkdir(docsScreenshotsDir, { recursive: true });
    await copyFile(file, path.join(docsScreenshotsDir, `${name}.png`));
  }
}
