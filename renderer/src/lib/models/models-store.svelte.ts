/**
 * The Models page's view of the node: the catalogue (with this machine's hardware and each
 * model's fit), installed models, downloads and the engine. Fetched when the page opens and each
 * time the event link comes back; kept current by `models.download` and `models.engine` events.
 * Actions go through here so a card, the installed list and the "Try it" box see the same state.
 */
import { api, toApiError, type ApiError } from '../api/index.ts';
import type { EventMap, MethodResult } from '../api/client.ts';

export type CatalogView = MethodResult<'models.catalog'>;
export type CatalogModel = CatalogView['models'][number];
export type HardwareInfo = NonNullable<CatalogView['hardware']>;
export type ModelFit = NonNullable<CatalogModel['fit']>;
export type DownloadProgress = EventMap['models.download'];
export type InstalledModel = MethodResult<'models.list'>['installed'][number];
export type EngineStatus = EventMap['models.engine'];

const store = $state<{
  catalog: CatalogView | null;
  catalogError: ApiError | null;
  installed: InstalledModel[];
  listError: ApiError | null;
  /** Latest progress per download id, from `models.list` and then from events. */
  downloads: Record<string, DownloadProgress>;
  engine: EngineStatus | null;
  /** The action running per target (a download id, an installed id, 'engine', 'addUrl'...). */
  pending: Record<string, string>;
  /** The last failed action per target, in the node's error code. */
  errors: Record<string, ApiError>;
  /** Bytes freed by the last delete, shown once. */
  freed: { fileName: string; bytes: number } | null;
}>({
  catalog: null,
  catalogError: null,
  installed: [],
  listError: null,
  downloads: {},
  engine: null,
  pending: {},
  errors: {},
  freed: null,
});

async function refreshCatalog(): Promise<void> {
  try {
    store.catalog = await api.call('models.catalog');
    store.catalogError = null;
  } catch (error) {
    store.catalogError = toApiError(error);
  }
}

async function refreshList(): Promise<void> {
  try {
    const list = await api.call('models.list');
    store.installed = list.installed;
    store.engine = list.engine;
    const downloads: Record<string, DownloadProgress> = {};
    for (const d of list.downloads) downloads[d.id] = d;
    store.downloads = downloads;
    store.listError = null;
  } catch (error) {
    store.listError = toApiError(error);
  }
}

/**
 * The node writes its installed-models index just after it announces a finished download, so
 * the list is asked again a few times until the new file is in it.
 */
async function refreshUntilInstalled(fileName: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    await refreshList();
    if (store.installed.some((m) => m.fileName === fileName)) break;
    await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
  }
  void refreshCatalog();
}

function onDownload(progress: DownloadProgress): void {
  const previous = store.downloads[progress.id];
  store.downloads[progress.id] = progress;
  if (progress.state === 'done' && previous?.state !== 'done') {
    void refreshUntilInstalled(progress.fileName);
  }
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);

/**
 * Applies the snapshot an API call returned. Events for the same download may already have
 * arrived while the call was in flight (a small file can finish, or fail its check, before the
 * answer comes back), so a snapshot never replaces a finished state or one further along.
 */
function onSnapshot(progress: DownloadProgress): void {
  const current = store.downloads[progress.id];
  if (
    current &&
    (FINISHED.has(current.state) ||
      (current.state === 'verifying' && progress.state !== 'verifying') ||
      current.receivedBytes > progress.receivedBytes)
  ) {
    return;
  }
  onDownload(progress);
}

function onEngine(status: EngineStatus): void {
  store.engine = status;
}

/** Runs an action against a target, recording that it is pending and how it failed. */
async function act<T>(target: string, action: string, run: () => Promise<T>): Promise<T | null> {
  if (store.pending[target]) return null;
  store.pending[target] = action;
  delete store.errors[target];
  try {
    return await run();
  } catch (error) {
    store.errors[target] = toApiError(error);
    return null;
  } finally {
    delete store.pending[target];
  }
}

let started = false;

/** Subscribes once, the first time the Models page opens; refreshes on every later open. */
export function startModels(): void {
  if (!started) {
    started = true;
    api.on('models.download', onDownload);
    api.on('models.engine', onEngine);
    api.onConnection((state) => {
      if (state === 'open') void Promise.all([refreshCatalog(), refreshList()]);
    });
  }
  void Promise.all([refreshCatalog(), refreshList()]);
}

export const models = {
  get catalog(): CatalogView | null {
    return store.catalog;
  },
  get catalogError(): ApiError | null {
    return store.catalogError;
  },
  get installed(): InstalledModel[] {
    return store.installed;
  },
  get listError(): ApiError | null {
    return store.listError;
  },
  get downloads(): DownloadProgress[] {
    return Object.values(store.downloads);
  },
  get engine(): EngineStatus | null {
    return store.engine;
  },
  get freed() {
    return store.freed;
  },
  pending(target: string): string | null {
    return store.pending[target] ?? null;
  },
  error(target: string): ApiError | null {
    return store.errors[target] ?? null;
  },
  clearError(target: string): void {
    delete store.errors[target];
  },
  /** The download of a catalogue model, if one was started. */
  downloadOf(modelId: string): DownloadProgress | null {
    return Object.values(store.downloads).find((d) => d.modelId === modelId) ?? null;
  },
  installedOf(modelId: string): InstalledModel | null {
    return store.installed.find((m) => m.catalogId === modelId) ?? null;
  },

  download: (id: string) =>
    act(id, 'download', async () => onSnapshot(await api.call('models.download', { id }))),
  pause: (id: string) =>
    act(id, 'pause', async () => onDownload(await api.call('models.pause', { id }))),
  resume: (id: string) =>
    act(id, 'resume', async () => onDownload(await api.call('models.resume', { id }))),
  cancel: (id: string) =>
    act(id, 'cancel', async () => {
      onDownload(await api.call('models.cancel', { id }));
      delete store.downloads[id];
    }),
  addUrl: (url: string, sha256: string | undefined) =>
    act('addUrl', 'add', async () => {
      const progress = await api.call('models.addUrl', sha256 ? { url, sha256 } : { url });
      onSnapshot(progress);
      return progress;
    }),
  addFile: (path: string) =>
    act('addFile', 'add', async () => {
      const model = await api.call('models.addFile', { path });
      await refreshList();
      void refreshCatalog();
      return model;
    }),
  remove: (model: InstalledModel) =>
    act(model.id, 'delete', async () => {
      const { freedBytes } = await api.call('models.delete', { id: model.id });
      store.freed = { fileName: model.fileName, bytes: freedBytes };
      await refreshList();
      void refreshCatalog();
    }),
  load: (id: string) =>
    act('engine', 'load', async () => {
      await api.call('models.load', { id });
      await refreshList();
    }),
  unload: () =>
    act('engine', 'unload', async () => {
      store.engine = await api.call('models.unload');
    }),
  restartEngine: () =>
    act('engine', 'restart', async () => {
      store.engine = await api.call('models.restartEngine');
    }),
  refresh: () => Promise.all([refreshCatalog(), refreshList()]),
};
