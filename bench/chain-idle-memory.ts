/**
 * Chain benchmark: memory of an idle node. Starts the headless node (runtime, API server and the
 * chain producing empty blocks of the embedded local network, 1 block/s) in a child process,
 * lets it idle, and samples its memory. Prints one table.
 *
 *   node bench/chain-idle-memory.ts [--seconds 20]
 */
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({
  options: { child: { type: 'string' }, seconds: { type: 'string', default: '20' } },
});

if (values.child) {
  const { startHeadless } = await import('../electron/node/headless.ts');
  const node = await startHeadless({ dataDir: values.child, port: 0, staticDir: null });
  await node.runtime.autoStart();
  const seconds = Number(values.seconds);
  const samples: Array<{ t: number; rss: number; heap: number; height: number }> = [];
  for (let t = 0; t <= seconds; t += 5) {
    const m = process.memoryUsage();
    samples.push({ t, rss: m.rss, heap: m.heapUsed, height: node.runtime.chain.status().height });
    if (t < seconds) await new Promise((r) => setTimeout(r, 5000));
  }
  process.send?.(samples);
  await node.close();
  process.exit(0);
}

const { testGenesisDoc, validatorKey } = await import('../test/unit/chain/fixtures.ts');
const dir = await mkdtemp(path.join(os.tmpdir(), 'noesis-idle-bench-'));
try {
  await mkdir(path.join(dir, 'chain'), { recursive: true });
  const doc = testGenesisDoc();
  doc.params = { ...doc.params, blockIntervalMs: 1000 };
  await writeFile(path.join(dir, 'chain', 'genesis.json'), JSON.stringify(doc));
  await writeFile(
    path.join(dir, 'chain', 'validator-key.json'),
    JSON.stringify({
      publicKey: validatorKey.hex,
      secretKey: Buffer.from(validatorKey.secret).toString('hex'),
    }),
  );
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--child', dir, '--seconds', values.seconds],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  let samples: Array<{ t: number; rss: number; heap: number; height: number }> | null = null;
  child.on('message', (m) => (samples = m as never));
  await new Promise((resolve) => child.on('exit', resolve));
  if (samples === null) throw new Error('the child node reported nothing');
  const mb = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
  console.log(
    `idle node memory: headless runtime + web API + local chain at 1 block/s, node ${process.version}`,
  );
  console.log('| after | height | RSS | JS heap used |');
  console.log('|---:|---:|---:|---:|');
  for (const s of samples as Array<{ t: number; rss: number; heap: number; height: number }>)
    console.log(`| ${s.t} s | ${s.height} | ${mb(s.rss)} | ${mb(s.heap)} |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
