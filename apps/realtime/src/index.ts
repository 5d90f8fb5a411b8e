export {
  loadRealtimeConfig,
  realtimeEnv,
  type GatewaySettings,
  type RealtimeConfig,
} from './config.js';
export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export type { ChatServer, ChatSocket, SocketData } from './types.js';
