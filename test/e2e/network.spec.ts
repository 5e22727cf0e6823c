/**
 * The Network page on a real headless node running its embedded local network alone: no peers,
 * the sync state explained in words (it makes its own blocks), its addresses, reachability in
 * plain words, the validator set; keyboard-reachable and axe-clean. Screenshot:
 * test-results/network.png.
 */
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, repoRoot, test } from './fixtures.ts';

test('the Network page of a node alone on its local network', async ({ page, node }) => {
  test.setTimeout(90_000);
  await node.call('wallet.create', { name: 'main', words: 12, password: 'network page 42' });
  await node.call('node.start', {});
  await expect
    .poll(async () => (await node.call('network.status', {})).state, { timeout: 30_000 })
    .toBe('running');
  const status = await node.call('network.status', {});
  expect(status.peerCount).toBe(0);
  expect(status.validators).toHaveLength(1);
  expect(status.addresses.every((a) => a.includes(`/p2p/${status.peerId}`))).toBe(true);

  await page.goto(`${node.url}#/network`);
  await expect(page.getByRole('heading', { level: 1, name: 'Network' })).toBeVisible();
  await expect(page.getByTestId('network-peer-count')).toHaveText('0');
  await expect(page.getByTestId('network-sync-state')).toContainText(
    'this node makes the blocks of its network itself',
  );
  await expect(page.getByTestId('network-no-peers')).toContainText('No peers connected');
  await expect(page.getByTestId('network-addresses')).toContainText('/p2p/12D3Koo');
  await expect(page.getByTestId('network-reachability')).not.toBeEmpty();
  await expect(page.getByTestId('network-validators')).toContainText('100 %');
  await expect
    .poll(async () => Number(await page.getByTestId('network-height').textContent()))
    .toBeGreaterThan(0);

  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await page.screenshot({
    path: path.join(repoRoot, 'test-results', 'network.png'),
    fullPage: true,
  });
});
