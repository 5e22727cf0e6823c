/**
 * The decisions of the Electron main process, as plain functions over plain data, so they are
 * tested under Node without Electron: which URLs are ours, the window's security settings, the
 * pages' Content-Security-Policy, how an `app://noesis/...` request maps to a file (and refuses
 * to leave the renderer folder), where a remembered window may reappear, what the tray menu
 * offers for a node status. `electron/main.ts` wires these to Electron and holds no logic of its
 * own. This module never imports `electron` (types only).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { z } from 'zod';
import { ApiErrorCode } from './node/api/dispatch.ts';
import { NoesisError } from './node/errors.ts';
import type { NodeState } from './node/node-status.ts';

/** The privileged scheme that serves the built renderer; `'self'` in the CSP means this origin. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'noesis';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/** IPC channels: one per contract method (`noesis:<method>`), one for pushed events. */
export const IPC_METHOD_PREFIX = 'noesis:';
export const IPC_EVENT_CHANNEL = 'noesis:event';

export const MainErrorCode = {
  /** An IPC call came from a frame that is not our app page (an iframe, a navigated-away page). */
  FORBIDDEN_SENDER: 'IPC_FORBIDDEN_SENDER',
  /** `--data-dir` or `--port` on the command line is missing its value or out of range. */
  BAD_ARGUMENT: 'MAIN_BAD_ARGUMENT',
} as const;

// ---------------------------------------------------------------------------------------------
// Command line

export interface MainArgs {
  dataDir: string | undefined;
  port: number | undefined;
}

/**
 * Reads `--data-dir DIR` and `--port N` (or `--flag=value`) from Electron's argv, ignoring
 * everything else (the binary, the script, Chromium's own switches).
 */
export function parseMainArgs(argv: readonly string[]): MainArgs {
  const result: MainArgs = { dataDir: undefined, port: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--(data-dir|port)(?:=(.*))?$/.exec(arg);
    if (!match) continue;
    const flag = match[1] as 'data-dir' | 'port';
    let value = match[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new NoesisError(MainErrorCode.BAD_ARGUMENT, `--${flag} needs a value`, { flag });
      }
      i++;
    }
    if (flag === 'data-dir') {
      if (value === '') {
        throw new NoesisError(MainErrorCode.BAD_ARGUMENT, '--data-dir needs a folder', { flag });
      }
      result.dataDir = value;
    } else {
      const port = Number(value);
      if (!/^\d+$/.test(value) || port > 65535) {
        throw new NoesisError(
          MainErrorCode.BAD_ARGUMENT,
          `--port must be a whole number from 0 to 65535 (got "${value}")`,
          { flag, value },
        );
      }
      result.port = port;
    }
  }
  return result;
}

/**
 * The folder holding the app's package.json, found by walking up from `startDir`: the same
 * answer from `electron/` (sources under test), `dist/electron/` (the bundle) and
 * `app.asar/dist/electron/` (a packaged app).
 */
