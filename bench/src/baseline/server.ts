// The reference server: bare socket.io 4.8 with the same classic Redis adapter our nodes use, no
// auth, no database. A client names its rooms in the handshake (`auth: {rooms}`); `send_message`
// broadcasts `new_message` to the chat's room and acks, with the same wire shapes as our server.
// Run by `baseline/system.ts`: PORT, REDIS_HOST, REDIS_PORT, SOCKET_IO_KEY.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const redisOptions = {
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
};
const pub = new Redis(redisOptions);
const sub = new Redis(redisOptions);

const http = createServer((request, response) => {
  response.writeHead(request.url === '/health/ready' ? 200 : 404).end();
});
const io = new Server(http, {
  adapter: createAdapter(pub, sub, { key: process.env.SOCKET_IO_KEY ?? 'socket.io' }),
  transports: ['websocket'],
});

let nextId = 1;
const seqs = new Map<number, number>();

io.on('connection', (socket) => {
  const rooms = (socket.handshake.auth as { rooms?: unknown }).rooms;
  if (Array.isArray(rooms)) void socket.join(rooms.map(String));
  socket.on('send_message', (payload: unknown, ack?: (reply: unknown) => void) => {
    const input = payload as { chat_id: number; content: string; temp_id?: string };
    const seq = (seqs.get(input.chat_id) ?? 0) + 1;
    seqs.set(input.chat_id, seq);
    const message = {
      id: nextId++,
      chat_id: input.chat_id,
      seq,
      sender: { id: 0, name: 'Baseline' },
      type: 'text',
      content: input.content,
      temp_id: input.temp_id ?? null,
      reply_to_id: null,
      file: null,
      created_at: new Date().toISOString(),
      deleted_at: null,
    };
    io.to(`chat:${input.chat_id}`).emit('new_message', { message });
    ack?.({ ok: true, message });
  });
});

http.listen(port, '127.0.0.1');
const stop = () => {
  void io.close(() => {
    pub.disconnect();
    sub.disconnect();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
