/**
 * The Mine and Validate cards of the Node page on a real headless node (its local network: subnet
 * 1 names a catalogue model this fresh data folder does not hold). Driven by keyboard: the
 * chooser's defaults, Start mining with the wallet locked (the reason links to the Wallet page),
 * then unlocked (the subnet's model is missing: the card offers to download it by name), the
 * Validate card's reason, a stop made through the API arriving live, the dark theme, French,
 * and axe on each state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { startDevnet, type DevnetNode } from '../../electron/node/network/devnet.ts';
import { writeTinyLlama } from '../fixtures/gguf/index.ts';
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
  // Hotkey 0 becomes the local network's validator (registered on subnet 1); hotkey 1 is not.
  await node.call('wallet.newHotkey', { name: 'main', password: PASSWORD, hotkeyName: 'miner' });
  await node.call('wallet.lock', {});
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
  // Hotkey 0 holds uid 0 (the chain says so before any role runs): nothing to burn.
  await expect(page.getByTestId('miner-uid')).toHaveText('0');
  await expect(page.getByTestId('miner-burn')).toHaveCount(0);
  await expectNoA11yViolations(page, 'node page, roles stopped');
  // Hotkey 1 is not registered: starting it would burn the subnet's registration price.
  await page.getByTestId('miner-hotkey').selectOption('1');
  await expect(page.getByTestId('miner-uid')).toHaveText('not registered');
  await expect(page.getByTestId('miner-burn')).toContainText(/burns [\d.,]+ TAO/);

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

test('live figures on a devnet: the validator fills its miner table, the miner counts tasks, Stop by keyboard', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const root = await mkdtemp(path.join(os.tmpdir(), 'noesis-roles-e2e-'));
  const model = path.join(root, 'tiny.gguf');
  await writeTinyLlama(model, { seed: 1 });
  // node0 validates, node1 mines subnet 1's model (a generated GGUF outside the catalogue);
  // both start their roles by themselves (devnet writes roles.json and the wallet password).
  const devnet = await startDevnet(root, {
    nodes: 2,
    validators: 1,
    miners: 1,
    model,
    blockIntervalMs: 400,
    tempo: 10,
  });
  try {
    const [validatorNode, minerNode] = devnet.nodes as [DevnetNode, DevnetNode];

    await page.goto(validatorNode.url);
    const validate = page.getByTestId('validator-card');
    await expect(page.getByTestId('validator-state')).toContainText('Running', {
      timeout: 60_000,
    });
    await expect(page.getByTestId('validator-model')).toHaveText(
      'a model file outside the catalogue',
    );
    const table = page.getByTestId('validator-miners');
    await expect(table.locator('tbody tr')).toHaveCount(1, { timeout: 90_000 });
    await expect(table.locator('tbody tr').first().locator('th')).toHaveText('1');
    // An honest miner's last answer passed (or was only timed): never "failed".
    await expect(table.locator('tbody tr').first().getByTestId('miner-last-result')).toHaveText(
      /^(passed|not checked \(speed only\))$/,
    );
    await expect(page.getByTestId('validator-tasks-sent')).not.toHaveText('0');
    await expect(validate.getByTestId('validator-permit')).toHaveText('yes');
    // The Mine card, not running here, reads the same hotkey's standing from the chain.
    await expect(page.getByTestId('miner-uid')).toHaveText('0');
    await expect(page.getByTestId('miner-burn')).toHaveCount(0);
    // Once an epoch's log root is on chain, the miner's last task there is proved against it.
    const prove = table.getByTestId('prove-task').first();
    await expect(prove).toBeVisible({ timeout: 60_000 });
    // The commit_proof transaction may still be on its way into a block: ask again until it is.
    await expect(async () => {
      await prove.click();
      await expect(page.getByTestId('interaction-proof-verdict')).toHaveText(
        'Valid: this interaction is part of the log root committed on chain.',
        { timeout: 2_000 },
      );
    }).toPass({ timeout: 30_000 });
    await expect(page.getByTestId('interaction-proof')).toContainText('miner uid 1');
    await expectNoA11yViolations(page, 'validator running');
    await page.setViewportSize({ width: 1200, height: 2400 });
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'roles-validating.png') });

    const mine = await page.context().newPage();
    await mine.goto(minerNode.url);
    await expect(mine.getByTestId('miner-state')).toContainText('Running', { timeout: 30_000 });
    await expect(mine.getByTestId('miner-model')).toHaveText(
      'a model file outside the catalogue (loaded)',
    );
    await expect(mine.getByTestId('miner-uid')).toHaveText('1');
    await expect(mine.getByTestId('miner-tasks-served')).not.toHaveText('0', { timeout: 60_000 });
    await expect(mine.getByTestId('miner-figures')).toContainText(/\d[\d.,]* tokens\/s/);
    await expect(mine.getByTestId('validator-uid')).toHaveText('1');
    await expect(mine.getByTestId('validator-permit')).toHaveText('no');
    await expectNoA11yViolations(mine, 'miner running');
    await mine.setViewportSize({ width: 1200, height: 2400 });
    await mine.screenshot({ path: path.join(repoRoot, 'test-results', 'roles-mining.png') });

    // Stop mining from the keyboard: the card says Stopped and the chooser comes back.
    await tabTo(mine, 'miner-stop');
    await mine.keyboard.press('Enter');
    await expect(mine.getByTestId('miner-state')).toContainText('Stopped');
    await expect(mine.getByTestId('miner-wallet')).toHaveValue('devnet');
    await expect(mine.getByTestId('miner-start')).toBeEnabled();
    await mine.close();
  } finally {
    await devnet.stop();
    await rm(root, { recursive: true, force: true });
  }
});
