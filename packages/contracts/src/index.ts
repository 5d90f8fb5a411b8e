export * from './errors.js';
export * from './events.js';
export * from './primitives.js';
export * from './resources.js';
export * from './rest.js';
export * from './rooms.js';
export * from './users.js';
export * from './openapi.js';
