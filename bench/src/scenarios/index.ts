import type { Scenario } from './scenario.js';
import * as chat from './chat.js';
import * as connections from './connections.js';
import * as dbInsert from './db-insert.js';
import * as fanout from './fanout.js';
import * as plainWs from './plain-ws.js';
import * as reconnect from './reconnect.js';
import * as redisCluster from './redis-cluster.js';
import * as rest from './rest.js';
import * as search from './search.js';

/** Every scenario `pnpm bench` runs, in this order; `pnpm bench <name>...` picks some. */
export const scenarios: Record<string, Scenario> = {
  chat,
  fanout,
  connections,
  'db-insert': dbInsert,
  rest,
  reconnect,
  'plain-ws': plainWs,
  search,
  'redis-cluster': redisCluster,
};
