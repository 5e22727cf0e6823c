/**
 * The Earnings page on a real headless node: a wallet created through the API, its local network
 * written with a short tempo (epochs every second instead of every minute), the node started,
 * a few epochs run; then the chart (and its text alternative), the per-key figures with reasons,
 * the metagraph with the user's neuron highlighted and sortable, the APY formula, CSV export,
 * and axe.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, repoRoot, test } from './fixtures.ts';
import { writeShortEpochChain } from '../helpers/short-epoch-chain.ts';

const PASSWORD = 'correct horse battery 42';

test('earnings: chart, reasons, metagraph with my neuron, APY, CSV, accessible', async ({
  page,
  node,
}) => {
  test.setTimeout(60_000);
  const { wallet } = await node.call('wallet.create', { name: 'main', password: PASSWORD });
  const hotkey = wallet.hotkeys[0]!.address;
  await writeShortEpochChain(node.dataDir, wallet.coldkey.address, hotkey);
  await node.call('node.start', {});
  await expect
    .poll(async () => (await node.call('chain.status', {})).height, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(14); // tempo 4: three epochs at least

  await page.goto(`${node.url}#/earnings`);
  await expect(page.getByRole('heading', { level: 1, name: 'Earnings' })).toBeVisible();
  await expect(page.getByTestId('earnings-coldkey')).toBeVisible();
  // The only validator earns dividends; it mines nothing, and the page says why.
  await expect(page.getByTestId('zero-reason').first()).toBeVisible();
  await expect(page.getByText('Zero: no validator has given it weight yet.').first()).toBeVisible();
  // …and points to where the miner's side of it shows.
  await expect(
    page.getByRole('link', { name: 'See the miner’s figures on the Node page' }).first(),
  ).toHaveAttribute('href', '#/node');
  const chart = page.getByTestId('earnings-chart');
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('aria-label', /\d+ epochs, [\d.,]+ TAO earned/);
  expect(
    await page.getByTestId('earnings-chart-table').locator('tbody tr').count(),
  ).toBeGreaterThanOrEqual(3);

  // My neuron is highlighted in the metagraph; sorting works from the keyboard.
  const mine = page.getByTestId('metagraph-mine');
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText('yours');
  const stakeHeader = page
    .getByTestId('metagraph-table')
    .getByRole('columnheader', { name: /Stake/ });
  await expect(stakeHeader).toHaveAttribute('aria-sort', 'none');
  await stakeHeader.getByRole('button').focus();
  await page.keyboard.press('Enter');
  await expect(stakeHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(page.getByTestId('apy-formula')).toContainText('APY = (1 + r)');

  // Toggles: cumulative, a range, then the hotkey with its rank/trust/incentive chart.
  await page.getByRole('button', { name: 'Cumulative' }).click();
  await expect(page.getByRole('button', { name: 'Cumulative' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await page.getByRole('button', { name: '24 h' }).click();
  await expect(chart).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const file = await (await download).path();
  const csv = await readFile(file, 'utf8');
  expect(csv.split('\n')[0]).toBe(
    'block,time_utc,netuid,earned_rao,earned_tao,cumulative_rao,rank,trust,incentive,dividends',
  );
  expect(csv.trim().split('\n').length).toBeGreaterThanOrEqual(4);

  await page.getByTestId('earnings-key').selectOption({ index: 1 });
  await expect(page.getByTestId('metrics-chart')).toBeVisible();

  const results = await new AxeBuilder({ page }).analyze();
  expect(
    results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
  await page.getByRole('button', { name: 'Per epoch' }).click();
  // The shell scrolls inside <main>: a tall viewport shows the whole page in one image.
  await page.setViewportSize({ width: 1200, height: 2000 });
  await page.screenshot({
    path: path.join(repoRoot, 'test-results', 'earnings.png'),
    fullPage: true,
  });
});
