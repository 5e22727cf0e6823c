/**
 * The root `postinstall`: fetches the Electron binary when it is missing, and never fails the
 * install. Where it cannot be downloaded (offline, a registry-only mirror, CI), `npm start` runs
 * the node headless and serves the same UI in the browser, so one line saying so is enough.
 *
 * Skipped when `CI` or `NOESIS_SKIP_ELECTRON_DOWNLOAD` is set. Electron's own install script
 * (`node_modules/electron/install.js`) does the download and its checksum check; this wrapper
 * only bounds its time and turns its failure into that one line.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectron } from '../electron/node/cli/electron-binary.ts';

const DOWNLOAD_TIMEOUT_MS = 300_000;

export type FetchOutcome = 'present' | 'skipped' | 'downloaded' | 'failed';

export interface FetchOptions {
  root?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  print?: (line: string) => void;
}

function binaryPresent(env: NodeJS.ProcessEnv): boolean {
  // Only the binary matters here, not whether this shell has a display.
  const found = findElectron({ ...env, DISPLAY: env.DISPLAY ?? ':0' });
  return found.available;
}

/** Runs Electron's install script with a time limit; resolves whether it succeeded. */
function runInstallScript(script: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ ok: boolean; detail: string }>((resolve) => {
    const child = spawn(process.execPath, [script], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ ok: false, detail: `timed out after ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: error.message });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const firstLine =
        stderr
          .split('\n')
          .map((line) => line.trim())
          .find((line) => line.length > 0) ?? '';
      resolve({
        ok: code === 0,
        detail: code === 0 ? '' : firstLine || `exit ${code ?? signal ?? '?'}`,
      });
    });
  });
}

export async function fetchElectron(options: FetchOptions = {}): Promise<FetchOutcome> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const root = options.root ?? path.resolve(fileURLToPath(new URL('..', import.meta.url)));
  if (binaryPresent(env)) return 'present';
  if (env.CI || env.NOESIS_SKIP_ELECTRON_DOWNLOAD) {
    const why = env.NOESIS_SKIP_ELECTRON_DOWNLOAD ? 'NOESIS_SKIP_ELECTRON_DOWNLOAD' : 'CI';
    print(
      `noesis: ${why} is set, not downloading Electron; npm start will serve the UI in the browser.`,
    );
    return 'skipped';
  }
  const script = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(script)) {
    print('noesis: Electron is not installed; npm start will serve the UI in the browser instead.');
    return 'failed';
  }
  const result = await runInstallScript(script, env, options.timeoutMs ?? DOWNLOAD_TIMEOUT_MS);
  if (result.ok && binaryPresent(env)) return 'downloaded';
  print(
    `noesis: Electron could not be downloaded (${result.detail || 'binary still missing'}); npm start will serve the UI in the browser instead.`,
  );
  return 'failed';
}

if (import.meta.main) {
  // Whatever happens, the install goes on.
  try {
    await fetchElectron();
  } catch (error) {
    process.stdout.write(
      `noesis: Electron check failed (${error instanceof Error ? error.message : String(error)}); npm start will serve the UI in the browser instead.\n`,
    );
  }
  process.exitCode = 0;
}
