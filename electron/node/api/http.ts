/**
 * The web-mode binding of the API contract: `POST /api/<method>` with a JSON body and
 * `Authorization: Bearer <token>`, events over a WebSocket at `/api/events` that needs the same
 * token, and the built UI served as static files under a strict Content-Security-Policy.
 *
 * Security, in the order checked: a request that carries an Origin other than this server's own
 * gets 403 (no other site can drive the node from a user's browser); a request without the token
 * gets 401; then the input is validated against the contract (400 naming the field).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { NoesisError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ApiEvent, ApiHandlers } from './contract.ts';
import { ApiErrorCode, dispatch, isClientError } from './dispatch.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export function contentSecurityPolicy(origin: string): string {
  const ws = origin.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface WebServerOptions {
  handlers: ApiHandlers;
  /** Subscribes a listener to every API event; returns the unsubscribe function. */
  subscribe: (listener: (event: ApiEvent) => void) => () => void;
  host: string;
  port: number;
  token: string;
  /** Folder with the built renderer (index.html and assets), or null to serve the API only. */
  staticDir: string | null;
  logger: Logger;
}

export interface WebServer {
  readonly host: string;
  readonly port: number;
  readonly origin: string;
  readonly url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message, data: {} } });
}

function tokenMatches(expected: Buffer, given: string | null): boolean {
  if (!given) return false;
  const candidate = Buffer.from(given);
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

function bearer(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new NoesisError(ApiErrorCode.BAD_INPUT, `body larger than ${MAX_BODY_BYTES} bytes`, {
        field: '(body)',
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const log = options.logger.child({ module: 'web' });
  const expectedToken = Buffer.from(options.token);
  let origin = '';
  let allowedOrigins = new Set<string>();
  const sockets = new Set<WebSocket>();

  function originAllowed(req: IncomingMessage): boolean {
    const given = req.headers.origin;
    return given === undefined || allowedOrigins.has(given);
  }

  function securityHeaders(res: ServerResponse): void {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
  }

  async function serveApi(req: IncomingMessage, res: ServerResponse, method: string) {
    if (!originAllowed(req)) return sendError(res, 403, 'API_FORBIDDEN_ORIGIN', 'origin refused');
    if (!tokenMatches(expectedToken, bearer(req))) {
      return sendError(res, 401, 'API_UNAUTHORIZED', 'missing or wrong access token');
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendError(res, 405, 'API_METHOD_NOT_ALLOWED', 'use POST');
    }
    let input: unknown;
    try {
      const body = await readBody(req);
      try {
        input = body.trim() === '' ? {} : (JSON.parse(body) as unknown);
      } catch {
        throw new NoesisError(ApiErrorCode.BAD_JSON, 'body is not valid JSON', { field: '(body)' });
      }
      const result = await dispatch(options.handlers, method, input, { transport: 'http' });
      sendJson(res, 200, result ?? null);
    } catch (error) {
      if (error instanceof NoesisError) {
        const status = isClientError(error) ? 400 : 500;
        if (status === 500) log.error({ method, code: error.code, err: error.message }, 'api');
        return sendJson(res, status, { error: error.toJSON() });
      }
      log.error({ method, err: error instanceof Error ? error.stack : String(error) }, 'api');
      sendError(res, 500, ApiErrorCode.INTERNAL, 'internal error; see the node log');
    }
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, 'API_METHOD_NOT_ALLOWED', 'use GET');
    }
    if (!options.staticDir) {
      return sendError(res, 404, 'UI_NOT_BUILT', 'no UI is served by this node');
    }
    const root = path.resolve(options.staticDir);
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendError(res, 400, 'BAD_PATH', 'bad path');
    }
    let file = path.resolve(root, '.' + (decoded.endsWith('/') ? decoded + 'index.html' : decoded));
    if (file !== root && !file.startsWith(root + path.sep)) {
      return sendError(res, 404, 'NOT_FOUND', 'not found');
    }
    let info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      // Client-side routes fall back to the app shell.
      file = path.join(root, 'index.html');
      info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        return sendError(res, 503, 'UI_NOT_BUILT', 'the UI is not built: run `npm run build`');
      }
    }
    const ext = path.extname(file);
    res.writeHead(200, {
      'content-type': MIME[ext] ?? 'application/octet-stream',
      'content-length': info.size,
      'content-security-policy': contentSecurityPolicy(origin),
      'cache-control': ext === '.html' ? 'no-store' : 'public, max-age=3600',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  }

  const server: Server = createServer((req, res) => {
    securityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const pathname = url.pathname;
    const work = pathname.startsWith('/api/')
      ? serveApi(req, res, pathname.slice('/api/'.length))
      : serveStatic(req, res, pathname);
    work.catch((error: unknown) => {
      log.error({ err: error instanceof Error ? error.stack : String(error) }, 'http');
      if (!res.headersSent) sendError(res, 500, ApiErrorCode.INTERNAL, 'internal error');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/api/events') return refuse(404, 'Not Found');
    if (!originAllowed(req)) return refuse(403, 'Forbidden');
    const given = url.searchParams.get('token') ?? bearer(req);
    if (!tokenMatches(expectedToken, given)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const unsubscribe = options.subscribe((event) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
      });
      ws.on('close', () => {
        unsubscribe();
        sockets.delete(ws);
      });
      // The socket is push-only; anything the client sends is ignored.
      ws.on('message', () => undefined);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  origin = `http://${hostForUrl}:${address.port}`;
  allowedOrigins = new Set([
    origin,
    `http://127.0.0.1:${address.port}`,
    `http://localhost:${address.port}`,
  ]);
  log.info({ host: options.host, port: address.port }, 'web ui listening');

  return {
    host: options.host,
    port: address.port,
    origin,
    url: `${origin}/?token=${options.token}`,
    close: async () => {
      for (const ws of sockets) ws.close(1001, 'node shutting down');
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
