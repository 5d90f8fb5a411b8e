export { createDb, type Db } from './client.js';
export * from './generated/prisma/client.js';
