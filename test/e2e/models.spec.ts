/**
 * The Models page against a real headless node: the catalogue with this machine's fit in words,
 * a tiny GGUF model (written by the test fixture) added by address from a local HTTP server,
 * its progress then "Verified", loading it and a streamed answer in "Try it", a corrupt download
 * refused in plain words, a non-GGUF local file refused, and an accessibility check.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { buildTinyLlama } from '../fixtures/gguf/index.ts';
import { startTestServer, type TestServer } from '../fixtures/http-server.ts';
import { expect, repoRoot, test } from './fixtures.ts';

async function expectNoA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations on ${label}`).toEqual([]);
}

const MODEL = buildTinyLlama({ seed: 21 });
const MODEL_SHA256 = createHash('sha256').update(MODEL).digest('hex');

let server: TestServer;
let tmp: string;

test.beforeAll(async () => {
  server = await startTestServer();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'noesis-models-e2e-'));
});

test.afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

async function openModels(page: Page, url: string, origin: string): Promise<void> {
  await page.goto(url);
  await page.goto(`${origin}/#/models`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Models');
  // Hardware detection starts the engine process: allow it time on a slow machine.
  await expect(page.getByTestId('models-catalog')).toBeVisible({ timeout: 30_000 });
}

test('the catalogue shows each model with its fit in words, the best fit first', async ({
  page,
  node,
}) => {
  test.setTimeout(60_000);
  await openModels(page, node.url, node.origin);
  const catalog = await node.call('models.catalog', {});

  const cards = page.getByTestId('model-card');
  await expect(cards).toHaveCount(catalog.models.length);
  for (const card of await cards.all()) {
    await expect(card.getByTestId('model-fit-word')).toHaveText(
      /^(Fits on the GPU|Fits: partly on the GPU|Fits on the CPU|Too big for this computer)$/,
    );
    await expect(card.getByRole('button', { name: /^Download / })).toBeVisible();
  }

  if (catalog.hardware?.gpu.kind === 'none') {
    await expect(page.getByTestId('models-gpu')).toContainText(
      'No GPU found: models run on the CPU.',
    );
    // No card claims the GPU on a machine without one.
    await expect(page.getByText('Fits on the GPU', { exact: true })).toHaveCount(0);
  }
  if (catalog.recommendedId) {
    const first = cards.first();
    await expect(first).toHaveAttribute('data-model-id', catalog.recommendedId);
    await expect(first.getByTestId('model-recommended')).toHaveText('Best fit');
  }
  await expectNoA11yViolations(page, 'models catalogue');
});

test('a model added by address downloads with progress, is verified, loads and answers', async ({
  page,
  node,
}) => {
  test.setTimeout(90_000);
  // About three seconds of download, so the progress bar is seen moving.
  server.route('/tiny-llama.gguf', { body: MODEL, throttle: 200_000 });
  await openModels(page, node.url, node.origin);

  await page
    .getByLabel('Address of a .gguf file (http or https)')
    .fill(`${server.url}/tiny-llama.gguf`);
  await page.getByLabel('Expected SHA-256 (optional)').fill(MODEL_SHA256);
  await page.getByRole('button', { name: 'Download from this address' }).click();

  const download = page.getByTestId('url-download');
  await expect(
    download.getByRole('progressbar', { name: /Downloading tiny-llama\.gguf/ }),
  ).toBeVisible();
  await expect(download.getByTestId('download-text')).toContainText(/\d+ %|left|Checking/);
  await expect(download.getByRole('button', { name: 'Pause' })).toBeVisible();
  await download.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'models-download.png') });

  const installed = page.getByTestId('installed-model');
  await expect(installed).toHaveCount(1, { timeout: 30_000 });
  await expect(installed.getByTestId('model-verified')).toHaveText('Verified');
  await expect(download).toHaveCount(0);
  const list = await node.call('models.list', {});
  expect(list.installed.map((m) => [m.fileName, m.sha256, m.verifiedBy])).toEqual([
    ['tiny-llama.gguf', MODEL_SHA256, 'sha256'],
  ]);

  await installed.getByRole('button', { name: 'Load tiny-llama.gguf' }).click();
  await expect(installed.getByTestId('model-loaded')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('models-engine')).toContainText('on the CPU');
  // The engine's default thread count (all cores) crawls at a few tokens/s when other processes
  // share this machine's two cores; reload the same model on one thread, as the engine tests do.
  // The page follows the engine's events.
  await node.call('models.load', { id: list.installed[0]!.id, threads: 1 });
  await expect(installed.getByTestId('model-loaded')).toBeVisible();

  const tryIt = page.getByTestId('models-try');
  // The random test model has no chat template: complete the raw text.
  await tryIt.getByLabel('Use the model’s chat template').uncheck();
  await tryIt.getByLabel('Prompt').fill('Once upon a time');
  await tryIt.getByRole('button', { name: 'Send' }).click();
  await expect(tryIt.getByTestId('models-try-answer')).not.toBeEmpty({ timeout: 30_000 });
  await expect(tryIt.getByTestId('models-try-stats')).toContainText(
    /\d+ tokens · [\d.,]+ tokens\/s/,
    { timeout: 15_000 },
  );
  await expect(tryIt.getByTestId('models-try-stats')).toContainText(/first token after \d+ ms/);
  await expect(tryIt.getByTestId('models-try-error')).toHaveCount(0);

  await expectNoA11yViolations(page, 'models with a loaded model');
  // The page scrolls inside <main>, not the document: a tall window shows all of it.
  await page.setViewportSize({ width: 1200, height: 3000 });
  await page.locator('#page-title').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'models-page.png') });
  await page.setViewportSize({ width: 1200, height: 780 });

  await installed.getByRole('button', { name: 'Unload' }).click();
  await expect(page.getByTestId('models-engine')).toContainText('No model loaded');
  await expect(tryIt.getByTestId('models-try-none')).toBeVisible();

  // Delete asks first, then says how much space it freed.
  await installed.getByRole('button', { name: /^Delete tiny-llama\.gguf/ }).click();
  await expect(installed).toContainText(/This frees 60\d kB/);
  await installed.getByTestId('model-delete-confirm').click();
  await expect(page.getByTestId('models-freed')).toContainText('Deleted tiny-llama.gguf');
  await expect(installed).toHaveCount(0);
  expect((await node.call('models.list', {})).installed).toEqual([]);
});

test('a corrupt download and a file that is not GGUF are refused in plain words', async ({
  page,
  node,
}) => {
  test.setTimeout(60_000);
  // The server flips a byte; the expected SHA-256 is the true file's.
  server.route('/corrupt.gguf', { body: MODEL, corrupt: true });
  await openModels(page, node.url, node.origin);

  await page
    .getByLabel('Address of a .gguf file (http or https)')
    .fill(`${server.url}/corrupt.gguf`);
  await page.getByLabel('Expected SHA-256 (optional)').fill(MODEL_SHA256);
  await page.getByRole('button', { name: 'Download from this address' }).click();
  const error = page.getByTestId('url-download').getByTestId('download-error');
  await expect(error).toContainText('the file arrived corrupt', { timeout: 30_000 });
  await expect(error).toContainText('so it was removed');
  await expect(page.getByTestId('models-none')).toBeVisible();
  expect((await node.call('models.list', {})).installed).toEqual([]);

  const notGguf = path.join(tmp, 'notes.gguf');
  await writeFile(notGguf, 'these are not the weights you are looking for\n'.repeat(10));
  await page.getByLabel('Path of a .gguf file').fill(notGguf);
  await page.getByRole('button', { name: 'Add this file' }).click();
  await expect(page.getByTestId('models-add-file-error')).toHaveText(
    'this file is not a GGUF model, so it was refused.',
  );
  expect((await node.call('models.list', {})).installed).toEqual([]);
  await expectNoA11yViolations(page, 'models with errors');
});
