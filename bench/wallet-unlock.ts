// Wallet unlock time with the default keystore KDF parameters, and scrypt alone at nearby costs.
// Prints one table. Run: ./node_modules/.bin/node bench/wallet-unlock.ts [runs]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from '@noble/hashes/utils.js';
import { DEFAULT_SCRYPT, deriveKey } from '../electron/node/wallet/keystore.ts';
import { WalletService } from '../electron/node/wallet/service.ts';
import type { ScryptParams } from '../electron/node/wallet/types.ts';

const runs = Number(process.argv[2] ?? 7);
const password = 'benchmark password';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function time(
  fn: () => Promise<unknown>,
): Promise<{ median: number; min: number; max: number }> {
  await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

function describe(p: ScryptParams): string {
  return `scrypt N=2^${Math.log2(p.N)} r=${p.r} p=${p.p} (${(128 * p.N * p.r * p.p) / 2 ** 20} MiB)`;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-bench-wallet-'));
const rows: [string, string, string, string][] = [];
try {
  const service = new WalletService({ dataDir: dir, autoLockMs: 0 });
  await service.create({ name: 'bench', password });
  const unlock = await time(async () => {
    await service.unlock('bench', password);
    service.lock();
  });
  rows.push([`WalletService.unlock, ${describe(DEFAULT_SCRYPT)} (default)`, ...fmt(unlock)]);

  const salt = randomBytes(32);
  for (const logN of [16, 17, 18]) {
    const params = { ...DEFAULT_SCRYPT, N: 2 ** logN };
    const t = await time(() => deriveKey(password, salt, params));
    rows.push([`key derivation only, ${describe(params)}`, ...fmt(t)]);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

function fmt(t: { median: number; min: number; max: number }): [string, string, string] {
  return [
    `${(t.median / 1000).toFixed(3)} s`,
    `${(t.min / 1000).toFixed(3)} s`,
    `${(t.max / 1000).toFixed(3)} s`,
  ];
}

const header: [string, string, string, string] = ['what', 'median', 'min', 'max'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) =>
  r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(
  `Wallet unlock, median of ${runs} runs after one warm-up, Node ${process.version}, ` +
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
);
console.log(
  `Default KDF: ${describe(DEFAULT_SCRYPT)}, dkLen=${DEFAULT_SCRYPT.dkLen}; cipher XChaCha20-Poly1305`,
);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
