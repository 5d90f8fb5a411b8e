export {
  loadRealtimeConfig,
  realtimeEnv,
  type GatewaySettings,
  type RealtimeConfig,
} from './config.js';
export { createGateway, createNodeGateway, type Gateway, type GatewayOptions } from './gateway.js';
export type { ChatServer, ChatSocket, SocketData } from './types.js';
