import { plainMessage } from '../api/errors.js';
import type { ChatSocket } from './chat-socket.js';
import type { Store } from './store.js';
import type { ConnectionInfo, ConnectionState } from './stores.js';
import { demoToken, renewExpiredSession, sessionEndedText } from './token-life.js';

export interface ConnectionEvents {
  /** Every connect; `reconnected` from the second one on. */
  connected: (reconnected: boolean) => void;
  /** The server ended the session: the sign-in screen shows `reason`. */
  signedOut: (reason: string) => void;
  /** The live connection re-authenticated with a fresh token. */
  tokenRenewed: (token: string) => void;
}

/** The socket's state for the status banner, its reconnects, and its credentials running out. */
export class Connection {
  private everConnected = false;

  constructor(
    private readonly socket: ChatSocket,
    private readonly store: Store<ConnectionInfo>,
    private readonly myId: number,
    private readonly events: ConnectionEvents,
  ) {
    this.listen();
  }

  start(): void {
    window.addEventListener('offline', this.wentOffline);
    this.socket.connect();
  }

  stop(): void {
    window.removeEventListener('offline', this.wentOffline);
    this.socket.disconnect();
  }

  /** The browser lost its network: say so (socket.io reconnects once it is back). */
  private readonly wentOffline = () => {
    if (!this.socket.connected) this.setState('offline');
  };

  private listen(): void {
    const socket = this.socket;
    socket.on('connect', () => {
      const reconnected = this.everConnected;
      this.everConnected = true;
      this.store.set({ state: 'connected', firstConnect: false });
      this.events.connected(reconnected);
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') {
        this.setState('offline');
        return;
      }
      this.setState('reconnecting');
      // A draining node closes its sockets on purpose; socket.io only retries dropped links by
      // itself, so come back (to whichever node the load balancer picks) after a short pause.
      if (reason === 'io server disconnect') {
        window.setTimeout(() => socket.connect(), 300 + Math.random() * 700);
      }
    });
    socket.on('auth_expired', () => void this.renewToken());
    socket.on('auth_revoked', () => this.events.signedOut(sessionEndedText));
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === 'unauthenticated') {
        this.events.signedOut(plainMessage({ code: 'unauthenticated', message: error.message }));
        return;
      }
      this.setState('reconnecting');
    });
    socket.io.on('reconnect_failed', () => this.setState('offline'));
  }

  /** The token expired on the live connection: re-authenticate it, or end the session. */
  private async renewToken(): Promise<void> {
    const result = await renewExpiredSession({
      freshToken: () => demoToken(this.myId),
      reauth: (token) => this.socket.emitWithAck('reauth', { token }),
    });
    if ('ended' in result) return this.events.signedOut(result.ended);
    this.socket.auth = { token: result.token };
    this.events.tokenRenewed(result.token);
  }

  private setState(state: ConnectionState): void {
    this.store.set((c) => ({ ...c, state }));
  }
}
