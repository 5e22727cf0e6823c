/**
 * Settings › Network against a real headless node: which network the node is on (none before
 * its first wallet, then its own local network with the chain id chain.status reports), the
 * networks of resources/networks (network.available), bootstrap addresses added by keyboard and
 * kept (config.get), a malformed one refused by the page's hint and one the node itself refuses,
 * each leaving the config unchanged, removing one, the mDNS and UPnP switches, French, and an
 * accessibility check on each state.
 */
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, repoRoot, test } from './fixtures.ts';

const PASSWORD = 'correct horse battery 42';
const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';
const GOOD = `/ip4/192.0.2.1/tcp/30333/p2p/${PEER}`;

async function expectNoA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations on ${label}`).toEqual([]);
}

test('network settings: the network, bootstrap addresses (kept, refused, removed), discovery switches', async ({
  page,
  node,
}) => {
  test.setTimeout(90_000);
  await page.goto(`${node.url}#/settings`);
  const section = page.getByTestId('settings-network');
  await expect(section.getByRole('heading', { name: 'Network', level: 2 })).toBeVisible();
  await expect(section.getByTestId('network-current')).toContainText('No network yet');
  const local = section.locator('[data-testid="network-option"][data-network="local"]');
  await expect(local).toContainText('Local network (this computer only)');
  await expect(local).toHaveAttribute('data-current', 'false');
  await expect(local).toContainText('Chosen by default');
  await expect(section.getByTestId('bootstrap-none')).toBeVisible();
  await expectNoA11yViolations(page, 'settings: network, fresh node');

  // --- A valid address, typed and sent by keyboard: saved, listed, and in config.get.
  const input = page.getByLabel('Add a bootstrap address');
  await input.fill(GOOD);
  await input.press('Enter');
  const listed = section.getByTestId('bootstrap-address');
  await expect(listed).toHaveCount(1);
  await expect(listed.locator('code')).toHaveText(GOOD);
  await expect(section.getByTestId('network-saved')).toHaveText(
    'Saved. Takes effect when the node restarts.',
  );
  await expect(input).toHaveValue('');
  expect((await node.call('config.get', {})).p2p.bootstrap).toEqual([GOOD]);

  // --- No peer id: the page's hint says why and asks the node nothing.
  await input.fill('/ip4/192.0.2.7/tcp/30333');
  await expect(section.getByTestId('bootstrap-hint')).toHaveText(
    'The address must end in /p2p/ followed by the node’s peer id (12D3KooW…).',
  );
  await section.getByTestId('bootstrap-add').click();
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(section.getByTestId('bootstrap-hint')).toHaveText(
    'The address must end in /p2p/ followed by the node’s peer id (12D3KooW…).',
  );
  expect((await node.call('config.get', {})).p2p.bootstrap).toEqual([GOOD]);

  // --- Looks right but is not an address (no such IPv4): the node's own check refuses it.
  const bad = `/ip4/999.0.2.1/tcp/30333/p2p/${PEER}`;
  await input.fill(bad);
  await expect(section.getByTestId('bootstrap-hint')).not.toHaveClass(/error/);
  await section.getByTestId('bootstrap-add').click();
  await expect(section.getByTestId('bootstrap-hint')).toHaveText(
    'The node refused this address: that is not a bootstrap address: it must be a node’s address ending in /p2p/ and its peer id.',
  );
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(input).toHaveValue(bad);
  await expect(listed).toHaveCount(1);
  expect((await node.call('config.get', {})).p2p.bootstrap).toEqual([GOOD]);
  await expectNoA11yViolations(page, 'settings: a refused bootstrap address');

  // --- Kept across a reload (it is the node's config, not the page's).
  await page.reload();
  await expect(listed.locator('code')).toHaveText(GOOD);

  // --- The switches.
  await section.getByLabel('Find nodes on this local network by themselves (mDNS)').uncheck();
  await expect.poll(async () => (await node.call('config.get', {})).p2p.mdns).toBe(false);
  await section.getByLabel('Ask the home router to open the node’s port (UPnP)').uncheck();
  await expect.poll(async () => (await node.call('config.get', {})).p2p.upnp).toBe(false);
  expect((await node.call('config.get', {})).p2p.enabled).toBe(true);

  // --- Removing it.
  await section.getByRole('button', { name: `Remove bootstrap address ${GOOD}` }).click();
  await expect(section.getByTestId('bootstrap-none')).toBeVisible();
  expect((await node.call('config.get', {})).p2p.bootstrap).toEqual([]);

  // --- With a wallet the node makes its own local network: the page names it and its chain id.
  await node.call('wallet.create', { name: 'main', words: 12, password: PASSWORD });
  await node.call('node.start', {});
  await expect
    .poll(async () => (await node.call('chain.status', {})).height, { timeout: 30_000 })
    .toBeGreaterThan(0);
  const chainId = (await node.call('chain.status', {})).chainId!;
  const networks = await node.call('network.available', {});
  expect(networks.find((n) => n.id === 'local')).toMatchObject({ current: true, chainId });
  await page.reload();
  await expect(local).toHaveAttribute('data-current', 'true');
  await expect(local.getByTestId('network-current-badge')).toHaveText('This node’s network');
  await expect(section.getByTestId('network-current')).toContainText(
    'Local network (this computer only).',
  );
  await expect(section.getByTestId('network-chain-id')).toHaveText(chainId);
  await expect(section.getByTestId('network-join')).toHaveCount(0);
  await expectNoA11yViolations(page, 'settings: network, on the local network');
  await section.screenshot({ path: path.join(repoRoot, 'test-results', 'settings-network.png') });

  await page.emulateMedia({ colorScheme: 'dark' });
  await expectNoA11yViolations(page, 'settings: network, dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // --- French.
  await page.evaluate(() => localStorage.setItem('noesis.locale', 'fr'));
  await page.reload();
  await expect(section.getByRole('heading', { name: 'Réseau', level: 2 })).toBeVisible();
  await expect(local.getByTestId('network-current-badge')).toHaveText('Réseau de ce nœud');
  await page.getByLabel('Ajouter une adresse d’amorçage').fill('/ip4/192.0.2.7/tcp/30333');
  await expect(section.getByTestId('bootstrap-hint')).toContainText(
    'L’adresse doit se terminer par /p2p/',
  );
  await expectNoA11yViolations(page, 'settings: network, French');
});