export function findAppRoot(
  startDir: string,
  hasPackageJson: (dir: string) => boolean = (dir) => existsSync(path.join(dir, 'package.json')),
): string {
  let dir = path.resolve(startDir);
  for (;;) {
    if (hasPackageJson(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${startDir}`);
    dir = parent;
  }
}

// ---------------------------------------------------------------------------------------------
// URLs and navigation

function parseUrl(url: string | null | undefined): URL | null {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Whether a URL is one of our own pages (`app://noesis/...`). */
export function isOurUrl(url: string | null | undefined): boolean {
  const parsed = parseUrl(url);
  return (
    parsed !== null &&
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host === APP_HOST &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/** Whether a URL may be handed to the system browser: plain http(s) only, never file: or js:. */
export function isExternalWebUrl(url: string | null | undefined): boolean {
  const parsed = parseUrl(url);
  return parsed !== null && (parsed.protocol === 'https:' || parsed.protocol === 'http:');
}

export type NavigationDecision = 'allow' | 'open-external' | 'deny';

/** In-window navigation: our pages load in place, web links open in the browser, the rest is refused. */
export function decideNavigation(url: string): NavigationDecision {
  if (isOurUrl(url)) return 'allow';
  if (isExternalWebUrl(url)) return 'open-external';
  return 'deny';
}

/** `window.open` and `target=_blank`: never a new app window; web links open in the browser. */
export function decideWindowOpen(url: string): Exclude<NavigationDecision, 'allow'> {
  return isExternalWebUrl(url) ? 'open-external' : 'deny';
}

// ---------------------------------------------------------------------------------------------
// Window

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_SIZE = { width: 1200, height: 800 } as const;
export const MIN_WINDOW_SIZE = { width: 800, height: 560 } as const;

export function windowOptions(options: {
  preload: string;
  icon?: string | undefined;
  bounds?: Bounds | null | undefined;
}): BrowserWindowConstructorOptions {
  const bounds = options.bounds ?? DEFAULT_WINDOW_SIZE;
  return {
    ...bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Noesis',
    show: false,
    backgroundColor: '#0f172a',
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/** The CSP of every page we serve: our own scripts, styles and images, nothing inline, no frames. */
export function appContentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Permissions a page may have: only writing to the clipboard (copy an address), and only for
 * our own pages. Camera, microphone, notifications, geolocation, ... are all refused.
 */
export function isPermissionAllowed(
  permission: string,
  requestingUrl: string | undefined,
): boolean {
  return permission === 'clipboard-sanitized-write' && isOurUrl(requestingUrl);
}

// ---------------------------------------------------------------------------------------------
// The app:// protocol

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps `app://noesis/<path>` to a file under `rootDir`, or null when the URL is not ours or the
 * path would leave the folder (`..`, encoded `%2e%2e` or `%2f`, backslashes, NUL, absolute
 * paths). `/` serves index.html.
 */
export function resolveAppPath(rootDir: string, url: string): string | null {
  const parsed = parseUrl(url);
  if (!parsed || !isOurUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const segments = pathname.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) return null;
  if (segments.length === 0) segments.push('index.html');
  const root = path.resolve(rootDir);
  const file = path.resolve(root, ...segments);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  return file;
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': appContentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
}

/**
 * Answers one `app://` request from the built renderer folder. A path with no extension that
 * is not a file gets index.html (client-side routes survive a reload); a missing asset is 404.
 */
export async function serveAppRequest(
  rootDir: string,
  url: string,
  method = 'GET',
): Promise<AppResponse> {
  const text = (status: number, body: string): AppResponse => ({
    status,
    headers: { ...securityHeaders(), 'content-type': 'text/plain; charset=utf-8' },
    body,
  });
  if (method !== 'GET' && method !== 'HEAD') return text(405, 'method not allowed');
  const file = resolveAppPath(rootDir, url);
  if (!file) return text(403, 'forbidden');
  const candidates = path.extname(file)
    ? [file]
    : [file, path.join(path.resolve(rootDir), 'index.html')];
  for (const candidate of candidates) {
    try {
      if (!(await stat(candidate)).isFile()) continue;
      const body = await readFile(candidate);
      return {
        status: 200,
        headers: { ...securityHeaders(), 'content-type': contentTypeFor(candidate) },
        body: method === 'HEAD' ? '' : body,
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
  }
  return text(404, 'not found');
}

// ---------------------------------------------------------------------------------------------
// Remembered window bounds

export const WINDOW_STATE_FILE = 'window-state.json';

const WindowStateSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

/** The saved window state, or null when the file is absent, unreadable or malformed. */
export function parseWindowState(text: string | null): WindowState | null {
  if (text === null) return null;
  try {
    const parsed = WindowStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** How much of the title bar must be on a screen for the window to be reachable. */
const GRAB_WIDTH = 100;
const GRAB_HEIGHT = 40;

/**
 * Where to reopen the window: the saved bounds when the window's top edge (its title bar) is on
 * one of today's displays, shrunk to fit that display; null (the default, centred) when the
 * display it was on is gone, so a window never reopens off-screen.
 */
export function restoreBounds(
  saved: Bounds | null,
  workAreas: readonly Rectangle[],
): Bounds | null {
  if (!saved) return null;
  for (const area of workAreas) {
    const overlapX =
      Math.min(saved.x + saved.width, area.x + area.width) - Math.max(saved.x, area.x);
    const topInside = saved.y >= area.y && saved.y + GRAB_HEIGHT <= area.y + area.height;
    if (overlapX < GRAB_WIDTH || !topInside) continue;
    const width = Math.max(MIN_WINDOW_SIZE.width, Math.min(saved.width, area.width));
    const height = Math.max(MIN_WINDOW_SIZE.height, Math.min(saved.height, area.height));
    return { x: saved.x, y: saved.y, width, height };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Tray and closing

export type TrayAction = 'start' | 'stop' | 'show' | 'quit';

export interface TrayItem {
  /** Absent on the status line and separators. */
  action?: TrayAction;
  label: string;
  enabled: boolean;
  separator?: boolean;
}

const STATE_WORDS: Record<NodeState, string> = {
  stopped: 'stopped',
  starting: 'starting…',
  running: 'running',
  stopping: 'stopping…',
  error: 'error',
};

export function trayTooltip(state: NodeState): string {
  return `Noesis: node ${STATE_WORDS[state]}`;
}

/** The tray menu for a node state: a status line, then Start node / Stop node / Show / Quit. */
export function trayMenuModel(state: NodeState): TrayItem[] {
  const busy = state === 'starting' || state === 'stopping';
  return [
    { label: `Node ${STATE_WORDS[state]}`, enabled: false },
    { label: '', enabled: false, separator: true },
    { action: 'start', label: 'Start node', enabled: !busy && state !== 'running' },
    { action: 'stop', label: 'Stop node', enabled: state === 'running' || state === 'starting' },
    { label: '', enabled: false, separator: true },
    { action: 'show', label: 'Show Noesis', enabled: true },
    { action: 'quit', label: 'Quit', enabled: true },
  ];
}

/** Closing the window keeps a running node going in the tray when the user asked for that. */
export function shouldHideOnClose(options: {
  quitting: boolean;
  closeToTray: boolean;
  nodeState: NodeState;
}): boolean {
  if (options.quitting || !options.closeToTray) return false;
  return options.nodeState !== 'stopped' && options.nodeState !== 'error';
}

// ---------------------------------------------------------------------------------------------
// IPC results

export interface IpcErrorPayload {
  code: string;
  message: string;
  data: Record<string, unknown>;
}

/**
 * What an IPC handler returns. Electron turns a thrown error into a bare message string, losing
 * its code, so handlers resolve with this envelope and the preload rejects with `error`.
 */
export type IpcEnvelope = { ok: true; result: unknown } | { ok: false; error: IpcErrorPayload };

/** A structured-clone-safe `{code, message, data}` for any failure; internals are not exposed. */
export function toIpcError(error: unknown): IpcErrorPayload {
  if (error instanceof NoesisError) {
    const json = error.toJSON();
    return { code: json.code, message: json.message, data: { ...json.data } };
  }
  return { code: ApiErrorCode.INTERNAL, message: 'internal error', data: {} };
}

/** Index of "Approve" in the signing dialog's buttons; "Reject" (0) is the default and cancel. */
export const SIGNING_APPROVE_BUTTON = 1;

/**
 * The native confirmation shown before the node signs with a user's key: the node's own
 * decoding of the action, line by line, with Reject as the default answer.
 */
export function signingDialogOptions(action: {
  title: string;
  lines: { label: string; value: string }[];
}): {
  type: 'question';
  buttons: string[];
  defaultId: number;
  cancelId: number;
  noLink: boolean;
  title: string;
  message: string;
  detail: string;
} {
  return {
    type: 'question',
    buttons: ['Reject', 'Approve and sign'],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
    title: 'Noesis: approve a signature',
    message: action.title,
    detail: action.lines.map((line) => `${line.label}: ${line.value}`).join('\n'),
  };
}
