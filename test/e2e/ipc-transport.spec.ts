/**
 * The client's transport choice: with `window.noesis` present (as the Electron preload exposes
 * it) every call and event goes through it, and no token is needed. The bridge here is a stand-in
 * that forwards to a real headless node, so the page is exercised end to end.
 */
import { expect, test } from './fixtures.ts';

test('with window.noesis the client uses it for calls and events, without a token', async ({
  page,
  node,
}) => {
  await page.addInitScript(
    ({ origin, token }) => {
      const calls: string[] = [];
      const listeners = new Set<(e: { event: string; data: unknown }) => void>();
      const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/api/events?token=${token}`);
      socket.addEventListener('message', (m: MessageEvent) => {
        const parsed = JSON.parse(String(m.data)) as { event: string; data: unknown };
        for (const listener of listeners) listener(parsed);
      });
      Object.assign(globalThis, {
        __bridgeCalls: calls,
        noesis: {
          async call(method: string, input: unknown) {
            calls.push(method);
            const res = await fetch(`${origin}/api/${method}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify(input),
            });
            const body = (await res.json()) as { error?: { code: string; message: string } };
            if (!res.ok) throw Object.assign(new Error(body.error?.message), body.error);
            return body;
          },
          onEvent(listener: (e: { event: string; data: unknown }) => void) {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        },
      });
    },
    { origin: node.origin, token: node.token },
  );

  // No token in the address: in web mode this page could do nothing.
  await page.goto(`${node.origin}/`);
  await expect(page.getByTestId('node-state')).toHaveText('Stopped');
  await expect(page.getByTestId('no-token-banner')).toHaveCount(0);

  await page.getByRole('button', { name: 'Start node' }).click();
  await expect(page.getByTestId('node-state')).toHaveText('Running');
  // A change made elsewhere arrives through the bridge's events.
  await node.call('node.stop', {});
  await expect(page.getByTestId('node-state')).toHaveText('Stopped');

  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByTestId('app-info')).toContainText('Inside the desktop app');
  const calls = await page.evaluate(
    () => (globalThis as unknown as { __bridgeCalls: string[] }).__bridgeCalls,
  );
  expect(calls).toEqual(expect.arrayContaining(['node.status', 'node.start', 'app.info']));
});
