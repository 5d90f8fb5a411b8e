import type { Server, Socket } from 'socket.io';
import type { Authenticated } from '@kelisim/auth';
import type { ClientToServerEvents, ServerToClientEvents, UserSummary } from '@kelisim/contracts';

export interface SocketData {
  /** Unset for guests. */
  userId: number;
  /** Unset for guests. */
  user: UserSummary;
  /** The token the socket is authenticated with (replaced by `reauth`); unset for guests. */
  credential?: Authenticated;
  /** Connected without a token (CHAT_ALLOW_GUESTS): Echo's public channels only. */
  guest?: boolean;
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, object, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, SocketData>;
