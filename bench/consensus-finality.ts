/**
 * Consensus benchmark: four validators as separate `noesis start` processes on 127.0.0.1, started
 * by the devnet code (electron/node/network/devnet.ts), with a genesis that also funds the
 * benchmark's senders.
 *
 * Finality: each block's header time is set by its proposer when it builds the proposal
 * (consensus/shell.ts buildValue → buildNextBlock, Date.now()); the benchmark polls node 0's
 * `chain.status` every 5 ms and takes, per height, (first poll that shows that height) − (header
 * time): proposal → decided and applied on node 0 (all processes share one clock; polling adds
 * ≤ 5 ms). Measured with an empty mempool, then p50 / p99 over the heights seen.
 *
 * Transfers: N signed transfers (from S funded senders to one recipient) are submitted as bytes
 * with `chain.submit` to node 0 (32 requests in flight); the rate is N / (time from the first
 * submit until the recipient's balance on node 0 shows every transfer — final, since a block is
 * applied only once decided).
 *
 *   node bench/consensus-finality.ts [--heights 60] [--transfers 2000] [--senders 200]
 *                                    [--interval 250]
 */
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { callApi } from '../electron/node/api/http-client.ts';
import { encodeSignedTx, txSignBytes } from '../electron/node/chain/codec.ts';
import { hash256, publicKeyOf, randomSecretKey, toHex } from '../electron/node/chain/crypto.ts';
import { addressOf } from '../electron/node/chain/queries.ts';
import type { TxBody } from '../electron/node/chain/tx.ts';
import { startDevnet } from '../electron/node/network/devnet.ts';

const { values } = parseArgs({
  options: {
    heights: { type: 'string', default: '60' },
    transfers: { type: 'string', default: '2000' },
    senders: { type: 'string', default: '200' },
    interval: { type: 'string', default: '250' },
  },
});
const HEIGHTS = Number(values.heights);
const TRANSFERS = Number(values.transfers);
const SENDERS = Number(values.senders);
const AMOUNT = 1_000_000n;
const FEE = 100_000n;

const senders = Array.from({ length: SENDERS }, (_, i) => {
  const secret = hash256(new TextEncoder().encode(`finality-bench-sender-${i}`));
  const hex = toHex(publicKeyOf(secret));
  const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8, secret]),
    format: 'der',
    type: 'pkcs8',
  });
  return { hex, key };
});
const recipient = toHex(publicKeyOf(randomSecretKey()));

const root = await mkdtemp(path.join(os.tmpdir(), 'noesis-finality-'));
const devnet = await startDevnet(root, {
  nodes: 4,
  validators: 4,
  blockIntervalMs: Number(values.interval),
  fund: senders.map((s) => ({ address: addressOf(s.hex), balance: '10000' })),
  env: { NOESIS_LOOPBACK_ONLY: '1' },
});
const api = { origin: devnet.nodes[0]!.origin, token: devnet.nodes[0]!.token };
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

try {
  // Wait for the network to get going (every node past height 2).
  for (;;) {
    const hs = await Promise.all(
      devnet.nodes.map(
        async (n) =>
          (await callApi({ origin: n.origin, token: n.token }, 'chain.status', {})).height,
      ),
    );
    if (Math.min(...hs) >= 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }

  // Finality with an empty mempool.
  const latencies: number[] = [];
  const blockGaps: number[] = [];
  let last = (await callApi(api, 'chain.status', {})).height;
  let lastTime: number | null = null;
  while (latencies.length < HEIGHTS) {
    const s = await callApi(api, 'chain.status', {});
    const seen = Date.now();
    if (s.height > last) {
      for (let h = last + 1; h <= s.height; h++) {
        const b = await callApi(api, 'chain.block', { height: h });
        latencies.push(seen - b.time);
        if (lastTime !== null) blockGaps.push(b.time - lastTime);
        lastTime = b.time;
      }
      last = s.height;
    }
    await new Promise((r) => setTimeout(r, 5));
  }

  // Transfers through the mempool to finality.
  const status = await callApi(api, 'chain.status', {});
  const chainId = status.chainId as string;
  const txs: string[] = [];
  for (let n = 0; txs.length < TRANSFERS; n++) {
    for (const s of senders) {
      if (txs.length >= TRANSFERS) break;
      const body: TxBody = {
        chainId,
        signer: s.hex,
        nonce: n,
        fee: FEE,
        kind: 'transfer',
        to: recipient,
        amount: AMOUNT,
      };
      const signature = nodeSign(null, txSignBytes(body), s.key).toString('hex');
      txs.push(Buffer.from(encodeSignedTx({ body, signature })).toString('hex'));
    }
  }
  const heightBefore = (await callApi(api, 'chain.status', {})).height;
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < txs.length) {
        const tx = txs[next++]!;
        await callApi(api, 'chain.submit', { tx });
      }
    }),
  );
  const submitted = Date.now() - t0;
  const want = AMOUNT * BigInt(TRANSFERS);
  for (;;) {
    const b = await callApi(api, 'chain.balance', { address: recipient });
    if (BigInt((b as { free: string }).free) >= want) break;
    if (Date.now() - t0 > 120_000) throw new Error(`transfers not final: ${JSON.stringify(b)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const final = Date.now() - t0;
  const heightAfter = (await callApi(api, 'chain.status', {})).height;

  const rows: [string, string][] = [
    ['validators (processes)', '4'],
    ['block interval (genesis)', `${values.interval} ms`],
    ['heights measured', String(latencies.length)],
    ['block time p50 (header to header)', `${pct(blockGaps, 50)} ms`],
    ['proposal → final p50', `${pct(latencies, 50)} ms`],
    ['proposal → final p99', `${pct(latencies, 99)} ms`],
    ['proposal → final max', `${Math.max(...latencies)} ms`],
    ['transfers', `${TRANSFERS} from ${SENDERS} senders`],
    ['submitted (chain.submit, node 0)', `${submitted} ms`],
    ['all final', `${final} ms over ${heightAfter - heightBefore} blocks`],
    ['transfers/s to finality', (TRANSFERS / (final / 1000)).toFixed(0)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
} finally {
  await devnet.stop();
  await rm(root, { recursive: true, force: true });
}
