/**
 * The Electron main process: a thin shell around the node runtime. It owns the window, the tray,
 * the single-instance lock, the `app://noesis/` protocol that serves the built renderer under a
 * strict CSP, and the IPC binding of the API contract (one `noesis:<method>` channel per method,
 * checked by `dispatch` exactly as HTTP is). Every decision lives in `main-logic.ts`; the node
 * itself lives in `node/` and never imports `electron`.
 *
 * `startApp` takes the `electron` module as an argument so a test can hand it a mock; the call at
 * the bottom runs only inside Electron's main process.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  BrowserWindow as BrowserWindowType,
  Event as ElectronEvent,
  IpcMainInvokeEvent,
  MenuItemConstructorOptions,
  Tray as TrayType,
  WebContents,
} from 'electron';
import {
  APP_SCHEME,
  APP_START_URL,
  IPC_EVENT_CHANNEL,
  IPC_METHOD_PREFIX,
  MainErrorCode,
  WINDOW_STATE_FILE,
  decideNavigation,
  decideWindowOpen,
  findAppRoot,
  isOurUrl,
  isPermissionAllowed,
  parseMainArgs,
  parseWindowState,
  restoreBounds,
  serveAppRequest,
  shouldHideOnClose,
  toIpcError,
  trayMenuModel,
  trayTooltip,
  windowOptions,
  type Bounds,
  type IpcEnvelope,
  type TrayAction,
  signingDialogOptions,
  SIGNING_APPROVE_BUTTON,
} from './main-logic.ts';
import { methodNames, type ApiEvent } from './node/api/contract.ts';
import { dispatch } from './node/api/dispatch.ts';
import { removeApiFile, writeApiFile } from './node/api/discovery.ts';
import { newAccessToken, startWebServer, type WebServer } from './node/api/http.ts';
import { defaultDataDir } from './node/data-dir.ts';
import { NoesisError } from './node/errors.ts';
import type { NodeState } from './node/node-status.ts';
import { NodeRuntime } from './node/runtime.ts';
import { writeFileAtomic } from './node/storage/atomic-file.ts';

export type ElectronModule = typeof import('electron');

export interface StartAppOptions {
  /** The folder with package.json; found by walking up from this file when absent. */
  appRoot?: string;
  /** The built renderer (index.html and assets); `<appRoot>/dist/renderer` when absent. */
  rendererDir?: string;
  /** The bundled preload; `preload.cjs` beside this file when absent. */
  preloadPath?: string;
  /** Where the tray and window icons live; `resources/` of the app when absent. */
  resourcesDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Quit on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Where one-line messages go (default stderr). */
  print?: (line: string) => void;
}

export interface NoesisApp {
  readonly runtime: NodeRuntime;
  readonly dataDir: string;
  window(): BrowserWindowType | null;
  tray(): TrayType | null;
  /** Shows, restores and focuses the window, creating it if it was closed. */
  showWindow(): void;
  /** Resolves once the node is stopped and the runtime closed (after Quit, a signal, ...). */
  readonly closed: Promise<void>;
}

