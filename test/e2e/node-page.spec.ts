/** The Node page against a real headless node: status, Start and Stop, live updates, link loss. */
import path from 'node:path';
import type { WebSocketRoute } from '@playwright/test';
import { expect, repoRoot, test } from './fixtures.ts';

test('the CLI prints a web ui line, and the page opens on the Node page with the token hidden', async ({
  page,
  node,
}) => {
  expect(node.output()).toMatch(/^web ui: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/m);
  await page.goto(node.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Node');
  await expect(page.getByTestId('node-state')).toHaveText('Stopped');
  // The token left the address bar (it stays in this tab's sessionStorage).
  expect(page.url()).not.toContain('token=');
  await expect(page.getByRole('link', { name: 'Node', exact: true })).toHaveAttribute(
    'aria-current',
    'page',
  );
});

test('Start then Stop change the node state, and the API agrees', async ({ page, node }) => {
  await page.goto(node.url);
  const state = page.getByTestId('node-state');
  const start = page.getByRole('button', { name: 'Start node' });
  const stop = page.getByRole('button', { name: 'Stop node' });
  await expect(state).toHaveText('Stopped');
  await expect(start).toBeEnabled();
  await expect(stop).toBeDisabled();

  await start.click();
  await expect(state).toHaveText('Running');
  expect((await node.call('node.status', {})).state).toBe('running');
  await expect(start).toBeDisabled();
  await expect(stop).toBeEnabled();
  await expect(page.getByTestId('node-status-detail')).toContainText('Since');
  await expect(page.getByTestId('sidebar-node-state')).toContainText('Running');

  await page.screenshot({ path: path.join(repoRoot, 'test-results', 'node-page.png') });

  await stop.click();
  await expect(state).toHaveText('Stopped');
  expect((await node.call('node.status', {})).state).toBe('stopped');
  await expect(page.getByTestId('node-last-stop')).toContainText('You stopped it');
  await expect(start).toBeEnabled();
});

test.describe('a node that starts by itself', () => {
  test.use({ nodeOptions: { autoStart: true } });

  test('shows running without a click', async ({ page, node }) => {
    await page.goto(node.url);
    await expect(page.getByTestId('node-state')).toHaveText('Running');
    expect((await node.call('node.status', {})).state).toBe('running');
  });
});

test('a second tab sees the status change live over the WebSocket', async ({ page, node }) => {
  await page.goto(node.url);
  const other = await page.context().newPage();
  await other.goto(node.url);
  await expect(other.getByTestId('node-state')).toHaveText('Stopped');

  await page.getByRole('button', { name: 'Start node' }).click();
  await expect(other.getByTestId('node-state')).toHaveText('Running');

  // A change made outside any page (the CLI, another app) shows up too.
  await node.call('node.stop', {});
  await expect(other.getByTestId('node-state')).toHaveText('Stopped');
  await expect(page.getByTestId('node-state')).toHaveText('Stopped');
  await other.close();
});

test('when the event link drops the page says so, shows the state as unknown, and recovers', async ({
  page,
  node,
}) => {
  const routes: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/api\/events/, (ws) => {
    routes.push(ws);
    ws.connectToServer();
  });
  await page.goto(node.url);
  await expect(page.getByTestId('node-state')).toHaveText('Stopped');
  await expect.poll(() => routes.length).toBe(1);

  await routes[0]!.close({ code: 1006 });
  const banner = page.getByTestId('connection-lost-banner');
  await expect(banner).toContainText('Connection to the node lost');
  await expect(page.getByTestId('node-state')).toHaveText('Unknown');
  await expect(page.getByRole('button', { name: 'Start node' })).toBeDisabled();

  // Changed while the page could not hear it: after reconnecting the page must catch up.
  await node.call('node.start', {});
  await expect(banner).toBeHidden({ timeout: 15_000 });
  await expect(page.getByTestId('node-state')).toHaveText('Running');
  expect(routes.length).toBeGreaterThan(1);
});

test('when the node process goes away the page says the connection is lost', async ({
  page,
  node,
}) => {
  await page.goto(node.url);
  await page.getByRole('button', { name: 'Start node' }).click();
  await expect(page.getByTestId('node-state')).toHaveText('Running');
  await node.stop();
  await expect(page.getByTestId('connection-lost-banner')).toBeVisible();
  // It must not keep claiming "Running" for a node it cannot reach.
  await expect(page.getByTestId('node-state')).toHaveText('Unknown');
  await expect(page.getByTestId('node-status-detail')).toContainText('Last known: Running');
});

test('a page opened without the token says what to do', async ({ page, node }) => {
  await page.goto(node.origin + '/');
  await expect(page.getByTestId('no-token-banner')).toContainText('no access token');
  await expect(page.getByTestId('node-status-detail')).toContainText('no access token');
});

test('a failed Start is explained in plain words and the buttons come back', async ({
  page,
  node,
}) => {
  await page.route('**/api/node.start', (route) =>
    route.fulfill({
      status: 500,
      contentType: 'application/json',
      body: JSON.stringify({
        error: { code: 'API_INTERNAL', message: 'internal error; see the node log', data: {} },
      }),
    }),
  );
  await page.goto(node.url);
  await page.getByRole('button', { name: 'Start node' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'Could not start the node: the node hit an internal error. The Logs page has the details.',
  );
  await expect(page.getByTestId('node-state')).toHaveText('Stopped');
  await expect(page.getByRole('button', { name: 'Start node' })).toBeEnabled();
});
