/**
 * The Validate role: sends every serving miner a fresh task each round, verifies and scores the
 * answers, keeps a moving average per miner, sets weights with commit-reveal, and each epoch
 * commits the Merkle root of its interaction log on chain (docs/proof-of-intelligence.md).
 *
 * Per epoch e the validator draws a secret s_e, publishes hash(s_e) in its `commit_proof` for
 * e − 1 and reveals s_e in its `commit_proof` for e. Prompts of epoch e are built from
 * hash("noesis-task", s_e, block hash, miner uid, counter): a miner cannot predict them, yet
 * anyone can recompute them once s_e is revealed. The secrets, the moving averages and the weights
 * awaiting their reveal live in `roles/validator-<netuid>.json` (0600), written before anything
 * that depends on them leaves the node, so a restart continues the same epoch.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fromHex, hash256, signMessage, toHex, type Hex } from '../chain/crypto.ts';
import { weightsCommitHash } from '../chain/tx.ts';
import type { TxCall } from '../chain/tx.ts';
import { netuidKey, type Neuron, type Subnet, type SubnetModel } from '../chain/types.ts';
import { addressOf } from '../chain/queries.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import type { WorkingHotkey } from '../network/node-key.ts';
import { peerIdFromPublicKey } from '../wallet/peer-id.ts';
import type { RoleReason, ValidatorFigures, ValidatorMinerView } from '../api/methods/roles.ts';
import { cheapCheck, judgeMargins, type Verdict } from '../inference/verify.ts';
import {
  ensureModel,
  modelOf,
  neuronOf,
  RoleError,
  stateOf,
  subnetOf,
  submitAsHotkey,
  type RolesContext,
} from './context.ts';
import { findModelFile } from './miner.ts';
import { loadCorpus, type Corpus } from './corpus.ts';
import { buildPrompt, PromptDeduper, taskSeed } from './prompts.ts';
import { shouldVerify } from './spot-check.ts';
import { EpochBook, median, roundRefs, taskScore, weightsFromEma } from './scoring.ts';
import { InteractionLog, NO_ANSWER_HASH } from './interaction-log.ts';
import { TaskClient, TaskNonceClock, signTaskRequest, type TaskOutcome } from './task-client.ts';

export interface ValidatorOptions {
  netuid: number;
  hotkey: WorkingHotkey;
  threads?: number | undefined;
  /** Moving-average weight of the newest epoch (research default 0.1; devnets use more). */
  alpha?: number | undefined;
  /** Least pause between rounds (ms); rounds also start at most every ROUND_INTERVAL_MS. */
  roundGapMs?: number | undefined;
  /** Per-task timeout (ms). */
  taskTimeoutMs?: number | undefined;
  /**
   * Model-check every answer instead of the spot-check sample (benchmarks: the validator's cost
   * when nothing is sampled away). Extra checks only: every answer the draw picks is still checked.
   */
  verifyAll?: boolean | undefined;
}

interface SavedState {
  version: 1;
  /** epoch → secret (hex) */
  secrets: Record<string, string>;
  /** miner hotkey → moving average */
  ema: Record<string, number>;
  /** Weights committed and waiting for their reveal epoch. */
  pending: Array<{
    /** The epoch the reveal is expected in if the commit lands at once (a staleness bound). */
    revealEpoch: number;
    /** The commit's hash, to find it among the neuron's commits on chain. */
    hash: Hex;
    uids: number[];
    weights: number[];
    salt: string;
    /** The epoch a reveal was last sent in (null: not yet). */
    sentAt: number | null;
  }>;
  /** The last epoch whose entry (weights, proof) was done: a restart does not redo it. */
  entered?: number;
}

const MIN_CHECKED = 10;
/** Least time from one round's start to the next: one task per miner per 1.1 s. */
const ROUND_INTERVAL_MS = 1_100;
/** Below this moving average a miner gets no weight. */
const EMA_FLOOR = 0.05;

interface Judged {
  task: { miner: Neuron; taskId: Hex; prompt: number[]; counter: number };
  outcome: TaskOutcome;
  verdict: Verdict | null;
  checked: boolean;
}

