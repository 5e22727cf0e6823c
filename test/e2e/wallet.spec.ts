/**
 * The wallet UI against a real headless node: the onboarding wizard (create with the words
 * asked back, import with words checked as they are typed), the Wallet page (addresses as the
 * API gives them, copy, QR, unlock with a wrong then right password, unreadable keystores), and
 * an accessibility check on each step.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, repoRoot, test } from './fixtures.ts';

const PASSWORD = 'correct horse battery 42';
/** The BIP-39 test vector "abandon" × 11 + "about" (entropy 0x00…00). */
const ABANDON = `${'abandon '.repeat(11)}about`;

async function expectNoA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations on ${label}`).toEqual([]);
}

async function fillPasswords(page: Page, id: string, password: string): Promise<void> {
  await page.getByTestId(`${id}-password`).fill(password);
  await page.getByTestId(`${id}-confirm`).fill(password);
}

test('first run: create a wallet, write the words down, answer three of them, see it listed', async ({
  page,
  node,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: node.origin });
  await page.goto(node.url);
  // No wallet yet: every page points to the wallet setup.
  await expect(page.getByTestId('first-run-banner')).toBeVisible();
  await page.getByRole('link', { name: 'Set up a wallet' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Wallet');
  await expect(page.getByRole('heading', { name: 'Set up your wallet' })).toBeVisible();
  await expect(page.getByTestId('first-run-banner')).toHaveCount(0);
  await expectNoA11yViolations(page, 'onboarding: choose');

  await page.getByTestId('choose-create').click();
  await page.getByLabel('Wallet name').fill('main');
  await page.getByLabel('12 words').check();
  await page.getByTestId('create-password').fill('abc');
  await expect(page.getByText('Too short: use at least 8 characters.')).toBeVisible();
  await fillPasswords(page, 'create', PASSWORD);
  await expect(page.getByTestId('create-strength')).toContainText(/Strong|Very strong/);
  await expectNoA11yViolations(page, 'onboarding: create form');

  await page.getByRole('button', { name: 'Create wallet' }).click();
  const grid = page.getByTestId('mnemonic-words');
  await expect(grid).toBeVisible();
  const words = await grid.getByTestId('mnemonic-word').allInnerTexts();
  expect(words).toHaveLength(12);
  // No copy button next to the words: they go on paper.
  await expect(page.getByTestId('onboarding').getByRole('button', { name: /copy/i })).toHaveCount(
    0,
  );
  await expect(page.getByText('These words are shown only once.')).toBeVisible();
  await expectNoA11yViolations(page, 'onboarding: words');
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'onboarding.png') });

  const next = page.getByRole('button', { name: 'Next' });
  await expect(next).toBeDisabled();
  await page.getByTestId('wrote-down').check();
  await next.click();

  const answers = page.getByTestId('quiz-answer');
  await expect(answers).toHaveCount(3);
  const positions: number[] = [];
  for (let i = 0; i < 3; i++) {
    positions.push(Number(await answers.nth(i).getAttribute('data-position')));
  }
  expect(new Set(positions).size).toBe(3);
  // A wrong answer is refused and names the word that does not match.
  const wrongWord = words[positions[0]! - 1] === 'zoo' ? 'zebra' : 'zoo';
  await answers.nth(0).fill(wrongWord);
  await answers.nth(1).fill(words[positions[1]! - 1]!);
  await answers.nth(2).fill(words[positions[2]! - 1]!);
  await expectNoA11yViolations(page, 'onboarding: quiz');
  await page.getByRole('button', { name: 'Finish' }).click();
  await expect(page.getByTestId('quiz-error')).toContainText(`word ${positions[0]}`);
  await expect(page.getByTestId('wallet-ready')).toHaveCount(0);

  await answers.nth(0).fill(` ${words[positions[0]! - 1]!.toUpperCase()} `);
  await page.getByRole('button', { name: 'Finish' }).click();
  await expect(page.getByTestId('wallet-ready')).toContainText('Wallet “main” is ready');
  await expect(page.getByTestId('onboarding')).toHaveCount(0);
  // The words are gone from the page.
  await expect(page.getByTestId('mnemonic-words')).toHaveCount(0);
  expect(await page.locator('main').innerText()).not.toContain(words.join(' '));

  const listed = await node.call('wallet.list', {});
  expect(listed.wallets.map((w) => w.name)).toEqual(['main']);
  const wallet = listed.wallets[0]!;
  const card = page.getByTestId('wallet-card');
  await expect(card.getByTestId('coldkey-address')).toHaveText(wallet.coldkey.address);
  await expect(card.getByTestId('hotkey-address')).toHaveText(wallet.hotkeys[0]!.address);
  await expect(card.getByTestId('hotkey-peer-id')).toHaveText(wallet.hotkeys[0]!.peerId);
  await expect(card.getByTestId('wallet-lock-state')).toHaveText('Locked');
  await expect(card.getByTestId('balance-placeholder')).toHaveText(
    'Balances appear once the chain is running.',
  );
  const qr = card.getByTestId('coldkey-qr');
  await expect(qr).toHaveAttribute('src', /^data:image\/png;base64,/);
  expect(await qr.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(100);

  await card.getByRole('button', { name: 'Copy the coldkey address of main' }).click();
  await expect(card.getByTestId('copied').first()).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(wallet.coldkey.address);

  await expectNoA11yViolations(page, 'wallet page');
  await page.screenshot({
    path: path.join(repoRoot, 'test-results', 'wallet-page.png'),
    fullPage: true,
  });
});

test('import: a wrong word is pointed out and nothing is created; the right words restore the wallet', async ({
  page,
  node,
}) => {
  await page.goto(`${node.url}#/wallet`);
  await page.getByTestId('choose-import').click();
  await page.getByLabel('Wallet name').fill('restored');
  const box = page.getByTestId('import-words');

  // Every word in the list but the checksum fails.
  await box.fill(`${'abandon '.repeat(12)}`);
  await expect(page.getByTestId('checksum-failed')).toBeVisible();

  const typo = ABANDON.replace('abandon abandon abandon', 'abandon abandon abandn');
  await box.fill(`${typo} `);
  const bad = page.getByTestId('bad-word');
  await expect(bad).toHaveCount(1);
  await expect(bad).toContainText('Word 3, “abandn”, is not a recovery word.');
  await expect(bad.getByRole('button', { name: 'Use “abandon” as word 3' })).toBeVisible();
  await fillPasswords(page, 'import', PASSWORD);
  await expectNoA11yViolations(page, 'onboarding: import with a wrong word');

  await page.getByRole('button', { name: 'Import wallet' }).click();
  await expect(bad).toBeVisible();
  await expect(page.getByTestId('wallet-ready')).toHaveCount(0);
  expect((await node.call('wallet.list', {})).wallets).toEqual([]);

  // The suggestion fixes the word in place.
  await bad.getByRole('button', { name: 'Use “abandon” as word 3' }).click();
  await expect(page.getByTestId('words-ok')).toHaveText('The 12 words are valid.');
  await expect(box).toHaveValue(`${ABANDON} `);
  await page.getByRole('button', { name: 'Import wallet' }).click();
  await expect(page.getByTestId('wallet-ready')).toContainText('“restored”');

  const listed = await node.call('wallet.list', {});
  expect(listed.wallets.map((w) => w.name)).toEqual(['restored']);
  await expect(page.getByTestId('coldkey-address')).toHaveText(listed.wallets[0]!.coldkey.address);

  // The same words under another name again would be a second wallet; the same name is refused.
  await page.getByTestId('add-wallet').click();
  await page.getByTestId('choose-import').click();
  await page.getByLabel('Wallet name').fill('restored');
  await page.getByTestId('import-words').fill(ABANDON);
  await fillPasswords(page, 'import', PASSWORD);
  await page.getByRole('button', { name: 'Import wallet' }).click();
  await expect(page.getByTestId('import-error')).toContainText(
    'a wallet with this name already exists',
  );
  expect((await node.call('wallet.list', {})).wallets).toHaveLength(1);
});

