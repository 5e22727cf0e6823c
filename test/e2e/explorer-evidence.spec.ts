/**
 * The Explorer shows a block's evidence of double signing in plain words: a real headless node
 * whose chain (prepared by slashed-chain.ts through the chain's own code) slashed validator B in
 * block 2 for two different prevotes; the block page says what B did, how much TAO was burned
 * and that B left the validators, in English and in French, and passes an accessibility check.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, repoRoot, test } from './fixtures.ts';

interface Seeded {
  height: number;
  validator: string;
  hotkey: string;
  amount: string;
}

let seeded: Seeded | null = null;

test.use({
  nodeOptions: {
    autoStart: true,
    prepare: async (dataDir) => {
      const out = execFileSync(
        path.join(repoRoot, 'node_modules', '.bin', 'node'),
        [path.join(repoRoot, 'test', 'e2e', 'slashed-chain.ts'), dataDir],
        { cwd: repoRoot, encoding: 'utf8' },
      );
      seeded = JSON.parse(out) as Seeded;
    },
  },
});

test('a block with evidence shows the double signing and the slash in plain words', async ({
  page,
  node,
}) => {
  const s = seeded!;
  expect(s.amount).toBe('4000000000'); // 5 % of B's 80 TAO
  await page.goto(`${node.url}#/explorer/block/${s.height}`);
  const detail = page.getByTestId('block-detail');
  await expect(detail.getByRole('heading', { name: `Block ${s.height}` })).toBeVisible();
  const evidence = detail.getByTestId('block-evidence');
  await expect(
    detail.getByRole('heading', { name: 'Evidence of double signing (1)' }),
  ).toBeVisible();
  const item = evidence.getByTestId('evidence-item');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText(
    'This validator signed two different prevotes at height 1, round 0',
  );
  await expect(item.getByTestId('evidence-slashed')).toHaveText(
    'As a penalty, 4 TAO of the stake on its hotkey was burned. It was removed from the validators for good; the change took effect two blocks later.',
  );
  await expect(item).toContainText(s.validator);
  await expect(item.getByRole('link', { name: s.hotkey })).toBeVisible();
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await evidence.screenshot({ path: path.join(repoRoot, 'test-results', 'explorer-evidence.png') });

  // The same in French.
  await page.evaluate(() => localStorage.setItem('noesis.locale', 'fr'));
  await page.reload();
  await expect(
    detail.getByRole('heading', { name: 'Preuves de double signature (1)' }),
  ).toBeVisible();
  await expect(page.getByTestId('evidence-slashed')).toContainText(
    'En pénalité, 4 TAO du stake de sa hotkey ont été brûlés.',
  );
  // A block without evidence has no such section.
  await page.goto(`${node.url}#/explorer/block/1`);
  await expect(page.getByTestId('block-detail')).toBeVisible();
  await expect(page.getByTestId('block-evidence')).toHaveCount(0);
});
