export { loadServerConfig, type ServerConfig } from './config.js';
export { startAllInOne, type AllInOne } from './server.js';
