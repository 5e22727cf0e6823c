/**
 * Explorer › Subnets against a real headless node on its local network: subnet 1 listed with
 * its model by catalogue name, then a subnet created through the form (a catalogue model, its
 * token budget, the lock cost shown) and approved in the node's confirmation dialog, after which
 * subnet 2 is listed with that model and chain.subnets holds exactly what was chosen. A locked
 * wallet is unlocked from the form; a bad token budget is refused before anything is asked.
 * Keyboard reachable, checked with axe, in English and in French.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, repoRoot, test } from './fixtures.ts';

const PASSWORD = 'correct horse battery 42';

interface CatalogEntry {
  id: string;
  name: string;
  sha256: string | null;
  sizeBytes: number;
}
const catalog = (
  JSON.parse(readFileSync(path.join(repoRoot, 'resources/models/catalog.json'), 'utf8')) as {
    models: CatalogEntry[];
  }
).models;
const SUBNET1 = catalog.find((m) => m.id === 'smollm2-135m-instruct-q8_0')!;
const CHOSEN = catalog.find((m) => m.id === 'smollm2-360m-instruct-q8_0')!;

async function expectNoA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations on ${label}`).toEqual([]);
}

test('subnets listed with their model; a subnet created through the form appears with the chosen model', async ({
  page,
  node,
}) => {
  test.setTimeout(120_000);
  const created = await node.call('wallet.create', { name: 'main', words: 12, password: PASSWORD });
  await node.call('node.start', {});
  await expect
    .poll(async () => (await node.call('chain.status', {})).height, { timeout: 30_000 })
    .toBeGreaterThan(0);
  const lockCost = (await node.call('chain.status', {})).subnetLockCost!;

  // --- The list: subnet 1 with the local network's model, by its catalogue name.
  await page.goto(`${node.url}#/explorer`);
  await page.getByTestId('explorer-view-subnets').click();
  await expect(page).toHaveURL(/#\/explorer\/subnets$/);
  await expect(page.getByTestId('explorer-view-subnets')).toHaveAttribute('aria-current', 'page');
  const row1 = page.locator('[data-testid="subnet-row"][data-netuid="1"]');
  await expect(row1.getByTestId('subnet-model-name')).toHaveText(SUBNET1.name);
  await expect(row1.getByTestId('subnet-model')).toContainText(SUBNET1.sha256!.slice(0, 12));
  await expect(row1.getByTestId('subnet-task')).toHaveText('text-generation');
  await expect(page.locator('[data-testid="subnet-row"]')).toHaveCount(1);
  await expectNoA11yViolations(page, 'explorer: subnets');

  // --- The form: a catalogue model, a bad token budget refused before anything is asked.
  const form = page.getByTestId('create-subnet-form');
  await expect(form.getByTestId('subnet-lock-cost')).toContainText(
    `Creating it locks ${Number(BigInt(lockCost) / 1_000_000_000n).toLocaleString('en-US')}`,
  );
  await form.getByLabel('Model its miners run').selectOption(CHOSEN.sha256!);
  const tokens = form.getByLabel('Most tokens per answer');
  await tokens.fill('0');
  await expect(form.getByText('A whole number from 1 to 1024.')).toBeVisible();
  await expect(tokens).toHaveAttribute('aria-invalid', 'true');
  await form.getByTestId('create-subnet-submit').click();
  await expect(page.getByRole('dialog')).toBeHidden();
  expect((await node.call('chain.subnets', {})).length).toBe(1);
  await tokens.fill('48');
  // The wallet is locked: its password goes in the form and unlocks it first.
  await form.getByTestId('subnet-password').fill(PASSWORD);
  await expectNoA11yViolations(page, 'explorer: create a subnet form');

  // --- Submit by keyboard → the node's own confirmation, in full → approve.
  await form.getByTestId('create-subnet-submit').focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Create a subnet' });
  await expect(dialog).toBeVisible({ timeout: 15_000 });
  const line = (label: string) =>
    dialog.locator(`[data-testid="confirm-line"][data-label="${label}"]`);
  await expect(line('Task type')).toHaveText('text-generation');
  await expect(line('Model')).toContainText(CHOSEN.id);
  await expect(line('Model sha256')).toHaveText(CHOSEN.sha256!);
  await expect(line('Answers')).toContainText('at most 48 tokens');
  await expect(line('Owner hotkey')).toHaveText(created.wallet.hotkeys[0]!.address);
  await expectNoA11yViolations(page, 'create subnet confirmation');
  await dialog.getByRole('button', { name: 'Approve and sign' }).click();
  await expect(dialog).toBeHidden();
  await expect(
    page.getByTestId('create-subnet-progress').locator('[data-state="included"]'),
  ).toBeVisible({ timeout: 20_000 });

  // --- Subnet 2, with the chosen model, in the list and on chain.
  const row2 = page.locator('[data-testid="subnet-row"][data-netuid="2"]');
  await expect(row2.getByTestId('subnet-model-name')).toHaveText(CHOSEN.name);
  await expect(row2.getByTestId('subnet-model')).toContainText('at most 48 tokens per answer');
  const subnets = await node.call('chain.subnets', {});
  expect(subnets.map((s) => s.netuid)).toEqual([1, 2]);
  expect(subnets[1]!.model).toMatchObject({
    catalogId: CHOSEN.id,
    sha256: CHOSEN.sha256,
    sizeBytes: CHOSEN.sizeBytes,
    maxTokens: 48,
  });
  expect(subnets[1]!.owner).toBe(created.wallet.coldkey.address);
  expect(BigInt(subnets[1]!.locked)).toBeLessThanOrEqual(BigInt(lockCost));
  await expectNoA11yViolations(page, 'explorer: subnets after creating one');
  await page.screenshot({
    path: path.join(repoRoot, 'test-results', 'subnets.png'),
    fullPage: true,
  });

  // --- French.
  await page.evaluate(() => localStorage.setItem('noesis.locale', 'fr'));
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sous-réseaux', level: 2 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Créer un sous-réseau' })).toBeVisible();
  await expect(row2.getByTestId('subnet-model')).toContainText('au plus 48 jetons par réponse');
  await expectNoA11yViolations(page, 'explorer: subnets, French');
});
