/**
 * The desktop app itself, through Playwright's `_electron`: runs wherever the Electron binary
 * and a display exist, and is reported as skipped with the reason everywhere else (on a machine
 * that can only reach the npm registry the binary is never downloaded). It builds the main
 * process bundle, launches it on a temporary data folder, checks that the page sees only
 * `window.noesis`, and clicks Start node until the Node page says Running.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, expect, test, type ElectronApplication } from '@playwright/test';
import { findElectron } from '../../electron/node/cli/electron-binary.ts';
import { buildElectron } from '../../scripts/build-electron.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const electron = findElectron();
const mainJs = path.join(repoRoot, 'dist', 'electron', 'main.js');

test.describe('desktop app (Electron)', () => {
  test.skip(
    !electron.available,
    electron.available ? '' : `Electron cannot run here: ${electron.reason}`,
  );

  let app: ElectronApplication | null = null;
  let dataDir = '';

  test.beforeAll(async () => {
    await buildElectron();
  });

  test.afterEach(async () => {
    await app?.close();
    app = null;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('opens on the Node page, exposes only window.noesis, and Start node runs the node', async () => {
    if (!electron.available) return;
    test.skip(
      !existsSync(path.join(repoRoot, 'dist', 'renderer', 'index.html')),
      'the renderer is not built',
    );
    dataDir = await mkdtemp(path.join(tmpdir(), 'noesis-electron-'));
    await writeFile(
      path.join(dataDir, 'config.json'),
      JSON.stringify({ node: { autoStart: false } }),
    );
    const args = [mainJs, '--data-dir', dataDir];
    // Containers run as root, where Chromium refuses its own sandbox.
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    app = await _electron.launch({ executablePath: electron.binary, args, cwd: repoRoot });
    const page = await app.firstWindow();
    await expect(page).toHaveURL(/^app:\/\/noesis\//);

    const surface = await page.evaluate(() => {
      const scope = globalThis as unknown as Record<string, unknown>;
      const bridge = scope.noesis as Record<string, unknown> | undefined;
      return {
        bridge: bridge ? Object.keys(bridge).sort() : null,
        require: typeof scope.require,
        process: typeof scope.process,
        electron: typeof scope.electron,
      };
    });
    expect(surface).toEqual({
      bridge: ['call', 'onEvent'],
      require: 'undefined',
      process: 'undefined',
      electron: 'undefined',
    });

    const state = page.getByTestId('node-state');
    await expect(state).toHaveText('Stopped');
    await page.getByRole('button', { name: 'Start node' }).click();
    await expect(state).toHaveText('Running');
    const status = await page.evaluate(() =>
      (
        globalThis as unknown as {
          noesis: { call(m: string, i: unknown): Promise<{ state: string }> };
        }
      ).noesis.call('node.status', {}),
    );
    expect(status.state).toBe('running');
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'electron-node-page.png') });
  });
});
