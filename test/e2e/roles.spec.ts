/**
 * The Mine and Validate cards of the Node page on a real headless node (its local network: subnet
 * 1 names a catalogue model this fresh data folder does not hold). Driven by keyboard: the
 * chooser's defaults, Start mining with the wallet locked (the reason links to the Wallet page),
 * then unlocked (the subnet's model is missing: the card offers to download it by name), the
 * Validate card's reason, a stop made through the API arriving live, the dark theme, French,
 * and axe on each state.
 */
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, repoRoot, test } from './fixtures.ts';

const PASSWORD = 'correct horse battery 42';

async function expectNoA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations on ${label}`).toEqual([]);
}

/** Presses Tab until the element with `testId` has focus, as a keyboard user would. */
async function tabTo(page: Page, testId: string, maxPresses = 60): Promise<void> {
  const target = page.getByTestId(testId);
  for (let i = 0; i < maxPresses; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${testId} never got focus after ${maxPresses} Tab presses`);
}

test('Mine: locked wallet, then the missing model offered for download; Validate says why; accessible', async ({
  page,
  node,
}) => {
  test.setTimeout(90_000);
  await node.call('wallet.create', { name: 'main', password: PASSWORD });
  await node.call('node.start', {});
  await expect
    .poll(async () => (await node.call('chain.status', {})).height, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(1);
  const subnet = await node.call('chain.subnet', { netuid: 1 });
  const catalog = await node.call('models.catalog', {});
  const modelName = catalog.models.find((m) => m.id === subnet.model?.catalogId)?.name;
  expect(modelName, 'subnet 1 of the local network names a catalogue model').toBeTruthy();

  await page.goto(node.url);
  const mine = page.getByTestId('miner-card');
  const validate = page.getByTestId('validator-card');
  await expect(mine.getByRole('heading', { name: 'Mine' })).toBeVisible();
  await expect(validate.getByRole('heading', { name: 'Validate' })).toBeVisible();
  await expect(page.getByTestId('miner-state')).toContainText('Stopped');
  await expect(page.getByTestId('validator-state')).toContainText('Stopped');
  // Defaults: the first wallet, its first hotkey, subnet 1 (listed by the chain, with its task).
  await expect(page.getByTestId('miner-wallet')).toHaveValue('main');
  await expect(page.getByTestId('miner-hotkey')).toHaveValue('0');
  await expect(page.getByTestId('miner-subnet')).toHaveValue('1');
  await expect(page.getByTestId('miner-subnet').locator('option')).toContainText([/Subnet 1 \(/]);
  await expect(page.getByTestId('miner-burn')).toContainText(/burns [\d.,]+ TAO/);
  await expectNoA11yViolations(page, 'node page, roles stopped');

  // The wallet is locked: Start mining (by keyboard) says so and links to the Wallet page.
  await tabTo(page, 'miner-start');
  await page.keyboard.press('Enter');
  const lockedReason = mine.locator('[data-code="WALLET_LOCKED"]');
  await expect(lockedReason).toContainText('The wallet that holds this hotkey is locked.');
  await expect(
    lockedReason.getByRole('link', { name: 'Unlock it on the Wallet page' }),
  ).toHaveAttribute('href', '#/wallet');
  await expect(page.getByTestId('miner-state')).toContainText('Failed');
  expect((await node.call('roles.status', {})).miner.reasons.map((r) => r.code)).toContain(
    'WALLET_LOCKED',
  );

  // Unlocked: the next try stops at the subnet's model, which this computer does not have.
  await node.call('wallet.unlock', { name: 'main', password: PASSWORD });
  await tabTo(page, 'miner-start');
  await page.keyboard.press('Enter');
  const missing = mine.locator('[data-code="MODEL_MISSING"]');
  await expect(missing).toContainText('The subnet’s model is not on this computer yet.');
  await expect(lockedReason).toHaveCount(0);
  const download = missing.getByTestId('role-model-download');
  await expect(download).toHaveText(new RegExp(`^Download ${modelName} \\(`));
  // Reachable by keyboard (not pressed: the test machine has no internet).
  await tabTo(page, 'role-model-download');
  await expect(page.getByTestId('miner-model')).toContainText(modelName!);
  expect((await node.call('roles.status', {})).miner.reasons.map((r) => r.code)).toEqual([
    'MODEL_MISSING',
  ]);
  await expectNoA11yViolations(page, 'node page, model missing');

  // Validate: the local network's only validator is this hotkey, so it stops at the model too
  // (or, before the first epoch has given it a permit, at the permit).
  await tabTo(page, 'validator-start');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('validator-state')).toContainText('Failed');
  const validatorCodes = (await node.call('roles.status', {})).validator.reasons.map((r) => r.code);
  expect(validatorCodes.length).toBe(1);
  expect(['MODEL_MISSING', 'NO_PERMIT']).toContain(validatorCodes[0]);
  await expect(validate.locator(`[data-code="${validatorCodes[0]}"]`)).toBeVisible();
  await expect(page.getByTestId('validator-figures')).toContainText('Tasks sent');
  await expect(page.getByTestId('validator-miners-none')).toHaveText('No miner scored yet.');
  await expectNoA11yViolations(page, 'node page, validate failed');
  // The page scrolls inside the app's frame: a tall window shows both cards whole.
  await page.setViewportSize({ width: 1200, height: 2400 });
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'roles.png') });

  // A change made outside the page (the CLI, another window) arrives live with the roles.status
  // event, well before the page's 5 s poll would fetch it.
  await node.call('roles.validate.stop', {});
  await expect(page.getByTestId('validator-state')).toContainText('Stopped', { timeout: 1_500 });
  await expect(validate.getByTestId('role-reason')).toHaveCount(0, { timeout: 1_500 });

  // The reasons' colours keep their contrast in the dark theme.
  await page.emulateMedia({ colorScheme: 'dark' });
  await expectNoA11yViolations(page, 'node page, dark theme');
  await page.emulateMedia({ colorScheme: 'light' });

  // The same reasons in French.
  await page.evaluate(() => localStorage.setItem('noesis.locale', 'fr'));
  await page.reload();
  await expect(mine.getByRole('heading', { name: 'Miner' })).toBeVisible();
  await expect(mine.locator('[data-code="MODEL_MISSING"]')).toContainText(
    'Le modèle du sous-réseau n’est pas encore sur cet ordinateur.',
  );
  await expect(mine.getByTestId('role-model-download')).toHaveText(
    new RegExp(`^Télécharger ${modelName} \\(`),
  );
  await expectNoA11yViolations(page, 'node page in French');
});