export class ValidatorRole {
  private readonly ctx: RolesContext;
  private readonly o: ValidatorOptions;
  private readonly file: string;
  private saved: SavedState = { version: 1, secrets: {}, ema: {}, pending: [] };
  private model: SubnetModel | null = null;
  private modelFile: string | null = null;
  private corpus: Corpus | null = null;
  private log: InteractionLog | null = null;
  private client: TaskClient | null = null;
  private book = new EpochBook();
  private readonly dedupe = new PromptDeduper(4096);
  private readonly nonces = new TaskNonceClock();
  private epoch: number | null = null;
  private counter = 0;
  private running = false;
  /** Aborted by stop(): tasks in flight end at once. */
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private special = new Set<number>();
  private vocabSize = 0;
  private lastError: RoleReason | null = null;
  private noMiners = false;
  private readonly figuresData = {
    tasksSent: 0,
    answersChecked: 0,
    passed: 0,
    scoreSum: 0,
    scored: 0,
    tps: [] as number[],
    lastWeightsBlock: null as number | null,
    lastProofEpoch: null as number | null,
  };
  private readonly perMiner = new Map<string, ValidatorMinerView>();
  /** `${epoch}:${miner hotkey}` → the miner's last task id in that epoch. */
  private readonly lastTaskOf = new Map<string, Hex>();

  constructor(ctx: RolesContext, options: ValidatorOptions) {
    this.ctx = ctx;
    this.o = options;
    this.file = path.join(ctx.dataDir, 'roles', `validator-${options.netuid}.json`);
  }

  get hotkey(): Hex {
    return this.o.hotkey.publicKey;
  }

  /** sha256 of the model this validator checks answers with (null before start). */
  get modelSha256(): Hex | null {
    return this.model?.sha256 ?? null;
  }

