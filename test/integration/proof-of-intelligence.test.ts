/**
 * Proof of intelligence end to end, on real libp2p (127.0.0.1), the real chain and real llama.cpp
 * running tiny generated models (threads: 1): one validator and four miners on one network.
 *   - honest: answers with the subnet's model;
 *   - garbage: answers random token ids;
 *   - other model: answers with a different generated model (another seed);
 *   - parasite: forwards each task to the honest miner (refused: a miner holds no validator
 *     permit) and then replays the honest miner's earlier answers, which fail on fresh prompts.
 * After the weights have been revealed, the honest miner holds the highest incentive and the
 * stake of its coldkey grew at the epoch by exactly the emission the epoch says; the other three
 * earn nothing. Then the honest miner goes offline and its incentive falls.
 *
 * The nodes run in this process (each its own NodeRuntime: chain, p2p host, engine process), so
 * that the cheaters can be given their answer source through the roles' `answerer` seam.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeRuntime } from '../../electron/node/runtime.ts';
import { prepareDevnet } from '../../electron/node/network/devnet.ts';
import { prepareJoin } from '../../electron/node/network/join.ts';
import { netuidKey, type ChainState } from '../../electron/node/chain/types.ts';
import { fromHex, signMessage, toHex } from '../../electron/node/chain/crypto.ts';
import { addressOf } from '../../electron/node/chain/queries.ts';
import { taskSeed } from '../../electron/node/roles/prompts.ts';
import { loadWorkingHotkey } from '../../electron/node/network/node-key.ts';
import { peerIdFromPublicKey } from '../../electron/node/wallet/peer-id.ts';
import { TaskClient, signTaskRequest } from '../../electron/node/roles/task-client.ts';
import type { Answerer } from '../../electron/node/roles/miner.ts';
import { writeTinyLlama } from '../fixtures/gguf/index.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const PASSWORD = 'proof of intelligence test password';

async function until<T>(what: string, fn: () => T | null | Promise<T | null>, ms: number) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

test(
  'an honest miner earns the incentive; garbage, another model and a parasite earn nothing',
  { timeout: 300_000 },
  async (t) => {
    process.env.NOESIS_PASSWORD = PASSWORD;
    const root = await tempDir('noesis-poi-');
    const modelA = path.join(root, 'subnet-model.gguf');
    const modelB = path.join(root, 'other-model.gguf');
    await writeTinyLlama(modelA, { seed: 1 });
    await writeTinyLlama(modelB, { seed: 2 });
    const { nodes, genesisFile } = await prepareDevnet(root, {
      nodes: 5,
      validators: 1,
      miners: 4,
      model: modelA,
      password: PASSWORD,
      blockIntervalMs: 400,
      tempo: 10,
      // Full with the validator and the four miners: a newcomer must replace someone.
      subnetParams: { maxUids: 5 },
    });
    const runtimes: NodeRuntime[] = [];
    let passed = false;
    t.after(async () => {
      if (passed) return;
      // What each node was doing, for a failure's report.
      for (const [i, r] of runtimes.entries()) {
        const status = await r.roles.status().catch(() => null);
        t.diagnostic(
          `node${i}: miner ${status?.miner.state} ${JSON.stringify(status?.miner.reasons)}; validator ${status?.validator.state} ${JSON.stringify(status?.validator.reasons)}`,
        );
        for (const line of r.logs.ring.recent(400)) {
          if (line.level === 'warn' || line.level === 'error' || line.module === 'roles') {
            t.diagnostic(
              `node${i} ${line.level} ${line.msg} ${JSON.stringify(line.data).slice(0, 300)}`,
            );
          }
        }
      }
    });
    t.after(async () => {
      for (const r of runtimes) await r.close().catch(() => undefined);
    });

    // Honest answers, kept for the parasite to replay.
    const honestAnswers: Array<{ tokens: number[]; stop: 'eos' | 'maxTokens' }> = [];
    let honestRuntime: NodeRuntime | null = null;
    let otherRuntime: NodeRuntime | null = null;
    const loaded = new Map<NodeRuntime, Promise<unknown>>();
    const engineOf = (runtime: NodeRuntime, file: string) => {
      let ready = loaded.get(runtime);
      if (ready === undefined) {
        ready = runtime.models.load({ path: file, threads: 1, contextSize: 512 });
        loaded.set(runtime, ready);
      }
      return ready.then(() => runtime.models.engine);
    };
    const honest: Answerer = async (request, onTokens, signal) => {
      const engine = await engineOf(honestRuntime!, modelA);
      const result = await engine.generateTokens(request, onTokens, signal);
      honestAnswers.push({ tokens: result.tokens, stop: result.stop });
      return { tokens: result.tokens, stop: result.stop };
    };
    const garbage: Answerer = async (request, onTokens) => {
      const tokens = Array.from(
        { length: request.maxTokens },
        (_, i) => 3 + ((i * 7919 + request.prompt.length) % 250),
      );
      onTokens(tokens);
      return { tokens, stop: 'maxTokens' };
    };
    const otherModel: Answerer = async (request, onTokens, signal) => {
      const engine = await engineOf(otherRuntime!, modelB);
      const result = await engine.generateTokens(request, onTokens, signal);
      return { tokens: result.tokens, stop: result.stop };
    };
    const refusals: string[] = [];
    let parasiteKey: Awaited<ReturnType<typeof loadWorkingHotkey>> = null;
    let parasiteRuntime: NodeRuntime | null = null;
    const parasite: Answerer = async (request, onTokens) => {
      // Forward the task to the honest miner under its own hotkey: refused (no permit).
      const state = parasiteRuntime!.chain.openStore!.state;
      const honestHotkey = (await loadWorkingHotkey(nodes[1]!.dataDir))!.publicKey;
      const target = state.subnets
        .get(netuidKey(1))!
        .neurons.find((n) => n.hotkey === honestHotkey);
      const addr = target?.axon?.addrs.find((a) =>
        a.endsWith(`/p2p/${peerIdFromPublicKey(Buffer.from(honestHotkey, 'hex'))}`),
      );
      if (addr !== undefined) {
        const client = new TaskClient({
          chainId: state.chainId,
          host: parasiteRuntime!.network.p2p!.host,
        });
        const outcome = await client.send(
          addr,
          signTaskRequest(
            state.chainId,
            {
              taskId: 'ab'.repeat(32),
              netuid: 1,
              validator: parasiteKey!.publicKey,
              miner: honestHotkey,
              modelSha256: state.subnets.get(netuidKey(1))!.model!.sha256,
              prompt: request.prompt,
              maxTokens: request.maxTokens,
              nonce: Date.now(),
              timeoutMs: 5_000,
            },
            (bytes) => signMessage(parasiteKey!.secretKey, bytes),
          ),
          { signal: AbortSignal.timeout(6_000) },
        );
        refusals.push(outcome.kind === 'refused' ? outcome.code : outcome.kind);
      }
      // Then replay an earlier honest answer.
      const replay = honestAnswers[honestAnswers.length - 1] ?? {
        tokens: [5, 6, 7],
        stop: 'eos' as const,
      };
      onTokens(replay.tokens);
      return replay;
    };
    const seams: Array<Answerer | undefined> = [undefined, honest, garbage, otherModel, parasite];
    const addresses = nodes.map((n) => n.address);
    for (const [i, node] of nodes.entries()) {
      await prepareJoin({
        dataDir: node.dataDir,
        genesisFile,
        bootstrap: addresses.filter((_, j) => j !== i),
      });
      const runtime = await NodeRuntime.open({
        dataDir: node.dataDir,
        mode: 'web',
        roles: { answerer: seams[i], threads: 1, alpha: 0.5 },
      });
      runtimes.push(runtime);
    }
    honestRuntime = runtimes[1]!;
    otherRuntime = runtimes[3]!;
    parasiteRuntime = runtimes[4]!;
    parasiteKey = await loadWorkingHotkey(nodes[4]!.dataDir);
    for (const r of runtimes) await r.node.start();

    const validator = runtimes[0]!;
    const hotkeys = await Promise.all(
      nodes.map(async (n) => (await loadWorkingHotkey(n.dataDir))!.publicKey),
    );
    const subnetState = () => validator.chain.openStore!.state.subnets.get(netuidKey(1))!;
    const neuron = (i: number) => subnetState().neurons.find((n) => n.hotkey === hotkeys[i]);

    // Every miner registers and serves.
    await until(
      'four miners serving',
      () => ([1, 2, 3, 4].every((i) => neuron(i)?.axon != null) ? true : null),
      90_000,
    );

    // The epoch payouts, checked at every block: stake grown by exactly the emission.
    const honestColdkey = neuron(1)!.coldkey;
    const stakeOf = (s: ChainState) =>
      s.hotkeys.get(hotkeys[1]!)?.stakes.find(([c]) => c === honestColdkey)?.[1] ?? 0n;
    let previous = validator.chain.openStore!.state;
    const paidEpochs: Array<{ height: number; grown: bigint; emission: bigint }> = [];
    validator.chain.on('block', () => {
      const state = validator.chain.openStore!.state;
      const subnet = state.subnets.get(netuidKey(1))!;
      if (subnet.lastEpochBlock === state.height && state.height > previous.height) {
        const n = subnet.neurons.find((x) => x.hotkey === hotkeys[1]);
        if (n !== undefined) {
          paidEpochs.push({
            height: state.height,
            grown: stakeOf(state) - stakeOf(previous),
            emission: n.emission,
          });
        }
      }
      previous = state;
    });

    await until(
      'the honest miner to earn',
      () => {
        const n = neuron(1);
        return n !== undefined && n.incentive > 0 && paidEpochs.some((p) => p.emission > 0n)
          ? true
          : null;
      },
      180_000,
    );
    // One more epoch, so every miner has been judged on the same weights.
    const epochNow = subnetState().epochCount;
    await until(
      'one more epoch',
      () => (subnetState().epochCount > epochNow ? true : null),
      60_000,
    );

    const incentives = [1, 2, 3, 4].map((i) => neuron(i)!.incentive);
    assert.ok(incentives[0]! > 0, 'the honest miner earns');
    assert.deepEqual(incentives.slice(1), [0, 0, 0], 'garbage, other model and parasite earn 0');
    for (const i of [2, 3, 4]) assert.equal(neuron(i)!.emission, 0n);
    const paid = paidEpochs.filter((p) => p.emission > 0n);
    assert.ok(paid.length > 0);
    for (const p of paid) {
      assert.equal(p.grown, p.emission, `stake grew by the epoch's emission at ${p.height}`);
    }
    assert.ok(refusals.length > 0, 'the parasite tried to forward');
    assert.ok(
      refusals.every((r) => r === 'NOT_VALIDATOR'),
      `forwarded tasks are refused: ${refusals.join(', ')}`,
    );

    // The validator's figures and one proof against the committed root.
    const status = await validator.roles.status();
    assert.equal(status.validator.state, 'running');
    assert.ok(status.validator.figures.answersChecked > 0);
    const failing = status.validator.figures.miners.filter((m) => m.uid !== neuron(1)!.uid);
    assert.ok(
      failing.every((m) => m.ema === 0),
      'the cheaters’ moving averages are 0',
    );

    // One interaction proved against the Merkle root the validator committed on chain.
    const proofEpoch = status.validator.figures.lastProofEpoch;
    assert.ok(proofEpoch !== null && proofEpoch >= 1, 'the validator committed its log');
    const lines = (
      await readFile(
        path.join(nodes[0]!.dataDir, 'roles', 'interactions', `epoch-1-${proofEpoch}.jsonl`),
        'utf8',
      )
    )
      .trim()
      .split('\n');
    const entry = JSON.parse(lines[lines.length - 1]!) as { taskId: string; minerUid: number };
    const proof = await validator.roles.proof(entry.taskId);
    assert.equal(proof.valid, true);
    assert.equal(proof.epoch, proofEpoch);
    assert.equal(proof.leafCount, lines.length);
    assert.equal(proof.committed?.root, proof.root);
    assert.equal(proof.entry.minerUid, entry.minerUid);

    // The honest miner goes offline: its incentive falls.
    const before = neuron(1)!.incentive;
    await honestRuntime.close();
    runtimes.splice(1, 1);
    const epochAtStop = subnetState().epochCount;
    await until(
      'the offline miner to lose incentive',
      () =>
        subnetState().epochCount >= epochAtStop + 3 && neuron(1)!.incentive < before ? true : null,
      120_000,
    );

    // ...and, once it earns nothing, a new registration takes its uid.
    await until(
      'the offline miner to earn nothing',
      () => (neuron(1)!.emission === 0n ? true : null),
      60_000,
    );
    await validator.wallets.unlock('devnet', PASSWORD);
    for (let i = 0; i < 6 && neuron(1) !== undefined; i++) {
      const hotkey = await validator.wallets.newHotkey('devnet');
      await validator.chain.signAndSubmit(
        'devnet',
        {
          kind: 'register',
          netuid: 1,
          hotkey: hotkey.publicKey.toLowerCase(),
          maxBurn: subnetState().burn * 4n,
        },
        { preconfirmed: true, waitMs: 20_000 },
      );
    }
    assert.equal(neuron(1), undefined, 'the offline miner was replaced by a new registration');

    // Audit: with the secret its latest commit revealed, anyone recomputes that epoch's task ids.
    const last = neuron(0)!.proof!;
    const commit = validator.chain.queries.proofCommit(addressOf(hotkeys[0]!), 1, last.epoch);
    assert.ok(commit?.reveal, 'the commit revealed the secret of the epoch it covers');
    const audited = (
      await readFile(
        path.join(nodes[0]!.dataDir, 'roles', 'interactions', `epoch-1-${last.epoch}.jsonl`),
        'utf8',
      )
    )
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            taskId: string;
            minerUid: number;
            seedBlock: string;
            seedCounter: number;
          },
      );
    assert.ok(audited.length > 0);
    for (const e of audited) {
      const seed = taskSeed(fromHex(commit.reveal), e.seedBlock, e.minerUid, e.seedCounter);
      assert.equal(toHex(seed), e.taskId, 'the task id is the seed the revealed secret gives');
    }
    passed = true;
  },
);