test('unlock: a wrong password is refused in plain words and the wallet stays locked', async ({
  page,
  node,
}) => {
  const { wallet } = await node.call('wallet.create', { name: 'savings', password: PASSWORD });
  await writeFile(path.join(node.dataDir, 'wallets', 'broken.json'), '{"version": 1, "kdf');
  await page.goto(`${node.url}#/wallet`);
  const card = page.getByTestId('wallet-card');
  await expect(card.getByTestId('coldkey-address')).toHaveText(wallet.coldkey.address);
  await expect(page.getByTestId('first-run-banner')).toHaveCount(0);

  // The damaged file is listed with its path and the reason, and left alone.
  const unreadable = page.getByTestId('unreadable-item');
  await expect(unreadable).toContainText(path.join(node.dataDir, 'wallets', 'broken.json'));
  await expect(unreadable).toContainText('the wallet file is damaged');

  await card.getByRole('button', { name: 'Unlock' }).click();
  await card.getByTestId('unlock-password').fill('not the password');
  await card.getByRole('button', { name: 'Unlock' }).last().click();
  await expect(card.getByTestId('wallet-error')).toHaveText(
    'That did not work: that password does not open this wallet. Nothing was changed; try again.',
  );
  await expect(card.getByTestId('wallet-lock-state')).toHaveText('Locked');
  expect((await node.call('wallet.show', { name: 'savings' })).locked).toBe(true);
  await expectNoA11yViolations(page, 'wallet page with an error');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expectNoA11yViolations(page, 'wallet page with an error (dark)');
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'wallet-page-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });

  await card.getByTestId('unlock-password').fill(PASSWORD);
  await card.getByTestId('unlock-password').press('Enter');
  await expect(card.getByTestId('wallet-lock-state')).toHaveText('Unlocked');
  expect((await node.call('wallet.show', { name: 'savings' })).locked).toBe(false);

  // A new hotkey while unlocked needs no password.
  await card.getByRole('button', { name: 'New hotkey' }).click();
  await card.getByLabel('Hotkey name (optional)').fill('miner');
  await card.getByRole('button', { name: 'New hotkey' }).last().click();
  await expect(card.getByTestId('hotkey')).toHaveCount(2);
  const shown = await node.call('wallet.show', { name: 'savings' });
  await expect(card.locator('[data-hotkey="miner"]').getByTestId('hotkey-address')).toHaveText(
    shown.hotkeys.find((h) => h.name === 'miner')!.address,
  );

  // Export shows the public keys (and offers them as a file).
  await card.getByRole('button', { name: 'Export public keys' }).click();
  const exported = JSON.parse(await card.getByTestId('export-json').inputValue()) as {
    coldkey: { address: string };
  };
  expect(exported.coldkey.address).toBe(wallet.coldkey.address);
  await expect(card.getByRole('link', { name: 'Download as a file' })).toHaveAttribute(
    'href',
    /^blob:/,
  );

  await card.getByRole('button', { name: 'Lock' }).click();
  await expect(card.getByTestId('wallet-lock-state')).toHaveText('Locked');
  expect((await node.call('wallet.show', { name: 'savings' })).locked).toBe(true);
});
