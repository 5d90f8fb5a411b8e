export { loadServerConfig, type ServerConfig } from './config.js';
export { startAllInOne } from './server.js';
