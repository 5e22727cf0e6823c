/**
 * A small stand-in for the `electron` module: enough of app, BrowserWindow, Tray, Menu,
 * protocol, ipcMain/ipcRenderer, contextBridge, session, screen, shell and dialog to run
 * `electron/main.ts` and `electron/preload.ts` under plain Node, recording what they ask for.
 * The objects keep their identity across `reset()`, so one `mock.module('electron', ...)` serves
 * every test in a file.
 */
import { EventEmitter } from 'node:events';

export interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}

export function fakeEvent(
  extra: Record<string, unknown> = {},
): FakeEvent & Record<string, unknown> {
  const event = {
    ...extra,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

type Handler = (event: unknown, ...args: unknown[]) => unknown;
type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' };
type ProtocolHandler = (request: Request) => Response | Promise<Response>;

export interface MenuTemplateItem {
  type?: string;
  label?: string;
  enabled?: boolean;
  click?: () => void;
}

const state = {
  lock: true,
  ready: false,
  readyResolvers: [] as Array<() => void>,
  quitCalls: 0,
  quitted: false,
  exitCode: null as number | null,
  paths: new Map<string, string>(),
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, ProtocolHandler>(),
  ipcHandlers: new Map<string, Handler>(),
  windows: [] as FakeBrowserWindow[],
  trays: [] as FakeTray[],
  opened: [] as string[],
  errorBoxes: [] as Array<[string, string]>,
  messageBoxes: [] as Array<{ message: string; detail?: string; buttons: string[] }>,
  messageBoxResponse: 0,
  permissionRequest: null as null | ((...args: unknown[]) => void),
  permissionCheck: null as null | ((...args: unknown[]) => boolean),
  senderUrl: 'app://noesis/index.html',
  exposed: new Map<string, unknown>(),
  displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
};

class FakeApp extends EventEmitter {
  isPackaged = false;
  setPath(name: string, value: string) {
    state.paths.set(name, value);
  }
  getPath(name: string) {
    return state.paths.get(name) ?? `/tmp/fake-${name}`;
  }
  requestSingleInstanceLock() {
    return state.lock;
  }
  isReady() {
    return state.ready;
  }
  whenReady() {
    return new Promise<void>((resolve) => {
      if (state.ready) resolve();
      else state.readyResolvers.push(resolve);
    });
  }
  quit() {
    state.quitCalls++;
    const event = fakeEvent();
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    state.quitted = true;
    this.emit('will-quit', fakeEvent());
    this.emit('quit');
  }
  exit(code = 0) {
    state.exitCode = code;
  }
}

export const app = new FakeApp();

class FakeWebContents extends EventEmitter {
  sent: Array<[string, unknown]> = [];
  windowOpenHandler: WindowOpenHandler | null = null;
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
    ipcRendererEmitter.emit(channel, { sender: 'not for the page' }, payload);
  }
  setWindowOpenHandler(handler: WindowOpenHandler) {
    this.windowOpenHandler = handler;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly options: Record<string, unknown>;
  readonly webContents = new FakeWebContents();
  url: string | null = null;
  visible = false;
  focused = 0;
  destroyed = false;
  maximized = false;
  minimized = false;
  bounds: { x: number; y: number; width: number; height: number };

  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
    const size = options as { x?: number; y?: number; width?: number; height?: number };
    this.bounds = {
      x: size.x ?? 100,
      y: size.y ?? 100,
      width: size.width ?? 0,
      height: size.height ?? 0,
    };
    state.windows.push(this);
    app.emit('web-contents-created', fakeEvent(), this.webContents);
  }
  loadURL(url: string) {
    this.url = url;
    return Promise.resolve();
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {
    this.focused++;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  maximize() {
    this.maximized = true;
  }
  isMaximized() {
    return this.maximized;
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  setBounds(bounds: { x: number; y: number; width: number; height: number }) {
    this.bounds = { ...bounds };
    this.emit('move');
  }
  close() {
    const event = fakeEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.emit('closed');
    state.windows = state.windows.filter((window) => window !== this);
    if (state.windows.length === 0) app.emit('window-all-closed');
  }
}

export class FakeTray extends EventEmitter {
  readonly image: unknown;
  menu: { items: MenuTemplateItem[] } | null = null;
  tooltip = '';
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    state.trays.push(this);
  }
  setContextMenu(menu: { items: MenuTemplateItem[] }) {
    this.menu = menu;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  destroy() {
    this.destroyed = true;
  }
}

export const BrowserWindow = FakeBrowserWindow;
export const Tray = FakeTray;
export const Menu = {
  buildFromTemplate: (items: MenuTemplateItem[]) => ({ items }),
};
export const nativeImage = {
  createFromPath: (file: string) => ({ file }),
};
export const protocol = {
  registerSchemesAsPrivileged(schemes: unknown[]) {
    state.schemes.push(...schemes);
  },
  handle(scheme: string, handler: ProtocolHandler) {
    state.protocolHandlers.set(scheme, handler);
  },
};
export const ipcMain = {
  handle(channel: string, handler: Handler) {
    if (state.ipcHandlers.has(channel)) throw new Error(`second handler for ${channel}`);
    state.ipcHandlers.set(channel, handler);
  },
  removeHandler(channel: string) {
    state.ipcHandlers.delete(channel);
  },
};
export const session = {
  defaultSession: {
    setPermissionRequestHandler(handler: (...args: unknown[]) => void) {
      state.permissionRequest = handler;
    },
    setPermissionCheckHandler(handler: (...args: unknown[]) => boolean) {
      state.permissionCheck = handler;
    },
  },
};
export const screen = {
  getAllDisplays: () => state.displays,
};
export const shell = {
  openExternal(url: string) {
    state.opened.push(url);
    return Promise.resolve();
  },
};
export const dialog = {
  showErrorBox(title: string, content: string) {
    state.errorBoxes.push([title, content]);
  },
  /** Records the dialog and answers with `state.messageBoxResponse` (0 = the first button). */
  async showMessageBox(...args: unknown[]) {
    const options = args.at(-1) as { message: string; detail?: string; buttons: string[] };
    state.messageBoxes.push(options);
    return { response: state.messageBoxResponse, checkboxChecked: false };
  },
};

const ipcRendererEmitter = new EventEmitter();
export const ipcRenderer = {
  /** Calls the handler main registered, as from a frame showing `state.senderUrl`. */
  async invoke(channel: string, ...args: unknown[]) {
    const handler = state.ipcHandlers.get(channel);
    if (!handler) {
      throw new Error(
        `Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`,
      );
    }
    // Structured clone, as Electron's IPC does in both directions.
    const event = { senderFrame: { url: state.senderUrl } };
    return structuredClone(await handler(event, ...structuredClone(args)));
  },
  on(channel: string, listener: (...args: unknown[]) => void) {
    ipcRendererEmitter.on(channel, listener);
    return ipcRenderer;
  },
  removeListener(channel: string, listener: (...args: unknown[]) => void) {
    ipcRendererEmitter.removeListener(channel, listener);
    return ipcRenderer;
  },
  listenerCount(channel: string) {
    return ipcRendererEmitter.listenerCount(channel);
  },
};
export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown) {
    state.exposed.set(key, api);
  },
};

export const fake = {
  state,
  /** Makes `app.whenReady()` resolve, as Electron's ready event does. */
  becomeReady() {
    state.ready = true;
    for (const resolve of state.readyResolvers.splice(0)) resolve();
  },
  /** Clears what one test left, keeping every object's identity. */
  reset() {
    app.removeAllListeners();
    ipcRendererEmitter.removeAllListeners();
    Object.assign(state, {
      lock: true,
      ready: false,
      readyResolvers: [],
      quitCalls: 0,
      quitted: false,
      exitCode: null,
      schemes: [],
      windows: [],
      trays: [],
      opened: [],
      errorBoxes: [],
      messageBoxes: [],
      messageBoxResponse: 0,
      permissionRequest: null,
      permissionCheck: null,
      senderUrl: 'app://noesis/index.html',
      displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    });
    state.paths.clear();
    state.protocolHandlers.clear();
    state.ipcHandlers.clear();
  },
};

/** The module as `mock.module` exports it (named exports plus the CommonJS default). */
export function electronModuleExports(): Record<string, unknown> {
  const named = {
    app,
    BrowserWindow,
    Tray,
    Menu,
    nativeImage,
    protocol,
    ipcMain,
    ipcRenderer,
    contextBridge,
    session,
    screen,
    shell,
    dialog,
  };
  return { ...named, default: named };
}
