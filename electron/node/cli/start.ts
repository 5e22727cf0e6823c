/**
 * `noesis start`: opens the desktop app, or, with `--headless` or where Electron cannot start,
 * runs the node headless and serves the UI on 127.0.0.1, printing
 * `web ui: http://127.0.0.1:PORT/?token=TOKEN` on its own line once the server listens.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultDataDir } from '../data-dir.ts';
import { startHeadless } from '../headless.ts';
import { findElectron } from './electron-binary.ts';
import { prepareJoin } from '../network/join.ts';

export interface StartOptions {
  dataDir?: string | undefined;
  port?: number | undefined;
  host?: string | undefined;
  headless?: boolean | undefined;
  /** Join the network this genesis file defines (written into the data folder). */
  genesis?: string | undefined;
  /** Peers to dial, each …/p2p/<peerId> (added to the p2p.bootstrap setting). */
  bootstrap?: string[] | undefined;
}

const ELECTRON_MAIN = fileURLToPath(new URL('../../../dist/electron/main.js', import.meta.url));

export async function runStart(options: StartOptions): Promise<number> {
  const dataDir = options.dataDir ?? defaultDataDir();
  await prepareJoin({ dataDir, genesisFile: options.genesis, bootstrap: options.bootstrap });
  if (!options.headless) {
    const electron = findElectron();
    if (electron.available) return runElectron(electron.binary, dataDir, options);
    process.stdout.write(
      `Desktop window unavailable: ${electron.reason}; running headless, open the web UI below.\n`,
    );
  }
  const node = await startHeadless({ dataDir, port: options.port, host: options.host });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    node.runtime.logs.logger.info({ signal }, 'shutdown requested');
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Printed only once the signal handlers are in place, so a script that reads this line and
  // then stops the node always gets an orderly shutdown.
  process.stdout.write(`web ui: ${node.server.url}\n`);
  await node.runtime.autoStart();
  return new Promise<number>(() => undefined);
}

function runElectron(binary: string, dataDir: string, options: StartOptions): Promise<number> {
  const args = [ELECTRON_MAIN, '--data-dir', dataDir];
  if (options.port !== undefined) args.push('--port', String(options.port));
  const child = spawn(binary, args, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}
