/**
 * Caps the handshakes a node runs at once (token check, the user and their chats): in a reconnect
 * storm, new connections beyond the cap are refused at once instead of queueing for the
 * database, and come back later. socket.io clients retry a handshake refused at the transport
 * level on their own, with backoff and jitter (`reconnectionDelay`, `randomizationFactor`);
 * `/ws` clients get 503 with a spread `Retry-After`.
 *
 * Only running authentications count, never connections waiting to send socket.io's CONNECT:
 * a client cannot hold a slot by opening a transport and going quiet. Connections admitted in
 * the same instant may overshoot the cap by the few whose CONNECT is still on its way.
 */
export interface HandshakeAdmission {
  /** True when a new connection may start: fewer handshakes than the cap run now. */
  admits(): boolean;
  /** Counts one running handshake; call the returned function when it ends (again: no-op). */
  start(): () => void;
}

/** Seconds a refused client is told to wait: spread, so refused clients do not return together. */
export function retryAfterSeconds(): number {
  return 1 + Math.floor(Math.random() * 5);
}

export function createHandshakeAdmission(
  limit: number,
  onRefused: () => void = () => {},
): HandshakeAdmission {
  let running = 0;
  return {
    admits() {
      if (running < limit) return true;
      onRefused();
      return false;
    },
    start() {
      running++;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        running--;
      };
    },
  };
}
