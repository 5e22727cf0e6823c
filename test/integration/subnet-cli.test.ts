/**
 * `noesis subnet` through the real command against a running node whose wallet stays locked (so
 * the CLI signs locally with NOESIS_PASSWORD): subnet 1 of the local network names the catalogue
 * model, `subnet create --model-file` hashes a file and `--catalog` takes the catalogue's figures,
 * bad input is refused before anything is sent, `subnet list` / `show` read the result, the
 * metagraph JSON lists every neuron with its keys and Yuma figures, and, once the node stopped,
 * the read-only commands open the folder themselves. Also `gov propose --subnet-model`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { loadOrCreateValidatorKey, localGenesis } from '../../electron/node/chain/local-network.ts';
import { loadCatalog } from '../../electron/node/inference/catalog.ts';
import { runCli, startNodeProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const env = { NOESIS_PASSWORD: 'subnet cli test password' };

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await runCli([...args, '--json'], { env, timeoutMs: 90_000 });
  assert.equal(r.code, 0, `noesis ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface Model {
  catalogId: string;
  sha256: string;
  sizeBytes: number;
  maxTokens: number;
  tauMilli: number;
  contextSize: number;
  maxViolations: number;
}

interface Subnet {
  netuid: number;
  owner: string;
  ownerHotkey: string;
  taskType: string;
  model: Model | null;
  neurons: number;
  epochCount: number;
}

test(
  'noesis subnet: create with a model file or a catalogue id, list, show; refused input',
  { timeout: 180_000 },
  async () => {
    const dir = await tempDir('noesis-subnet-cli-');
    const wallet = await json(['wallet', 'create', '--name', 'main', '--data-dir', dir]);
    const coldkey = wallet.coldkey as string;
    const hotkey = (wallet.hotkeys as string[])[0] as string;
    const chainDir = path.join(dir, 'chain');
    await mkdir(chainDir, { recursive: true, mode: 0o700 });
    const key = await loadOrCreateValidatorKey(path.join(chainDir, 'validator-key.json'), true);
    const doc = await localGenesis(coldkey, hotkey, key!.publicKey, Date.now());
    (doc.params as Record<string, unknown>).blockIntervalMs = 250;
    await writeFile(path.join(chainDir, 'genesis.json'), JSON.stringify(doc, null, 2) + '\n');

    const file = path.join(dir, 'model.gguf');
    const bytes = Buffer.from('GGUF not really a model, but hashed like one\n'.repeat(100));
    await writeFile(file, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const catalog = await loadCatalog();
    const entry = catalog.models.find((m) => m.id === 'qwen2.5-0.5b-instruct-q4_k_m')!;

    const node = await startNodeProcess(['--headless', '--port', '0', '--data-dir', dir], { env });
    try {
      const [one] = await json<Subnet[]>(['subnet', 'list', '--data-dir', dir]);
      assert.equal(one?.netuid, 1);
      assert.equal(one?.model?.catalogId, 'smollm2-135m-instruct-q8_0');

      const base = ['subnet', 'create', '--task-type', 'text-generation', '--data-dir', dir];
      const refusedCases: Array<[string[], RegExp]> = [
        [[], /--model-file FILE.gguf or --catalog ID/],
        [['--catalog', 'no-such-model'], /no model "no-such-model" in the catalogue/],
        [['--model-file', file, '--catalog', entry.id], /not both/],
        [['--model-file', path.join(dir, 'missing.gguf')], /cannot read/],
        [
          ['--model-file', file, '--max-tokens', '2000'],
          /--max-tokens must be an integer from 1 to 1024/,
        ],
        [['--model-file', file, '--tau-milli', '-1'], /--tau-milli must be an integer/],
        [['--model-file', file, '--max-lock', '1'], /lock cost above the accepted maximum/],
      ];
      for (const [extra, message] of refusedCases) {
        const r = await runCli([...base, ...extra], { env, timeoutMs: 60_000 });
        assert.equal(r.code, 1, `${extra.join(' ')}: ${r.stdout}`);
        assert.match(r.stderr, message, extra.join(' '));
      }
      assert.equal((await json<Subnet[]>(['subnet', 'list', '--data-dir', dir])).length, 1);

      const fromFile = await json<{ netuid: number; subnet: Subnet; tx: { status: string } }>([
        ...base,
        '--model-file',
        file,
        '--max-tokens',
        '64',
        '--tau-milli',
        '150',
      ]);
      assert.equal(fromFile.tx.status, 'included');
      assert.equal(fromFile.netuid, 2);
      assert.deepEqual(fromFile.subnet.model, {
        catalogId: 'custom',
        sha256,
        sizeBytes: bytes.length,
        protocolVersion: 1,
        decoding: 'greedy',
        maxTokens: 64,
        contextSize: 512,
        tauMilli: 150,
        maxViolations: 0,
      });
      assert.equal(fromFile.subnet.owner, coldkey);
      assert.equal(fromFile.subnet.ownerHotkey, hotkey);

      const fromCatalog = await json<{ netuid: number; subnet: Subnet }>([
        ...base,
        '--catalog',
        entry.id,
        '--max-lock',
        '100',
      ]);
      assert.equal(fromCatalog.netuid, 3);
      assert.equal(fromCatalog.subnet.model?.catalogId, entry.id);
      assert.equal(fromCatalog.subnet.model?.sha256, entry.sha256);
      assert.equal(fromCatalog.subnet.model?.sizeBytes, entry.sizeBytes);

      const shown = await json<Subnet>(['subnet', 'show', '2', '--data-dir', dir]);
      assert.equal(shown.model?.sha256, sha256);
      assert.equal(shown.neurons, 1);
      const text = await runCli(['subnet', 'show', '2', '--data-dir', dir], { env });
      assert.match(text.stdout, /model {7}custom {2}\d+ bytes/);
      assert.match(text.stdout, /verify {6}tau 0\.15 nats, 0 miss\(es\) allowed per answer/);
      const missing = await runCli(['subnet', 'show', '9', '--data-dir', dir], { env });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no subnet 9/);

      // A proposal to change subnet 2's model (the wallet holds the only stake).
      const proposed = await json<{ id: number; tx: { status: string } }>([
        'gov',
        'propose',
        '--from',
        'main',
        '--subnet-model',
        '2',
        '--catalog',
        entry.id,
        '--title',
        'Subnet 2 runs Qwen',
        '--data-dir',
        dir,
      ]);
      assert.equal(proposed.tx.status, 'included');
      const p = await json<{ kind: string; subnetModel: { netuid: number; model: Model } }>([
        'gov',
        'show',
        String(proposed.id),
        '--data-dir',
        dir,
      ]);
      assert.equal(p.kind, 'subnet_model');
      assert.equal(p.subnetModel.netuid, 2);
      assert.equal(p.subnetModel.model.sha256, entry.sha256);

      // The metagraph JSON: every neuron with its keys, stake, Yuma figures, permit and addresses.
      const meta = await json<{ model: Model | null; neurons: Array<Record<string, unknown>> }>([
        'chain',
        'metagraph',
        '1',
        '--data-dir',
        dir,
      ]);
      assert.equal(meta.model?.catalogId, 'smollm2-135m-instruct-q8_0');
      assert.equal(meta.neurons.length, 1);
      for (const key of [
        'uid',
        'hotkey',
        'coldkey',
        'stake',
        'incentive',
        'dividends',
        'emission',
        'validatorPermit',
        'addresses',
        'proof',
      ]) {
        assert.ok(key in meta.neurons[0]!, `metagraph neuron has ${key}`);
      }
      assert.equal(meta.neurons[0]!.hotkey, hotkey);
    } finally {
      assert.equal(await node.stop('SIGTERM'), 0);
    }
    // Stopped: list and show read the folder; create needs the node.
    const offline = await json<Subnet[]>(['subnet', 'list', '--data-dir', dir]);
    assert.deepEqual(
      offline.map((s) => s.netuid),
      [1, 2, 3],
    );
    const refused = await runCli(
      ['subnet', 'create', '--task-type', 'x', '--model-file', file, '--data-dir', dir],
      { env },
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /no node runs/);
  },
);
