/**
 * The chain UI against a real headless node and its embedded local network: the wallet's
 * balance (the 1,000 TAO genesis grant), amounts typed and checked exactly, a transfer that the
 * node's confirmation dialog shows in full (rejected: nothing moves; approved: pending, then
 * included, and both balances move by exactly the amount and the fee), the Explorer (latest
 * blocks, block, transaction, search by address, height and hash), staking to the validator,
 * and an accessibility check on each page and on the dialog.
 */
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, repoRoot, test, type RunningNode } from './fixtures.ts';

const PASSWORD = 'correct horse battery 42';
const RAO = 1_000_000_000n;
const GENESIS_FREE = 1000n * RAO;
const FEE = 100_000n; // the chain's minimum fee, 0.0001 TAO, which the UI shows and pays

async function expectNoA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations on ${label}`).toEqual([]);
}

async function free(node: RunningNode, address: string): Promise<bigint> {
  return BigInt((await node.call('chain.balance', { address })).free);
}

test('wallet balance, send with confirmation (reject, then approve), explorer, stake', async ({
  page,
  node,
}) => {
  test.setTimeout(120_000);
  // The local network funds the first wallet; a second one receives.
  await node.call('wallet.create', { name: 'main', words: 12, password: PASSWORD });
  await node.call('wallet.create', { name: 'second', words: 12, password: PASSWORD });
  const { wallets } = await node.call('wallet.list', {});
  const main = wallets.find((w) => w.name === 'main')!;
  const second = wallets.find((w) => w.name === 'second')!;
  await node.call('node.start', {});
  await expect
    .poll(async () => (await node.call('chain.status', {})).height, { timeout: 30_000 })
    .toBeGreaterThan(0);
  expect(await free(node, main.coldkey.address)).toBe(GENESIS_FREE);

  // --- Wallet: the genesis grant, live from the chain.
  await page.goto(`${node.url}#/wallet`);
  const card = page.locator('[data-testid="wallet-card"][data-wallet="main"]');
  await expect(card.getByTestId('balance-free')).toHaveText('1,000 TAO');
  await expect(card.getByTestId('balance-free')).toHaveAttribute('data-rao', String(GENESIS_FREE));
  await expect(card.getByTestId('balance-staked')).toContainText('TAO');
  await expectNoA11yViolations(page, 'wallet with balance');

  // --- The send form checks what is typed, with string arithmetic only.
  await card.getByTestId('send-open').click();
  const to = card.getByTestId('send-to');
  const amount = card.getByTestId('send-amount');
  await to.fill('not an address');
  await expect(card.getByText('This does not look like an address')).toBeVisible();
  await to.fill(second.coldkey.address);
  await amount.fill('1.0000000001');
  await expect(card.getByText('At most 9 decimals')).toBeVisible();
  await amount.fill('abc');
  await expect(card.getByText('Use digits and one decimal point')).toBeVisible();
  await amount.fill('0');
  await expect(card.getByText('The amount must be more than zero.')).toBeVisible();
  await amount.fill('1000');
  await expect(card.getByText('More than this wallet has: 1,000 TAO available')).toBeVisible();
  await amount.fill('0.000000001');
  await expect(card.getByTestId('send-total')).toHaveText('0.000100001 TAO');
  await amount.fill('1,5');
  await expect(card.getByTestId('send-fee')).toContainText('0.0001 TAO');
  await expect(card.getByTestId('send-total')).toHaveText('1.5001 TAO');
  await card.getByTestId('send-password').fill(PASSWORD);
  await expectNoA11yViolations(page, 'send form');

  // --- Send → the node's own confirmation, shown in full; Escape rejects.
  await card.getByTestId('send-submit').click();
  const dialog = page.getByRole('dialog', { name: 'Send TAO' });
  await expect(dialog).toBeVisible();
  const line = (label: string) =>
    dialog.locator(`[data-testid="confirm-line"][data-label="${label}"]`);
  await expect(line('To')).toHaveText(second.coldkey.address);
  await expect(line('Amount')).toHaveText('1.5 TAO');
  await expect(line('Fee')).toHaveText('0.0001 TAO');
  await expect(line('From')).toContainText(main.coldkey.address);
  await expect(dialog.getByTestId('confirm-reject')).toBeFocused();
  await expectNoA11yViolations(page, 'confirmation dialog');
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'send-confirm.png') });
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(card.getByTestId('send-progress-error')).toHaveText(
    'Not approved: nothing was signed or sent.',
  );
  expect(await free(node, main.coldkey.address)).toBe(GENESIS_FREE);
  expect(await free(node, second.coldkey.address)).toBe(0n);
  expect((await node.call('chain.status', {})).mempool).toBe(0);

  // --- Send again and approve: pending, then included in a block.
  await card.getByTestId('send-submit').click();
  await expect(dialog).toBeVisible();
  await expect(line('Amount')).toHaveText('1.5 TAO');
  await dialog.getByRole('button', { name: 'Approve and sign' }).click();
  await expect(dialog).toBeHidden();
  const progress = card.getByTestId('send-progress');
  await expect(progress.locator('[data-state="pending"]')).toBeVisible();
  await expect(progress.locator('[data-state="included"]')).toBeVisible({ timeout: 15_000 });
  const txLink = card.getByTestId('send-progress-hash');
  const txHash = (await txLink.getAttribute('href'))!.split('/').pop()!;
  expect(txHash).toMatch(/^[0-9a-f]{64}$/);
  const tx = await node.call('chain.tx', { hash: txHash });
  expect(tx.status).toBe('included');
  expect(tx.amount).toBe(String(15n * (RAO / 10n)));
  expect(tx.fee).toBe(String(FEE));
  expect(await free(node, main.coldkey.address)).toBe(GENESIS_FREE - 1_500_000_000n - FEE);
  expect(await free(node, second.coldkey.address)).toBe(1_500_000_000n);
  await expect(card.getByTestId('balance-free')).toHaveText('998.4999 TAO');
  const sent = card.locator(`[data-testid="history-row"][data-hash="${txHash}"]`);
  await expect(sent).toHaveAttribute('data-direction', 'out');
  await expect(sent.getByTestId('history-amount')).toHaveText('−1.5 TAO');
  const secondCard = page.locator('[data-testid="wallet-card"][data-wallet="second"]');
  await expect(secondCard.getByTestId('balance-free')).toHaveText('1.5 TAO');
  await card.getByTestId('wallet-funds').screenshot({
    path: path.join(repoRoot, 'test-results', 'wallet-funds.png'),
  });

  // --- Explorer: the transaction, its block, the latest blocks, and search.
  await txLink.click();
  const txDetail = page.getByTestId('tx-detail');
  await expect(txDetail.getByTestId('tx-hash')).toHaveText(txHash);
  await expect(txDetail.getByTestId('tx-amount')).toHaveText('1.5 TAO');
  await expect(txDetail.getByTestId('tx-fee')).toHaveText('0.0001 TAO');
  await expect(txDetail.getByTestId('tx-to')).toHaveText(second.coldkey.address);
  await expect(txDetail.getByTestId('tx-block')).toHaveText(String(tx.height));
  await expectNoA11yViolations(page, 'explorer: transaction');
  await txDetail.getByTestId('tx-block').click();
  const blockDetail = page.getByTestId('block-detail');
  await expect(blockDetail.getByRole('heading', { name: `Block ${tx.height}` })).toBeVisible();
  await expect(
    blockDetail.locator(`[data-testid="block-tx"][data-hash="${txHash}"]`),
  ).toBeVisible();
  await expectNoA11yViolations(page, 'explorer: block');

  await page.getByRole('link', { name: 'Back to the latest blocks' }).click();
  const latest = page.getByTestId('latest-blocks');
  await expect(latest.getByTestId('block-row').first()).toBeVisible();
  const tip = (await node.call('chain.status', {})).height;
  await expect(
    latest
      .locator(`[data-height="${tip}"]`)
      .or(latest.locator(`[data-height="${tip + 1}"]`))
      .first(),
  ).toBeVisible();
  await expectNoA11yViolations(page, 'explorer: latest blocks');

  const search = page.getByTestId('explorer-search');
  await search.fill(second.coldkey.address);
  await search.press('Enter');
  await expect(page.getByTestId('address-free')).toHaveText('1.5 TAO');
  await expect(page.locator(`[data-testid="history-row"][data-hash="${txHash}"]`)).toHaveAttribute(
    'data-direction',
    'in',
  );
  await search.fill(String(tx.height));
  await search.press('Enter');
  await expect(page.getByTestId('block-detail')).toContainText(`Block ${tx.height}`);
  await search.fill(txHash);
  await search.press('Enter');
  await expect(page.getByTestId('tx-hash')).toHaveText(txHash);
  await search.fill('nonsense');
  await search.press('Enter');
  await expect(page.getByText('That is not an address, a block height')).toBeVisible();
  await page.goto(`${node.url}#/explorer`);
  // A new block arrives while the page is open: it appears without a reload.
  const before = (await node.call('chain.status', {})).height;
  await expect(latest.locator(`[data-height="${before + 1}"]`)).toBeVisible({ timeout: 10_000 });
  await expect(latest.locator(`[data-height="${tx.height}"] [data-testid="block-txs"]`)).toHaveText(
    '1',
  );
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'explorer.png') });

  // --- Stake 10 TAO to the validator (the main wallet's hotkey) through the same confirmation.
  const hotkey = main.hotkeys[0]!.address;
  const freeBefore = await free(node, main.coldkey.address);
  const stakeBefore = BigInt(
    (await node.call('chain.balance', { address: main.coldkey.address })).stakes.find(
      (s) => s.hotkey === hotkey,
    )?.amount ?? '0',
  );
  await page.getByRole('link', { name: 'Stake', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Stake');
  const row = page.locator(`[data-testid="validator-row"][data-hotkey="${hotkey}"]`);
  await expect(row).toBeVisible();
  await expectNoA11yViolations(page, 'stake');
  await row.getByRole('button', { name: /^Stake to / }).click();
  await expect(page.getByTestId('stake-amount')).toBeFocused();
  await page.getByTestId('stake-amount').fill('10');
  await page.getByTestId('stake-submit').click();
  const stakeDialog = page.getByRole('dialog', { name: 'Stake TAO' });
  await expect(stakeDialog).toBeVisible();
  await expect(stakeDialog.locator('[data-testid="confirm-line"][data-label="Hotkey"]')).toHaveText(
    hotkey,
  );
  await expect(stakeDialog.locator('[data-testid="confirm-line"][data-label="Amount"]')).toHaveText(
    '10 TAO',
  );
  await stakeDialog.getByRole('button', { name: 'Approve and sign' }).click();
  await expect(page.getByTestId('stake-progress').locator('[data-state="included"]')).toBeVisible({
    timeout: 15_000,
  });
  expect(await free(node, main.coldkey.address)).toBe(freeBefore - 10n * RAO - FEE);
  const after = await node.call('chain.balance', { address: main.coldkey.address });
  const stakeAfter = BigInt(after.stakes.find((s) => s.hotkey === hotkey)?.amount ?? '0');
  expect(stakeAfter - stakeBefore >= 10n * RAO).toBe(true);
  await expect(row.getByTestId('validator-yours')).not.toHaveText('0 TAO');
  await expect(page.getByTestId('stake-free')).toHaveText('988.4998 TAO');
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'stake.png'), fullPage: true });
  await expectNoA11yViolations(page, 'stake after staking');
});