  async start(): Promise<void> {
    const { ctx, o } = this;
    const state = stateOf(ctx);
    const subnet = subnetOf(state, o.netuid);
    const model = modelOf(subnet);
    const me = neuronOf(subnet, o.hotkey.publicKey);
    if (me === null) {
      throw new RoleError(
        'NOT_REGISTERED',
        `this hotkey holds no uid on subnet ${o.netuid}: register it and stake to get a validator permit`,
      );
    }
    if (!me.validatorPermit) {
      throw new RoleError(
        'NO_PERMIT',
        "this hotkey has no validator permit: it needs more stake than the subnet's smallest validator",
      );
    }
    this.model = model;
    const file = await findModelFile(ctx, model);
    this.modelFile = file;
    await ensureModel(ctx, file, { contextSize: model.contextSize, threads: o.threads });
    const info = await ctx.models.engine.tokenInfo();
    this.vocabSize = info.vocabSize;
    // End-of-generation tokens may not appear mid-answer (BOS may: a model can pick it honestly).
    this.special = new Set(info.eog);
    this.corpus = await loadCorpus();
    this.log = await InteractionLog.open(path.join(ctx.dataDir, 'roles', 'interactions'));
    this.saved = await this.load();
    const p2p = await ctx.network.whenRunning();
    this.client = new TaskClient({ chainId: state.chainId, host: p2p.host });
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.wake?.();
    await this.loop;
    this.loop = null;
    await this.log?.close();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
        this.lastError = null;
      } catch (error) {
        this.lastError = {
          code: error instanceof RoleError ? error.reason : 'FAILED',
          message: error instanceof Error ? error.message : String(error),
        };
        this.ctx.logger.warn({ err: this.lastError.message }, 'validator: round failed');
        await this.sleep(1000);
      }
    }
  }

  /** Waits `ms`, or less when stopped. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  private async step(): Promise<void> {
    const state = stateOf(this.ctx);
    const subnet = subnetOf(state, this.o.netuid);
    if (this.epoch !== subnet.epochCount) await this.enterEpoch(subnet);
    await this.revealDue(subnet);
    const miners = subnet.neurons.filter(
      (n) => n.hotkey !== this.o.hotkey.publicKey && addressesOf(n).length > 0,
    );
    this.noMiners = miners.length === 0;
    if (this.noMiners) {
      await this.sleep(1000);
      return;
    }
    const started = Date.now();
    await this.round(subnet, state.lastBlockHash, miners);
    // Rounds start at most every ROUND_INTERVAL_MS: a miner accepts 60 tasks a minute from one
    // validator (task-server.ts), and a refused task would score 0 for the validator's haste.
    const elapsed = Date.now() - started;
    await this.sleep(Math.max(this.o.roundGapMs ?? 50, ROUND_INTERVAL_MS - elapsed));
  }

  /** One task per miner, sent together; then the checks, the scores and the log. */
  private async round(subnet: Subnet, blockHash: Hex, miners: Neuron[]): Promise<void> {
    const { ctx, o } = this;
    const model = this.model!;
    const epoch = subnet.epochCount;
    const secret = fromHex(this.secretFor(epoch));
    await ensureModel(ctx, this.modelFile!, {
      contextSize: model.contextSize,
      threads: o.threads,
    });
    const engine = ctx.models.engine;
    const chainId = stateOf(ctx).chainId;
    this.dedupe.nextRound();
    const tasks: Judged['task'][] = [];
    for (const miner of miners) {
      let seed: Uint8Array;
      let text: string;
      let counter: number;
      do {
        counter = this.counter++;
        seed = taskSeed(secret, blockHash, miner.uid, counter);
        text = buildPrompt(seed, this.corpus!).text;
      } while (!this.dedupe.accept(text));
      const tokens = await engine.tokenize(text);
      const prompt = tokens.slice(0, Math.max(1, model.contextSize - model.maxTokens - 1));
      tasks.push({ miner, taskId: toHex(seed), prompt, counter });
    }
    const timeoutMs = o.taskTimeoutMs ?? 15_000;
    const outcomes = await Promise.all(
      tasks.map(async (task) => {
        const request = signTaskRequest(
          chainId,
          {
            taskId: task.taskId,
            netuid: o.netuid,
            validator: o.hotkey.publicKey,
            miner: task.miner.hotkey,
            modelSha256: model.sha256,
            prompt: task.prompt,
            maxTokens: model.maxTokens,
            nonce: this.nonces.next(),
            timeoutMs,
          },
          (bytes) => signMessage(o.hotkey.secretKey, bytes),
        );
        this.figuresData.tasksSent++;
        // Each published address in turn until one connects (a LAN or loopback address is only
        // reachable from nearby).
        let outcome: TaskOutcome = { kind: 'dial_failed', reason: 'no address' };
        for (const address of addressesOf(task.miner)) {
          outcome = await this.client!.send(address, request, {
            signal: AbortSignal.any([AbortSignal.timeout(timeoutMs + 5_000), this.abort.signal]),
          });
          if (outcome.kind !== 'dial_failed') break;
        }
        return { task, outcome };
      }),
    );
    // The checks run one after another on the validator's single engine.
    const rules = {
      tauMilli: model.tauMilli,
      maxViolations: model.maxViolations,
      maxTokens: model.maxTokens,
    };
    const judged: Judged[] = [];
    // Stopped meanwhile: tasks cut short say nothing about the miners; score nothing.
    if (!this.running) return;
    for (const { task, outcome } of outcomes) {
      if (outcome.kind === 'aborted') continue;
      if (outcome.kind !== 'ok') {
        judged.push({ task, outcome, verdict: null, checked: false });
        continue;
      }
      const cheap = cheapCheck(outcome.tokens, outcome.stop, rules, this.vocabSize, this.special);
      if (cheap !== null) {
        judged.push({ task, outcome, verdict: cheap, checked: true });
        continue;
      }
      // Decided after the answer arrived, from the epoch secret: the miner cannot know which.
      const check =
        o.verifyAll === true ||
        shouldVerify(secret, task.taskId, this.book.minerState(task.miner.uid, task.miner.hotkey), {
          minChecked: MIN_CHECKED,
          expectedTasksPerEpoch: subnet.params.tempo * 2,
          baseRate: 0.25,
        });
      if (!check) {
        judged.push({ task, outcome, verdict: null, checked: false });
        continue;
      }
      await ensureModel(ctx, this.modelFile!, {
        contextSize: model.contextSize,
        threads: o.threads,
      });
      const scored = await engine.scoreTokens({
        prompt: task.prompt,
        answer: outcome.tokens,
        stop: outcome.stop,
      });
      const verdict = judgeMargins(
        scored.margins,
        outcome.tokens,
        outcome.stop,
        rules,
        scored.eogTop,
      );
      if (!verdict.pass) {
        ctx.logger.debug(
          { miner: task.miner.uid, failure: verdict.failure, worstMargin: verdict.worstMargin },
          'validator: an answer failed its check',
        );
      }
      judged.push({ task, outcome, verdict, checked: true });
    }
    const verifiedOf = (j: Judged) => (j.checked ? (j.verdict?.pass ?? false) : null);
    const refs = roundRefs(
      judged.map((j) => ({
        verified: verifiedOf(j),
        ttftMs: j.outcome.kind === 'ok' ? j.outcome.timings.ttftMs : null,
        tokensPerSecond: j.outcome.kind === 'ok' ? j.outcome.timings.tokensPerSecond : null,
      })),
    );
    for (const j of judged) {
      const ok = j.outcome.kind === 'ok' ? j.outcome : null;
      const verified = verifiedOf(j);
      const { score, result } = taskScore(
        {
          outcome:
            ok !== null
              ? 'ok'
              : j.outcome.kind === 'timeout'
                ? 'timeout'
                : j.outcome.kind === 'refused'
                  ? 'refused'
                  : 'error',
          verified,
          ttftMs: ok?.timings.ttftMs ?? null,
          tokensPerSecond: ok?.timings.tokensPerSecond ?? null,
        },
        refs,
      );
      this.book.record(j.task.miner.uid, j.task.miner.hotkey, { result, score });
      await this.log!.append(
        {
          taskId: j.task.taskId,
          netuid: o.netuid,
          epoch,
          minerUid: j.task.miner.uid,
          minerHotkey: j.task.miner.hotkey,
          answerHash: ok?.receipt.receipt.answerHash ?? NO_ANSWER_HASH,
          result,
          score,
          ttftMs: ok?.timings.ttftMs ?? null,
          tokensPerSecond: ok?.timings.tokensPerSecond ?? null,
          at: Date.now(),
          seedBlock: blockHash,
          seedCounter: j.task.counter,
        },
        { sync: false },
      );
      this.note(j.task.miner, score, result, j.checked, verified, ok?.timings.tokensPerSecond);
      this.lastTaskOf.set(`${epoch}:${j.task.miner.hotkey}`, j.task.taskId);
    }
    await this.log!.flush();
  }

  private note(
    miner: Neuron,
    score: number,
    result: string,
    checked: boolean,
    verified: boolean | null,
    tps: number | null | undefined,
  ): void {
    const f = this.figuresData;
    f.scoreSum += score;
    f.scored++;
    if (checked) {
      f.answersChecked++;
      if (verified === true) f.passed++;
    }
    if (tps !== undefined && tps !== null && tps > 0) {
      f.tps.push(tps);
      if (f.tps.length > 64) f.tps.shift();
    }
    const view = this.perMiner.get(miner.hotkey) ?? {
      uid: miner.uid,
      hotkey: addressOf(miner.hotkey),
      ema: 0,
      lastScore: null,
      sent: 0,
      checked: 0,
      failed: 0,
      lastResult: null,
      provableTaskId: null,
    };
    view.uid = miner.uid;
    view.lastScore = score;
    view.lastResult = result;
    view.sent++;
    if (checked) view.checked++;
    if (verified === false) view.failed++;
    this.perMiner.set(miner.hotkey, view);
  }

  private secretFor(epoch: number): Hex {
    let secret = this.saved.secrets[String(epoch)];
    if (secret === undefined) {
      secret = toHex(randomBytes(32));
      this.saved.secrets[String(epoch)] = secret;
    }
    return secret;
  }

  private async submit(call: TxCall): Promise<boolean> {
    try {
      await submitAsHotkey(this.ctx, this.o.hotkey, call);
      return true;
    } catch (error) {
      this.ctx.logger.warn(
        { kind: call.kind, err: String(error) },
        'validator: transaction refused',
      );
      return false;
    }
  }

  /**
   * Reveals each committed weight vector in the epoch the chain expects (its commit's epoch, as
   * included, plus revealPeriodEpochs), read from the chain at every step: a commit that landed an
   * epoch late, or an epoch entered late, still gets its reveal. An expired commit is dropped.
   */
  private async revealDue(subnet: Subnet): Promise<void> {
    const me = neuronOf(subnet, this.o.hotkey.publicKey);
    if (me === null || this.saved.pending.length === 0) return;
    const period = subnet.params.revealPeriodEpochs;
    let changed = false;
    for (const p of [...this.saved.pending]) {
      const commit = me.commits.find((c) => c.hash === p.hash);
      const stale = commit === undefined && p.revealEpoch + 1 < subnet.epochCount;
      const expired = commit !== undefined && commit.epoch + period < subnet.epochCount;
      if (stale || expired) {
        this.saved.pending = this.saved.pending.filter((q) => q !== p);
        changed = true;
        continue;
      }
      if (
        commit === undefined ||
        commit.epoch + period !== subnet.epochCount ||
        p.sentAt === subnet.epochCount
      ) {
        continue;
      }
      p.sentAt = subnet.epochCount;
      changed = true;
      const revealed = await this.submit({
        kind: 'reveal_weights',
        netuid: this.o.netuid,
        uids: p.uids,
        weights: p.weights,
        salt: p.salt,
      });
      if (revealed) this.figuresData.lastWeightsBlock = stateOf(this.ctx).height;
    }
    if (changed) await this.save();
  }

  /**
   * A new epoch: close the last one (moving averages, weights with commit-reveal, the proof of the
   * log with its secret revealed and the next secret's hash), then start counting afresh. Done
   * once per epoch even across restarts (`entered` is saved), so a restart sends no duplicates.
   */
  private async enterEpoch(subnet: Subnet): Promise<void> {
    const { o } = this;
    const now = subnet.epochCount;
    const worked = this.epoch;
    const closing = this.book;
    this.epoch = now;
    this.book = new EpochBook();
    const nextSecret = this.secretFor(now);
    if (this.saved.entered === now) {
      await this.save(); // the secret, if it was new
      return;
    }
    for (const key of Object.keys(this.saved.secrets)) {
      if (Number(key) < now - 8) delete this.saved.secrets[key]; // revealed on chain long ago
    }
    if (worked !== null) {
      const closed = closing.closeEpoch(
        new Map(Object.entries(this.saved.ema)),
        { alpha: o.alpha ?? 0.1, failRateCut: 0.15, minChecked: MIN_CHECKED },
        subnet.neurons.filter((n) => n.hotkey !== o.hotkey.publicKey),
      );
      this.saved.ema = Object.fromEntries(closed.ema);
    }
    // A miner whose average fell below the floor (it stopped answering, or failed) gets nothing;
    // with nobody left the validator weights itself, as subtensor validators do without miners,
    // so that an offline miner's incentive really falls (weights are relative: a lone miner with
    // any positive average would otherwise keep all of it).
    const byUid = new Map<number, number>();
    for (const n of subnet.neurons) {
      const e = this.saved.ema[n.hotkey];
      if (e !== undefined && e >= EMA_FLOOR && n.hotkey !== o.hotkey.publicKey) {
        byUid.set(n.uid, e);
      }
    }
    const self = neuronOf(subnet, o.hotkey.publicKey);
    const weights =
      byUid.size > 0 || self === null
        ? weightsFromEma(byUid, 2)
        : { uids: [self.uid], weights: [65535] };
    const salt = toHex(randomBytes(16));
    const commitHash = weightsCommitHash(
      o.hotkey.publicKey,
      o.netuid,
      weights.uids,
      weights.weights,
      salt,
    );
    if (subnet.params.commitReveal && weights.uids.length > 0) {
      this.saved.pending.push({
        revealEpoch: now + subnet.params.revealPeriodEpochs,
        hash: commitHash,
        uids: weights.uids,
        weights: weights.weights,
        salt,
        sentAt: null,
      });
    }
    this.saved.entered = now;
    // Saved before the hash of the next secret or a weights commit leaves the node.
    await this.save();
    if (weights.uids.length > 0) {
      if (subnet.params.commitReveal) {
        await this.submit({ kind: 'commit_weights', netuid: o.netuid, commitHash });
      } else if (
        await this.submit({
          kind: 'set_weights',
          netuid: o.netuid,
          uids: weights.uids,
          weights: weights.weights,
        })
      ) {
        this.figuresData.lastWeightsBlock = stateOf(this.ctx).height;
      }
    }
    // The proof: the log of the last epoch worked (epochs the node slept through had none), the
    // secret the previous commit promised, and the next secret's hash.
    const last = self?.proof ?? null;
    const covered = worked ?? now - 1;
    if (covered >= 0 && covered < now && (last === null || last.epoch < covered)) {
      const { root, count } = this.log!.root(o.netuid, covered);
      const reveal =
        last === null
          ? null
          : (Object.values(this.saved.secrets).find(
              (secret) => toHex(hash256(fromHex(secret))) === last.secretHash,
            ) ?? null);
      const committed = await this.submit({
        kind: 'commit_proof',
        netuid: o.netuid,
        epoch: covered,
        root,
        entries: count,
        secretHash: toHex(hash256(fromHex(nextSecret))),
        reveal,
      });
      if (committed) {
        this.figuresData.lastProofEpoch = covered;
        for (const [hotkey, view] of this.perMiner) {
          view.provableTaskId = this.lastTaskOf.get(`${covered}:${hotkey}`) ?? view.provableTaskId;
        }
      }
      // Only the epochs still to be committed are needed.
      for (const key of this.lastTaskOf.keys()) {
        if (Number(key.split(':')[0]) <= covered) this.lastTaskOf.delete(key);
      }
    }
  }

  private async load(): Promise<SavedState> {
    try {
      const raw = JSON.parse(await readFile(this.file, 'utf8')) as Partial<SavedState>;
      if (raw.version !== 1) throw new Error('unknown version');
      return {
        version: 1,
        secrets: raw.secrets ?? {},
        ema: raw.ema ?? {},
        // Entries of an older file without the commit hash cannot be matched: dropped.
        pending: (raw.pending ?? []).filter((q) => typeof q.hash === 'string'),
        ...(typeof raw.entered === 'number' ? { entered: raw.entered } : {}),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return { version: 1, secrets: {}, ema: {}, pending: [] };
      }
      throw new RoleError('FAILED', `${this.file}: unreadable (${(error as Error).message})`);
    }
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(this.saved) + '\n', { mode: 0o600 });
  }

  reasons(): RoleReason[] {
    const out: RoleReason[] = [];
    const state = this.ctx.chain.openStore?.state;
    const subnet = state?.subnets.get(netuidKey(this.o.netuid));
    const me = subnet === undefined ? null : neuronOf(subnet, this.o.hotkey.publicKey);
    if (me === null) {
      out.push({ code: 'DEREGISTERED', message: 'this hotkey no longer holds a uid here' });
    } else if (!me.validatorPermit) {
      out.push({ code: 'NO_PERMIT', message: 'this hotkey lost its validator permit' });
    }
    if (this.noMiners) out.push({ code: 'NO_MINERS', message: 'no miner serves this subnet yet' });
    if (this.lastError !== null) out.push(this.lastError);
    return out;
  }

  figures(): ValidatorFigures {
    const f = this.figuresData;
    for (const [hotkey, view] of this.perMiner) view.ema = this.saved.ema[hotkey] ?? 0;
    return {
      tasksSent: f.tasksSent,
      answersChecked: f.answersChecked,
      passRate: f.answersChecked === 0 ? null : f.passed / f.answersChecked,
      averageScore: f.scored === 0 ? null : f.scoreSum / f.scored,
      tokensPerSecond: median(f.tps),
      lastWeightsBlock: f.lastWeightsBlock,
      lastProofEpoch: f.lastProofEpoch,
      epoch: this.epoch,
      miners: [...this.perMiner.values()].sort((a, b) => a.uid - b.uid),
    };
  }

  /** The interaction log (for `roles.proof`). */
  get interactions(): InteractionLog | null {
    return this.log;
  }
}

/**
 * The miner's published addresses whose peer id is its hotkey's (the connection then proves the
 * hotkey), in the miner's order; an address naming another peer is ignored.
 */
function addressesOf(n: Neuron): string[] {
  const peerId = peerIdFromPublicKey(fromHex(n.hotkey));
  return (n.axon?.addrs ?? []).filter((addr) => addr.endsWith(`/p2p/${peerId}`));
}
