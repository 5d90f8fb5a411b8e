import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents, UserSummary } from '@kelisim/contracts';

export interface SocketData {
  userId: number;
  user: UserSummary;
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, SocketData>;
