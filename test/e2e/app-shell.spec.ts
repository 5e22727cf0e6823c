/** The shell: keyboard navigation, accessibility of every page, language, theme, logs. */
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { PAGES, expect, repoRoot, test } from './fixtures.ts';

/** Presses Tab until `selector` has focus, as a keyboard user would. */
async function tabTo(page: Page, selector: string, maxPresses = 40): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    if ((await page.locator(`${selector}:focus`).count()) > 0) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} never got focus after ${maxPresses} Tab presses`);
}

async function expectNoA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations on ${label}`).toEqual([]);
}

test('the skip link is the first stop and moves focus to the page content', async ({
  page,
  node,
}) => {
  await page.goto(node.url);
  await expect(page.getByTestId('node-state')).toHaveText('Stopped');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('#page-title')).toBeFocused();
  // The router's hash is untouched.
  expect(new URL(page.url()).hash).toBe('');
});

test('every page is reachable by keyboard and has no accessibility violations', async ({
  page,
  node,
}) => {
  await page.goto(node.url);
  await expect(page.getByTestId('node-state')).toHaveText('Stopped');
  for (const target of PAGES) {
    const selector = `nav li a[href="#/${target.id}"]`;
    await tabTo(page, selector);
    // Focus is visible: the focused link draws an outline.
    await expect(page.locator(selector)).toHaveCSS('outline-style', 'solid');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(new RegExp(`#/${target.id}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(target.title);
    await expect(page.locator('#page-title')).toBeFocused();
    await expect(page.locator(selector)).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('nav a[aria-current="page"]')).toHaveCount(1);
    await expectNoA11yViolations(page, target.id);
  }
});

test('the Governance page says plainly why it is empty before the chain runs', async ({
  page,
  node,
}) => {
  // Every page is built now (Governance was the last placeholder); with the node stopped it
  // shows the reason, not zeros.
  await page.goto(node.url);
  await page.goto(`${node.origin}/#/governance`);
  const main = page.locator('main');
  await expect(main.getByRole('alert')).toHaveText(
    'Could not read the proposals: the chain is not running yet.',
  );
  expect(await main.innerText(), 'governance shows a number').not.toMatch(/\d/);
});

test('the dark theme follows the system and passes the accessibility check', async ({
  page,
  node,
}) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(node.url);
  await page.getByRole('button', { name: 'Start node' }).click();
  await expect(page.getByTestId('node-state')).toHaveText('Running');
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(17, 17, 19)');
  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'node-page-dark.png') });
  await expectNoA11yViolations(page, 'node (dark)');
  for (const id of ['logs', 'settings', 'wallet']) {
    await page.goto(`${node.origin}/#/${id}`);
    await expect(page.locator(`nav li a[href="#/${id}"]`)).toHaveAttribute('aria-current', 'page');
    await expectNoA11yViolations(page, `${id} (dark)`);
  }
});

test('Settings: the theme choice overrides the system and is remembered', async ({
  page,
  node,
}) => {
  await page.goto(node.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(17, 17, 19)');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('radio', { name: 'Dark' })).toBeChecked();
  await page.getByRole('radio', { name: 'Same as the system' }).check();
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', /.*/);
});

test('Settings shows what app.info says', async ({ page, node }) => {
  await page.goto(node.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  const info = await node.call('app.info', {});
  await expect(page.getByTestId('app-version')).toHaveText(info.version);
  await expect(page.getByTestId('app-data-dir')).toHaveText(info.dataDir);
  await expect(page.getByTestId('app-info')).toContainText('Web page served by a headless node');
});

test('Settings: wallet auto-lock and start/tray choices are saved on the node', async ({
  page,
  node,
}) => {
  await page.goto(node.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  const autoLock = page.getByLabel('Lock wallets after');
  await expect(autoLock).toHaveValue('15');
  await autoLock.fill('3');
  await autoLock.press('Enter');
  await autoLock.blur();
  await expect(page.getByTestId('settings-saved')).toHaveText('Saved.');
  expect((await node.call('config.get', {})).wallet.autoLockMinutes).toBe(3);
  await page.getByTestId('settings-close-to-tray').uncheck();
  await expect.poll(async () => (await node.call('config.get', {})).ui.closeToTray).toBe(false);
  // A value out of range is refused by the field and nothing is saved.
  await autoLock.fill('-4');
  await autoLock.blur();
  expect((await node.call('config.get', {})).wallet.autoLockMinutes).toBe(3);
  await expectNoA11yViolations(page, 'settings');
});

test('switching to French translates the app and survives a reload', async ({ page, node }) => {
  await page.goto(node.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Language').selectOption('fr');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Réglages');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(page.getByRole('link', { name: 'Nœud', exact: true })).toBeVisible();

  await page.getByRole('link', { name: 'Nœud', exact: true }).click();
  await expect(page.getByTestId('node-state')).toHaveText('Arrêté');
  await page.getByRole('button', { name: 'Démarrer le nœud' }).click();
  await expect(page.getByTestId('node-state')).toHaveText('En marche');
  await expect(page.getByTestId('node-status-detail')).toContainText('Depuis');

  // The token stayed in this tab's session, the language in localStorage.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nœud');
  await expect(page.getByTestId('node-state')).toHaveText('En marche');
  await expectNoA11yViolations(page, 'node (fr)');
});

test('Logs: recent lines, then live lines at the bottom, with a level filter', async ({
  page,
  node,
}) => {
  await page.goto(node.url);
  await page.getByRole('link', { name: 'Logs' }).click();
  const view = page.getByTestId('log-view');
  await expect(view).toContainText('noesis opened');

  await node.call('node.start', {});
  await expect(view.locator('li').last()).toContainText('node running');
  const texts = await view.locator('li').allInnerTexts();
  const opened = texts.findIndex((line) => line.includes('noesis opened'));
  const running = texts.findIndex((line) => line.includes('node running'));
  expect(opened).toBeGreaterThanOrEqual(0);
  expect(running).toBeGreaterThan(opened);
  // Following new lines keeps the newest in view.
  await expect(view.locator('li').last()).toBeInViewport();

  await page.getByLabel('Show').selectOption('error');
  await expect(view).toContainText('No log lines at this level yet.');
  await page.getByLabel('Show').selectOption('info');
  await expect(view).toContainText('node running');
});
