/**
 * The Governance page against a real headless node and its embedded local network (voting
 * period 30 blocks): a proposal made through the API, seen on the page as open with its tally,
 * quorum and time left; a yes vote with conviction cast through the page, approved in the node's
 * confirmation dialog (which shows the voting power and the lock end), and the tally moving; a
 * second proposal opening while the page is open raises a notice; the wizard refuses a value out
 * of bounds as it is typed; an accessibility check on the page and the dialog.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

const PASSWORD = 'correct horse battery 42';

async function expectNoA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations on ${label}`).toEqual([]);
}

test('vote through the Governance page: confirmation, then the tally moves', async ({
  page,
  node,
}) => {
  test.setTimeout(120_000);
  await node.call('wallet.create', { name: 'main', words: 12, password: PASSWORD });
  await node.call('node.start', {});
  await expect
    .poll(async () => (await node.call('chain.status', {})).height, { timeout: 30_000 })
    .toBeGreaterThan(0);
  await node.call('wallet.unlock', { name: 'main', password: PASSWORD });
  const proposed = await node.call('gov.propose', {
    wallet: 'main',
    kind: 'param',
    param: 'tempo',
    netuid: 1,
    value: '50',
    title: 'Faster epochs',
    description: 'Epochs every 50 blocks.',
    waitMs: 20_000,
    confirmed: true,
  });
  expect(proposed.id).toBe(0);

  await page.goto(`${node.url}#/governance`);
  const card = page.locator('[data-testid="proposal"][data-proposal="0"]');
  await expect(card.getByTestId('proposal-status')).toHaveText('Open');
  await expect(card.getByTestId('proposal-what')).toHaveText('Set tempo on subnet 1: 30 → 50');
  await expect(card.getByTestId('tally-yes')).toHaveAttribute('data-rao', '0');
  await expect(card.getByTestId('proposal-time')).toContainText('blocks left');
  await expect(card.getByTestId('vote-power')).toContainText('Voting power: 10 TAO');
  await expectNoA11yViolations(page, 'governance');

  // Conviction 1: ×1 and a lock one voting period after the end.
  await card.getByTestId('vote-yes').check();
  await card.getByTestId('vote-conviction').selectOption('1');
  await expect(card.getByTestId('vote-power')).toContainText('Voting power: 100 TAO');
  await expect(card.getByTestId('vote-lock')).toContainText('cannot be unstaked until block');
  await card.getByTestId('vote-submit').click();

  // The node's own confirmation shows the power and the lock end before anything is signed.
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('[data-label="Voting power"]')).toContainText('100 TAO of power');
  await expect(dialog.locator('[data-label="Lock"]')).toContainText('until block');
  await expectNoA11yViolations(page, 'vote confirmation');
  await page.getByTestId('confirm-approve').click();

  await expect(card.getByTestId('vote-status')).toContainText('Counted', { timeout: 20_000 });
  await expect(card.getByTestId('tally-yes')).toHaveAttribute('data-rao', '100000000000');
  await expect(card.getByTestId('quorum-text')).toContainText('Reached');
  await expect(card.getByTestId('vote-current')).toContainText('You voted Yes');

  // A proposal that opens while the page is open raises a notice.
  await node.call('gov.propose', {
    wallet: 'main',
    kind: 'text',
    title: 'Hello',
    text: 'A note.',
    confirmed: true,
  });
  const notice = page.locator('[data-testid="gov-notice"][data-kind="opened"]');
  await expect(notice).toContainText('Hello', { timeout: 20_000 });

  // The wizard checks bounds as a value is typed.
  await page.getByTestId('wizard-open').click();
  await page.getByTestId('wizard-param').selectOption('tempo');
  await page.getByTestId('wizard-value').fill('5');
  await expect(page.getByTestId('wizard-value-check')).toHaveText(
    'Out of bounds: from 10 to 50400.',
  );
  await page.getByTestId('wizard-value').fill('60');
  await expect(page.getByTestId('wizard-value-check')).toHaveText('');
  await page.getByTestId('wizard-title').fill('Slower');
  await expect(page.getByTestId('wizard-submit')).toBeEnabled();
  await expectNoA11yViolations(page, 'governance wizard');
});
