/**
 * Helper process for the kill test in models-download.test.ts: starts a download and reports its
 * progress to the parent, which kills it with SIGKILL mid-download. Not a test by itself.
 */
import { ModelDownloader } from '../../electron/node/inference/downloader.ts';

const [modelsDir, url, sha256] = process.argv.slice(2) as [string, string, string];
const downloader = new ModelDownloader({ modelsDir, progressIntervalMs: 0, spaceMarginBytes: 0 });
downloader.on('progress', (p) => process.send?.({ received: p.receivedBytes }));
await downloader.start({ id: 'killed', url, fileName: 'killed.gguf', sha256 });
await new Promise(() => undefined);
