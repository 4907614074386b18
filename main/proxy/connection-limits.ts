/**
 * What one client can make the listener hold, bounded (issue 11, defect 4):
 *
 * - connections per client address: past {@link ConnectionLimits.perAddress} open connections from one address, a new
 *   one gets a short `503` (JSON, `Connection: close`) and is closed; the others, and other addresses, carry on;
 * - a request's headers: {@link ConnectionLimits.headersMs} (Node's `headersTimeout`);
 * - a request's body: at most {@link ConnectionLimits.bodyIdleMs} without a byte and {@link ConnectionLimits.bodyTotalMs}
 *   from the request's arrival to its last byte (http-body.ts answers 408 in the route's format; Node's own
 *   `requestTimeout`, a little longer, backs it up for a body nobody reads). Neither bounds the response: a stream
 *   may last as long as the backend keeps sending;
 * - an answer sent before its body was read (an early 401, a 413, a 404) goes with `Connection: close`, and the
 *   connection is closed once it is written, so an unread body never keeps a socket.
 */
import { Server } from 'node:http';
import type { IncomingMessage, RequestListener, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections one client address may hold; more are refused (503) and closed. */
  perAddress: number;
  /** The longest wait for the next byte of a request body (408 after it). */
  bodyIdleMs: number;
  /** The longest time from a request's arrival to the last byte of its body (408 after it). */
  bodyTotalMs: number;
  /** The longest time for a request's headers to arrive (Node closes the connection with a 408). */
  headersMs: number;
  /** How often Node checks the headers and request deadlines (its `connectionsCheckingInterval`). */
  checkIntervalMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  // Local clients all share 127.0.0.1, and behind a reverse proxy everyone shares its address: generous.
  perAddress: 256,
  bodyIdleMs: 60_000,
  bodyTotalMs: 300_000,
  headersMs: 60_000,
  checkIntervalMs: 30_000,
});

/** The environment variable that sets {@link ConnectionLimits.perAddress} (`serve`, the desktop app). */
export const PER_ADDRESS_ENV = 'INFINIPROXY_MAX_CONNECTIONS_PER_ADDRESS';

/** The limits with the per-address cap from the environment (then `.env`) when it is a positive whole number. */
export function connectionLimitsFrom(
  vars: readonly (Record<string, string | undefined> | undefined)[],
  base: Partial<ConnectionLimits> = {},
): ConnectionLimits {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...base };
  for (const layer of vars) {
    const raw = layer?.[PER_ADDRESS_ENV]?.trim();
    if (!raw) continue;
    if (/^\d+$/.test(raw) && Number(raw) > 0) limits.perAddress = Number(raw);
    break;
  }
  return limits;
}

const REFUSAL_BODY = JSON.stringify({
  error: { code: 'too_many_connections', message: 'Too many open connections from this address; close some and retry.' },
});
const REFUSAL =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n' +
  `Content-Length: ${Buffer.byteLength(REFUSAL_BODY)}\r\n\r\n${REFUSAL_BODY}`;
/** A refused connection is destroyed this long after its 503, if the client has not closed it by then. */
const REFUSAL_LINGER_MS = 2000;

/**
 * An HTTP server that counts open connections per client address and refuses those past `limits.perAddress` before
 * Node's HTTP parser sees them, with Node's headers and request deadlines set from `limits`.
 */
export function createLimitedServer(handler: RequestListener, limits: ConnectionLimits): Server {
  const open = new Map<string, number>();
  const admit = (socket: Socket): boolean => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.perAddress) return false;
    open.set(address, count);
    socket.once('close', () => {
      const n = (open.get(address) ?? 1) - 1;
      if (n > 0) open.set(address, n);
      else open.delete(address);
    });
    return true;
  };
  const server = new LimitedServer(admit, { connectionsCheckingInterval: limits.checkIntervalMs }, handler);
  server.headersTimeout = limits.headersMs;
  // A backstop for a body that nobody reads; http-body.ts answers first, in the route's format.
  server.requestTimeout = Math.max(limits.bodyTotalMs + 5000, limits.headersMs + 1000);
  return server;
}

/** Node's HTTP server with a gate in front of its 'connection' event (the event that hands a socket to its parser). */
class LimitedServer extends Server {
  readonly #admit: (socket: Socket) => boolean;
  constructor(admit: (socket: Socket) => boolean, options: ServerOptions, handler: RequestListener) {
    super(options, handler);
    this.#admit = admit;
  }
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection' && !this.#admit(args[0] as Socket)) {
      refuse(args[0] as Socket);
      return true;
    }
    return super.emit(event as string, ...args);
  }
}

/** Answers 503 without reading anything and closes the connection (what the client sends meanwhile is discarded). */
function refuse(socket: Socket): void {
  socket.on('error', () => undefined);
  socket.resume();
  socket.end(REFUSAL);
  setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
}

/** How long a connection answered before its body was read may still drain that body before it is closed. */
export const LINGER_MS = 2000;

/**
 * When `req`'s body has not arrived whole (an answer given before or instead of reading it), `res` goes with
 * `Connection: close` and its connection is closed once the answer is written: at once when the client closes its
 * side, else after `lingerMs` at most. Meanwhile what the client still sends is discarded, so that a client writing
 * its body when the answer came reads that answer instead of a reset.
 */
export function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse, lingerMs = LINGER_MS): void {
  if (req.complete || res.headersSent) return;
  res.setHeader('connection', 'close');
  const socket = req.socket;
  // Node calls destroySoon() once a `Connection: close` answer is written; closing then, with the client's bytes
  // still arriving, would answer them with a reset.
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}
