/**
 * Subnet models and proof commitments in the UI, against a real headless node: a subnet created
 * through `chain.createSubnet` with a model, a validator's `commit_proof` (signed here with the
 * wallet's hotkey 0, the local network's validator, and submitted as bytes) and a governance
 * proposal to change subnet 1's model are each read in plain words, in English and in French,
 * with an accessibility check on each page.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { encodeSignedTx } from '../../electron/node/chain/codec.ts';
import { hash256, toHex } from '../../electron/node/chain/crypto.ts';
import { signTx, type TxBody } from '../../electron/node/chain/tx.ts';
import { deriveHotkey, mnemonicSeedSync } from '../../electron/node/wallet/keys.ts';
import { expect, test } from './fixtures.ts';

const PASSWORD = 'correct horse battery 42';
const SHA = 'ab'.repeat(32);

async function expectNoA11yViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `axe violations on ${label}`).toEqual([]);
}

test('a subnet with its model, a proof commitment and a model proposal read in plain words', async ({
  page,
  node,
}) => {
  test.setTimeout(120_000);
  const created = await node.call('wallet.create', { name: 'main', words: 12, password: PASSWORD });
  await node.call('wallet.unlock', { name: 'main', password: PASSWORD });
  await node.call('node.start', {});
  await expect
    .poll(async () => (await node.call('chain.status', {})).height, { timeout: 30_000 })
    .toBeGreaterThan(0);

  // --- create_subnet with a model (the CLI's path: confirmed by the trusted HTTP caller).
  const create = await node.call('chain.createSubnet', {
    taskType: 'text-generation',
    model: { sha256: SHA, sizeBytes: 12_345_678, maxTokens: 48 },
    waitMs: 30_000,
    confirmed: true,
  });
  expect(create.status).toBe('included');
  const subnets = await node.call('chain.subnets', {});
  expect(subnets.map((s) => s.netuid)).toEqual([1, 2]);
  expect(subnets[1]!.model?.maxTokens).toBe(48);

  await page.goto(`${node.url}#/explorer/tx/${create.hash}`);
  const what = page.getByTestId('tx-detail').getByTestId('tx-what');
  await expect(what).toContainText('Creates a subnet for text-generation tasks; its miners run');
  await expect(what).toContainText('a custom file (12 MB, sha256 abababababab…)');
  await expect(what).toContainText('at most 48 tokens in a 512-token context');
  await expect(what).toContainText('within 0.025 nats of the top one, 0 miss(es) allowed');
  await expectNoA11yViolations(page, 'explorer: create_subnet');

  // --- commit_proof by the validator hotkey (hotkey 0 of the wallet: the local validator).
  const seed = mnemonicSeedSync(created.mnemonic);
  const hot = deriveHotkey(seed, 0);
  const status = await node.call('chain.status', {});
  const hotAddress = created.wallet.hotkeys[0]!.address;
  const nonce = (await node.call('chain.balance', { address: hotAddress })).nonce;
  const body: TxBody = {
    chainId: status.chainId!,
    signer: toHex(hot.publicKey),
    nonce,
    fee: 0n,
    kind: 'commit_proof',
    netuid: 1,
    epoch: 0,
    root: 'cd'.repeat(32),
    entries: 7,
    secretHash: toHex(hash256(new TextEncoder().encode('next secret'))),
    reveal: null,
  };
  const proof = await node.call('chain.submit', {
    tx: toHex(encodeSignedTx(signTx(body, hot.secretKey))),
    waitMs: 30_000,
  });
  expect(proof.status).toBe('included');
  const found = await node.call('chain.proofCommit', { hotkey: hotAddress, netuid: 1, epoch: 0 });
  expect(found?.entries).toBe(7);
  await page.goto(`${node.url}#/explorer/tx/${proof.hash}`);
  await expect(what).toContainText(
    `A validator commits its log of subnet 1, epoch 0: 7 task(s), Merkle root ${'cd'.repeat(32)}`,
  );
  await expect(what).toContainText('Its first commit: no secret to reveal yet.');
  await expectNoA11yViolations(page, 'explorer: commit_proof');

  // --- A proposal to change subnet 1's model, on the Governance page.
  await node.call('gov.propose', {
    wallet: 'main',
    kind: 'subnet_model',
    netuid: 1,
    model: { catalogId: 'tiny-model', sha256: SHA, sizeBytes: 2_000_000, tauMilli: 250 },
    title: 'Subnet 1 runs the tiny model',
    waitMs: 30_000,
    confirmed: true,
  });
  await page.goto(`${node.url}#/governance`);
  const card = page.getByTestId('proposal').first();
  await expect(card.getByTestId('proposal-what')).toContainText(
    'Subnet 1 runs tiny-model (2 MB, sha256 abababababab…)',
  );
  await expect(card.getByTestId('proposal-what')).toContainText('within 0.25 nats');
  await expectNoA11yViolations(page, 'governance: subnet_model proposal');

  // --- The same in French.
  await page.evaluate(() => localStorage.setItem('noesis.locale', 'fr'));
  await page.reload();
  await expect(page.getByTestId('proposal').first().getByTestId('proposal-what')).toContainText(
    'Le sous-réseau 1 utilise tiny-model',
  );
  await page.goto(`${node.url}#/explorer/tx/${proof.hash}`);
  await expect(what).toContainText('Un validateur engage son journal du sous-réseau 1, époque 0');
});
