/**
 * Runs a node without Electron: the runtime plus the web server that serves the same UI on
 * 127.0.0.1 with an access token. Used by `noesis start --headless`, by `npm start` when the
 * Electron binary or a display is missing, and by the browser tests.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { NodeRuntime } from './runtime.ts';
import { newAccessToken, startWebServer, type WebServer } from './api/http.ts';
import { removeApiFile, writeApiFile } from './api/discovery.ts';
import { DEFAULT_WEB_PORT } from './config.ts';

export const RENDERER_DIST = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

export interface HeadlessOptions {
  dataDir: string;
  /** Overrides the config's port; 0 picks a free one. */
  port?: number | undefined;
  host?: string | undefined;
  staticDir?: string | null | undefined;
}

export interface HeadlessNode {
  runtime: NodeRuntime;
  server: WebServer;
  token: string;
  close(): Promise<void>;
}

export async function startHeadless(options: HeadlessOptions): Promise<HeadlessNode> {
  const runtime = await NodeRuntime.open({ dataDir: options.dataDir, mode: 'web' });
  const token = newAccessToken();
  const host = options.host ?? runtime.config.web.host;
  const staticDir =
    options.staticDir === undefined
      ? existsSync(path.join(RENDERER_DIST, 'index.html'))
        ? RENDERER_DIST
        : null
      : options.staticDir;
  const serverOptions = {
    handlers: runtime.handlers,
    subscribe: runtime.subscribe.bind(runtime),
    host,
    token,
    staticDir,
    logger: runtime.logs.logger,
  };
  let server: WebServer;
  try {
    const port = options.port ?? runtime.config.web.port;
    try {
      server = await startWebServer({ ...serverOptions, port });
    } catch (error) {
      // The default port being taken (another node, another app) is no reason to fail: pick a
      // free one. A port the user asked for is honoured or refused.
      const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!taken || options.port !== undefined || port !== DEFAULT_WEB_PORT) throw error;
      runtime.logs.logger.warn({ port }, 'default web port in use, picking a free one');
      server = await startWebServer({ ...serverOptions, port: 0 });
    }
  } catch (error) {
    await runtime.close('shutdown');
    throw error;
  }
  await writeApiFile(runtime.dataDir, {
    url: server.url,
    origin: server.origin,
    token,
    pid: process.pid,
  });
  let closing: Promise<void> | null = null;
  return {
    runtime,
    server,
    token,
    close: () => {
      closing ??= (async () => {
        await removeApiFile(runtime.dataDir);
        await server.close();
        await runtime.close('shutdown');
      })();
      return closing;
    },
  };
}
