import { createServer as createHttp1Server, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';

/** Fastify's request handler: it takes HTTP/2's compatibility objects as well as HTTP/1.1's. */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Fastify's resolved options of these names (ms; 0: none). */
export interface ConnectionTimeouts {
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
  http2SessionTimeout: number;
}

/** Every HTTP/2 connection opens with this (RFC 9113 §3.4); no HTTP/1.1 request line starts so. */
const HTTP2_PREFACE_START = 'PRI ';
/** A connection that sends nothing is dropped after this long (as HTTP/1.1's headersTimeout would). */
const FIRST_BYTES_TIMEOUT_MS = 30_000;

/**
 * One cleartext port that speaks HTTP/1.1 and HTTP/2 with prior knowledge (h2c), told apart by the
 * connection's first bytes. HTTP/2 is the fast path for services calling the API: one connection
 * carries many requests, and their answers leave in a few writes instead of one write per answer
 * (each a system call, the cost that kept HTTP/1.1 behind unary gRPC). curl, browsers behind a
 * proxy and HTTP/1.1 clients keep working unchanged. Returns the HTTP/1.1 server for Fastify's
 * serverFactory (it listens, and its close waits for every connection, HTTP/2 ones included);
 * `closeHttp2Sessions` sends GOAWAY to the HTTP/2 clients so that close can finish.
 */
export function cleartextHttp1And2(handler: Handler, timeouts: ConnectionTimeouts): { server: Server; closeHttp2Sessions(): void; destroyHttp2Sessions(): void } {
  const http1 = createHttp1Server(handler);
  // What Fastify sets on a server it creates itself (it leaves a factory's server as it is).
  http1.keepAliveTimeout = timeouts.keepAliveTimeout;
  http1.requestTimeout = timeouts.requestTimeout;
  http1.setTimeout(timeouts.connectionTimeout);
  const http2 = createHttp2Server({}, handler as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void);
  const sessions = new Set<Http2Session>();
  http2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.setTimeout(timeouts.http2SessionTimeout, () => session.close()); // idle sessions, as HTTP/1.1's keep-alive timeout
    session.on('close', () => sessions.delete(session));
  });
  const [http1Connection] = http1.listeners('connection') as ((socket: Socket) => void)[];
  http1.removeAllListeners('connection');
  http1.on('connection', (socket: Socket) => {
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
    socket.once('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(chunk); // the chosen server reads it again (HTTP/2: from the socket's buffer, on its next tick)
      if (chunk.subarray(0, HTTP2_PREFACE_START.length).toString('latin1') === HTTP2_PREFACE_START) {
        http2.emit('connection', socket);
      } else {
        http1Connection.call(http1, socket);
        socket.resume();
      }
    });
  });
  return {
    server: http1,
    closeHttp2Sessions: () => sessions.forEach((s) => s.close()),
    destroyHttp2Sessions: () => sessions.forEach((s) => s.destroy()),
  };
}
