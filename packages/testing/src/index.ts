export * from './database.js';
export * from './fixtures.js';
export * from './laravel-auth.js';
export * from './ports.js';
export * from './redis.js';
export * from './cluster.js';
export * from './s3.js';
export * from './tcp-proxy.js';
