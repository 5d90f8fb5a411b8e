import type { Server, Socket } from 'socket.io';
import type { Authenticated } from '@kelisim/auth';
import type {
  ClientToServerEvents,
  EchoClientToServerEvents,
  EchoServerToClientEvents,
  ServerToClientEvents,
  UserSummary,
} from '@kelisim/contracts';

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

/** What a client may send: the chat's events and Echo's protocol. */
type IncomingEvents = ClientToServerEvents & EchoClientToServerEvents;
/** What the server sends: the chat's events and Echo's answers. */
type OutgoingEvents = ServerToClientEvents & EchoServerToClientEvents;

export type ChatServer = Server<IncomingEvents, OutgoingEvents, object, SocketData>;
export type ChatSocket = Socket<IncomingEvents, OutgoingEvents, object, SocketData>;