/** Longest an orderly shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 30_000;
const SAVE_BOUNDS_DELAY_MS = 500;

export async function startApp(
  electron: ElectronModule,
  argv: readonly string[],
  options: StartAppOptions = {},
): Promise<NoesisApp | null> {
  const { app, BrowserWindow, Menu, Tray, dialog, ipcMain, nativeImage, protocol, screen, shell } =
    electron;
  const print = options.print ?? ((line: string) => process.stderr.write(line + '\n'));
  const fail = (message: string): null => {
    print(`noesis: ${message}`);
    if (app.isReady()) dialog.showErrorBox('Noesis cannot start', message);
    app.exit(1);
    return null;
  };

  // Everything up to `whenReady` runs synchronously: Electron needs the scheme, the profile
  // folder and the lock before its ready event, which may fire at our first await.
  let args;
  try {
    args = parseMainArgs(argv);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const dataDir = path.resolve(args.dataDir ?? defaultDataDir(options.env ?? process.env));
  const here = path.dirname(fileURLToPath(import.meta.url));
  const appRoot = options.appRoot ?? findAppRoot(here);
  const rendererDir = options.rendererDir ?? path.join(appRoot, 'dist', 'renderer');
  const preloadPath = options.preloadPath ?? path.join(here, 'preload.cjs');
  const resourcesDir = options.resourcesDir ?? findResourcesDir(app.isPackaged, appRoot);

  // Chromium's profile lives with the node's data: one folder to back up, and the single-instance
  // lock (kept in the profile) is per data folder, so two nodes with two folders can coexist.
  app.setPath('userData', path.join(dataDir, 'electron'));
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    },
  ]);
  if (!app.requestSingleInstanceLock()) {
    print('noesis: already running with this data folder; showing its window');
    app.quit();
    return null;
  }

  let runtime: NodeRuntime | null = null;
  let win: BrowserWindowType | null = null;
  let tray: TrayType | null = null;
  let webServer: WebServer | null = null;
  let unsubscribe: (() => void) | null = null;
  let quitting = false;
  let closedState: 'open' | 'closing' | 'closed' = 'open';
  let pendingSave: Promise<void> = Promise.resolve();
  let saveTimer: NodeJS.Timeout | null = null;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const log = () => runtime?.logs.logger.child({ module: 'electron' });

  const showWindow = (): void => {
    if (!app.isReady() || !runtime) return;
    if (!win || win.isDestroyed()) win = createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());

  // Every web contents, ours or not: no navigation away, no new windows, no <webview>.
  app.on('web-contents-created', (_event, contents: WebContents) => {
    const guard = (event: ElectronEvent, url: string, clicked: boolean) => {
      const decision = decideNavigation(url);
      if (decision === 'allow') return;
      event.preventDefault();
      // A link the user followed opens in the browser; a redirect is only refused.
      if (decision === 'open-external' && clicked) void shell.openExternal(url);
      else log()?.warn({ url }, 'navigation blocked');
    };
    contents.on('will-navigate', (event, url) => guard(event, url, true));
    contents.on('will-redirect', (event, url) => guard(event, url, false));
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (decideWindowOpen(url) === 'open-external') void shell.openExternal(url);
      else log()?.warn({ url }, 'window.open blocked');
      return { action: 'deny' };
    });
  });

  const shutdown = async (): Promise<void> => {
    if (saveTimer) clearTimeout(saveTimer);
    if (win && !win.isDestroyed()) saveWindowState(win);
    unsubscribe?.();
    tray?.destroy();
    tray = null;
    if (webServer) {
      await removeApiFile(dataDir).catch(() => undefined);
      await webServer.close().catch(() => undefined);
    }
    await pendingSave;
    await runtime?.close('shutdown');
  };

  // Quit (tray, menu, signal, last window closed) holds the exit until the node has stopped
  // ('shutdown', so it comes back on the next start) and the logs are flushed.
  app.on('before-quit', (event) => {
    quitting = true;
    if (closedState === 'closed') return;
    event.preventDefault();
    if (closedState === 'closing') return;
    closedState = 'closing';
    const timer = setTimeout(() => {
      print('noesis: shutdown took too long; exiting');
      app.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    shutdown()
      .catch((error: unknown) => print(`noesis: shutdown failed: ${String(error)}`))
      .finally(() => {
        clearTimeout(timer);
        closedState = 'closed';
        removeSignalHandlers();
        resolveClosed();
        app.quit();
      });
  });
  app.on('window-all-closed', () => app.quit());

  const onSignal = (signal: NodeJS.Signals) => {
    log()?.info({ signal }, 'shutdown requested');
    app.quit();
  };
  const removeSignalHandlers = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  if (options.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  await app.whenReady();
  if (quitting) return null;

  try {
    runtime = await NodeRuntime.open({ dataDir, mode: 'electron' });
  } catch (error) {
    removeSignalHandlers();
    closedState = 'closed';
    return fail(error instanceof Error ? error.message : String(error));
  }
  const opened = runtime;
  // Signatures are approved in a dialog this process owns, never by the renderer itself.
  opened.setSigningConfirmer({
    confirm: async (action) => {
      const options = signingDialogOptions(action);
      const { response } = win
        ? await dialog.showMessageBox(win, options)
        : await dialog.showMessageBox(options);
      return response === SIGNING_APPROVE_BUTTON;
    },
  });

  const session = electron.session.defaultSession;
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl)),
  );
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );

  protocol.handle(APP_SCHEME, async (request) => {
    const answer = await serveAppRequest(rendererDir, request.url, request.method);
    return new Response(answer.status === 200 ? Buffer.from(answer.body) : answer.body, {
      status: answer.status,
      headers: answer.headers,
    });
  });

  for (const method of methodNames) {
    ipcMain.handle(
      IPC_METHOD_PREFIX + method,
      async (event: IpcMainInvokeEvent, input: unknown): Promise<IpcEnvelope> => {
        const sender = event.senderFrame?.url;
        if (!isOurUrl(sender)) {
          log()?.warn({ method, sender }, 'IPC call from a foreign frame refused');
          return {
            ok: false,
            error: toIpcError(
              new NoesisError(MainErrorCode.FORBIDDEN_SENDER, 'not allowed from this page', {
                method,
              }),
            ),
          };
        }
        try {
          return {
            ok: true,
            result: await dispatch(opened.handlers, method, input, { transport: 'ipc' }),
          };
        } catch (error) {
          if (!(error instanceof NoesisError)) {
            log()?.error({ method, err: String(error) }, 'IPC handler failed');
          }
          return { ok: false, error: toIpcError(error) };
        }
      },
    );
  }

  unsubscribe = opened.subscribe((apiEvent: ApiEvent) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, apiEvent);
  });
  opened.node.on('status', (status) => updateTray(status.state));

  const stateFile = path.join(dataDir, WINDOW_STATE_FILE);
  const savedState = parseWindowState(await readFile(stateFile, 'utf8').catch(() => null));

  function saveWindowState(target: BrowserWindowType): void {
    const bounds = target.getNormalBounds();
    const state = { ...bounds, maximized: target.isMaximized() };
    pendingSave = pendingSave
      .then(() => writeFileAtomic(stateFile, JSON.stringify(state) + '\n'))
      .catch((error: unknown) => log()?.warn({ err: String(error) }, 'window state not saved'));
  }

  function createWindow(): BrowserWindowType {
    const workAreas = screen.getAllDisplays().map((display) => display.workArea);
    const bounds: Bounds | null = restoreBounds(savedState, workAreas);
    const iconFile = path.join(resourcesDir, 'icons', 'icon.png');
    const created = new BrowserWindow(
      windowOptions({
        preload: preloadPath,
        bounds,
        icon: existsSync(iconFile) ? iconFile : undefined,
      }),
    );
    if (bounds && savedState?.maximized) created.maximize();
    created.once('ready-to-show', () => created.show());
    const scheduleSave = () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        if (!created.isDestroyed()) saveWindowState(created);
      }, SAVE_BOUNDS_DELAY_MS);
    };
    created.on('resize', scheduleSave);
    created.on('move', scheduleSave);
    created.on('close', (event) => {
      saveWindowState(created);
      const hide = shouldHideOnClose({
        quitting,
        closeToTray: opened.config.ui.closeToTray && tray !== null,
        nodeState: opened.node.status().state,
      });
      if (hide) {
        event.preventDefault();
        created.hide();
      }
    });
    created.on('closed', () => {
      if (win === created) win = null;
    });
    void created.loadURL(APP_START_URL);
    return created;
  }

  function onTrayAction(action: TrayAction): void {
    const report = (error: unknown) => log()?.error({ action, err: String(error) }, 'tray action');
    if (action === 'start') void opened.handlers['node.start']({}).catch(report);
    else if (action === 'stop') void opened.handlers['node.stop']({}).catch(report);
    else if (action === 'show') showWindow();
    else app.quit();
  }

  function updateTray(state: NodeState): void {
    if (!tray) return;
    const template: MenuItemConstructorOptions[] = trayMenuModel(state).map((item) =>
      item.separator
        ? { type: 'separator' }
        : {
            label: item.label,
            enabled: item.enabled,
            ...(item.action ? { click: () => onTrayAction(item.action as TrayAction) } : {}),
          },
    );
    tray.setContextMenu(Menu.buildFromTemplate(template));
    tray.setToolTip(trayTooltip(state));
  }

  try {
    tray = new Tray(nativeImage.createFromPath(path.join(resourcesDir, 'icons', 'tray.png')));
    tray.on('click', () => showWindow());
    updateTray(opened.node.status().state);
  } catch (error) {
    // Some Linux desktops have no tray; the window then simply closes the app.
    log()?.warn({ err: String(error) }, 'no tray icon');
    tray = null;
  }

  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    print(`noesis: the UI is not built (${rendererDir}); run npm run build`);
  }
  win = createWindow();

  // `--port` additionally serves the same UI to a browser, as `noesis start --headless` does.
  if (args.port !== undefined) {
    const token = newAccessToken();
    try {
      webServer = await startWebServer({
        handlers: opened.handlers,
        subscribe: opened.subscribe.bind(opened),
        host: opened.config.web.host,
        port: args.port,
        token,
        staticDir: existsSync(path.join(rendererDir, 'index.html')) ? rendererDir : null,
        logger: opened.logs.logger,
      });
      await writeApiFile(dataDir, {
        url: webServer.url,
        origin: webServer.origin,
        token,
        pid: process.pid,
      });
      process.stdout.write(`web ui: ${webServer.url}\n`);
    } catch (error) {
      print(`noesis: web ui not served on port ${args.port}: ${String(error)}`);
    }
  }

  void opened
    .autoStart()
    .catch((error: unknown) => log()?.error({ err: String(error) }, 'auto start failed'));

  return {
    runtime: opened,
    dataDir,
    window: () => (win && !win.isDestroyed() ? win : null),
    tray: () => tray,
    showWindow,
    closed,
  };
}

function findResourcesDir(packaged: boolean, appRoot: string): string {
  // Packaged, `extraResources` puts resources/ beside app.asar; in development it is in the repo.
  if (packaged && typeof process.resourcesPath === 'string') {
    const beside = path.join(process.resourcesPath, 'resources');
    if (existsSync(beside)) return beside;
  }
  return path.join(appRoot, 'resources');
}

// Inside Electron's main process only; a test imports this module and calls startApp itself.
if (process.versions.electron && process.type === 'browser') {
  void startApp(await import('electron'), process.argv);
}
