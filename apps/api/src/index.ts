export { createApp, type ApiDeps } from './app.js';
export { loadApiConfig, type ApiConfig } from './config.js';
export { demoOptions, type DemoOptions } from './routes/users.js';
export { createNodeApp } from './node-app.js';
