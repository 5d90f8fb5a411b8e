export * from './env.js';
export * from './sections.js';
export * from './dotenv.js';
export * from './redis-connection.js';
