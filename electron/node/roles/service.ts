/**
 * RolesService: the node's roles on a subnet, Mine (miner.ts) and Validate (validator.ts), as one
 * node service started after the network. It owns:
 *   - turning a wallet's hotkey into the node's working identity (network/node-key.ts) when the
 *     user starts a role, and the registration a miner needs (coldkey-signed, confirmed);
 *   - `roles/roles.json`: the roles the user wants running, so that after a restart (or a crash)
 *     the node brings back what the user did not stop — without the wallet, since the working
 *     hotkey signs everything a running role sends;
 *   - the API (`roles.*`) and the `roles.status` event.
 * It must not touch funds other than the registration burn the user approves.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { NodeService } from '../service.ts';
import type {
  InteractionProofView,
  MinerStatusView,
  RoleReason,
  RoleStartInput,
  RolesStatusView,
  RoleState,
  ValidatorStatusView,
} from '../api/methods/roles.ts';
import { addressOf } from '../chain/queries.ts';
import { netuidKey } from '../chain/types.ts';
import { formatTao } from '../chain/amount.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { activateHotkey, loadWorkingHotkey, type WorkingHotkey } from '../network/node-key.ts';
import { parseLibp2pPrivateKeyProtobuf } from '../wallet/peer-id.ts';
import {
  reasonOf,
  RoleError,
  stateOf,
  subnetOf,
  standingOf,
  type RolesContext,
} from './context.ts';
import { MinerRole, type Answerer } from './miner.ts';
import { ValidatorRole } from './validator.ts';
import { verifyMerkleProof } from './merkle.ts';

const Wanted = z.object({
  netuid: z.number().int().min(0),
  wallet: z.string().nullable(),
  hotkeyIndex: z.number().int().min(0),
  /**
   * Register the hotkey without asking when a resumed role finds it unregistered (devnet, or a
   * server whose operator opted in); otherwise a resumed role says NOT_REGISTERED and waits for
   * the user, whose start shows the burn.
   */
  autoRegister: z.boolean().default(false),
});
const RolesFile = z.object({
  version: z.literal(1),
  mine: Wanted.nullable(),
  validate: Wanted.nullable(),
});
type RolesFile = z.infer<typeof RolesFile>;
type Wanted = z.infer<typeof Wanted>;

export interface RolesServiceOptions extends RolesContext {
  /** Pushes the roles.status event. */
  onStatus?: (status: RolesStatusView) => void;
  /**
   * Test and benchmark seams: the miner's answer source, model threads, moving-average alpha, and
   * a validator that model-checks every answer (bench/validator-throughput.ts).
   */
  answerer?: Answerer | undefined;
  threads?: number | undefined;
  alpha?: number | undefined;
  verifyAll?: boolean | undefined;
}

type RoleName = 'mine' | 'validate';

interface Slot<R> {
  state: RoleState;
  role: R | null;
  wanted: Wanted | null;
  hotkey: string | null;
  error: RoleReason | null;
}

export class RolesService extends EventEmitter implements NodeService {
  readonly name = 'roles';
  private readonly o: RolesServiceOptions;
  private readonly file: string;
  private wanted: RolesFile = { version: 1, mine: null, validate: null };
  private readonly miner: Slot<MinerRole> = {
    state: 'stopped',
    role: null,
    wanted: null,
    hotkey: null,
    error: null,
  };
  private readonly validator: Slot<ValidatorRole> = {
    state: 'stopped',
    role: null,
    wanted: null,
    hotkey: null,
    error: null,
  };
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private running = false;

  constructor(options: RolesServiceOptions) {
    super();
    this.o = options;
    this.file = path.join(options.dataDir, 'roles', 'roles.json');
  }

  async start(_signal: AbortSignal): Promise<void> {
    this.running = true;
    this.wanted = await this.readWanted();
    this.timer = setInterval(() => {
      this.publish();
      this.followModel();
    }, 2_000);
    this.timer.unref();
    // Bring back what the user left running, once the chain is open; never block the node start.
    void this.resume();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.enqueue(async () => {
      await this.stopRole('mine', false);
      await this.stopRole('validate', false);
    });
  }

  detail(): string | null {
    const parts: string[] = [];
    if (this.miner.state !== 'stopped') parts.push(`mining: ${this.miner.state}`);
    if (this.validator.state !== 'stopped') parts.push(`validating: ${this.validator.state}`);
    return parts.length === 0 ? null : parts.join(', ');
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async resume(): Promise<void> {
    for (let i = 0; i < 600 && this.running && this.o.chain.openStore === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!this.running) return;
    for (const role of ['validate', 'mine'] as const) void this.resumeRole(role);
  }

  /**
   * A subnet whose model changed (a `subnet_model` proposal was enacted): a running role restarts,
   * so that it loads the new file (or says MODEL_MISSING) instead of answering, or judging, with
   * the old one.
   */
  private followModel(): void {
    const state = this.o.chain.openStore?.state;
    if (state === undefined) return;
    for (const role of ['mine', 'validate'] as const) {
      const slot = this.slot(role);
      const running = slot.role;
      const wanted = slot.wanted;
      if (slot.state !== 'running' || running === null || wanted === null) continue;
      const subnet = state.subnets.get(netuidKey(wanted.netuid));
      const named = subnet?.model?.sha256 ?? null;
      if (named === null || named === running.modelSha256) continue;
      this.o.logger.info(
        { role, netuid: wanted.netuid, model: named },
        'roles: the subnet model changed',
      );
      void this.enqueue(() =>
        // Still wanted, and as this? (The user may have stopped or changed it meanwhile.)
        this.wanted[role] === null || this.slot(role).wanted !== wanted
          ? Promise.resolve()
          : this.startRole(role, wanted, { fromUser: false, preconfirmed: true }),
      ).catch(() => this.resumeRole(role));
    }
  }

  /** Starts a role the user left running, retrying with exponential backoff while it fails. */
  private async resumeRole(role: RoleName): Promise<void> {
    for (let delay = 2_000; this.running; delay = Math.min(delay * 2, 60_000)) {
      const wanted = this.wanted[role];
      if (wanted === null || this.slot(role).state === 'running') return;
      try {
        await this.enqueue(() =>
          // Re-read inside the queue: a stop the user queued first must win.
          this.wanted[role] === null || this.slot(role).state === 'running'
            ? Promise.resolve()
            : this.startRole(role, this.wanted[role]!, { fromUser: false, preconfirmed: true }),
        );
        return;
      } catch {
        // The reason is in the role's status; try again later.
      }
      await new Promise((r) => setTimeout(r, delay).unref());
    }
  }

  // ---- API ----------------------------------------------------------------------------------

  async status(): Promise<RolesStatusView> {
    return { miner: this.minerView(), validator: this.validatorView() };
  }

  async startMining(input: RoleStartInput, preconfirmed = false): Promise<RolesStatusView> {
    const wanted = await this.wantedFrom(input);
    await this.enqueue(() => this.startRole('mine', wanted, { fromUser: true, preconfirmed }));
    return this.status();
  }

  async startValidating(input: RoleStartInput): Promise<RolesStatusView> {
    const wanted = await this.wantedFrom(input);
    await this.enqueue(() =>
      this.startRole('validate', wanted, { fromUser: true, preconfirmed: true }),
    );
    return this.status();
  }

  async stopMining(): Promise<RolesStatusView> {
    await this.enqueue(() => this.stopRole('mine', true));
    return this.status();
  }

  async stopValidating(): Promise<RolesStatusView> {
    await this.enqueue(() => this.stopRole('validate', true));
    return this.status();
  }

  /** Proves one interaction of this node's validator log against its committed root. */
  async proof(taskId: string): Promise<InteractionProofView> {
    const log = this.validator.role?.interactions ?? (await this.openLogForProof());
    const found = await log.prove(taskId);
    if (found === null) {
      throw new RoleError('FAILED', `task ${taskId} is not in this validator's log`, { taskId });
    }
    const { entry, leaf, proof, root, netuid, epoch } = found;
    // The log is this node's: its entries were committed by the hotkey it works as.
    const hotkey =
      this.validator.hotkey ?? (await loadWorkingHotkey(this.o.dataDir))?.publicKey ?? null;
    const commit = hotkey === null ? null : this.o.chain.queries.proofCommit(hotkey, netuid, epoch);
    const valid =
      commit !== null &&
      commit.root === root &&
      // The root alone does not fix the leaf count: the committed count must match too.
      commit.entries === proof.leafCount &&
      verifyMerkleProof(leaf, proof, commit.root);
    return {
      taskId,
      netuid,
      epoch,
      entry: {
        minerUid: entry.minerUid,
        minerHotkey: addressOf(entry.minerHotkey),
        answerHash: entry.answerHash,
        result: entry.result,
        score: entry.score,
        at: entry.at,
      },
      leaf,
      index: proof.index,
      leafCount: proof.leafCount,
      siblings: proof.siblings,
      root,
      committed:
        commit === null ? null : { block: commit.block, txHash: commit.txHash, root: commit.root },
      valid,
    };
  }

  private async openLogForProof() {
    const { InteractionLog } = await import('./interaction-log.ts');
    return InteractionLog.open(path.join(this.o.dataDir, 'roles', 'interactions'));
  }

  // ---- roles --------------------------------------------------------------------------------

  private async wantedFrom(input: RoleStartInput): Promise<Wanted> {
    let wallet = input.wallet ?? null;
    if (wallet === null) {
      const list = await this.o.wallets.list();
      wallet = list.wallets[0]?.name ?? null;
    }
    return {
      netuid: input.netuid ?? 1,
      wallet,
      hotkeyIndex: input.hotkeyIndex ?? 0,
      autoRegister: false,
    };
  }

  /**
   * The hotkey a role works as: the wallet's (when it is unlocked; it becomes the node's identity)
   * or, resuming after a restart, the working hotkey already on disk if it is that wallet's.
   */
  private async hotkeyFor(wanted: Wanted, role: RoleName): Promise<WorkingHotkey> {
    const { wallets } = this.o;
    const current = await loadWorkingHotkey(this.o.dataDir);
    if (wanted.wallet === null) {
      if (current !== null) return current;
      throw new RoleError('WALLET_LOCKED', 'create or import a wallet first');
    }
    const info = await wallets.show(wanted.wallet);
    const stored = info.hotkeys.find((h) => h.index === wanted.hotkeyIndex);
    if (stored === undefined) {
      throw new RoleError(
        'FAILED',
        `wallet "${wanted.wallet}" has no hotkey ${wanted.hotkeyIndex}`,
      );
    }
    if (current !== null && current.publicKey === stored.publicKey.toLowerCase()) return current;
    // Switching identity restarts the network under it: the other role, running as the current
    // hotkey, would lose its host and its identity. One hotkey per node at a time.
    const other = this.slot(role === 'mine' ? 'validate' : 'mine');
    if (other.state !== 'stopped' && other.state !== 'error' && other.hotkey !== null) {
      throw new RoleError(
        'HOTKEY_IN_USE',
        `the other role runs as ${addressOf(other.hotkey)}: use that hotkey, or stop that role first`,
      );
    }
    if (info.locked) {
      throw new RoleError(
        'WALLET_LOCKED',
        `unlock wallet "${wanted.wallet}" so the node can work as its hotkey`,
        { wallet: wanted.wallet },
      );
    }
    const identity = wallets.nodeIdentity(wanted.wallet, wanted.hotkeyIndex);
    const { secretKey, publicKey } = parseLibp2pPrivateKeyProtobuf(identity.privateKeyProtobuf);
    identity.privateKeyProtobuf.fill(0);
    const { changed } = await activateHotkey(this.o.dataDir, secretKey, publicKey);
    secretKey.fill(0);
    if (changed) {
      this.o.logger.info({ hotkey: identity.address }, 'roles: the node now works as this hotkey');
      await this.o.network.restart();
    }
    const working = await loadWorkingHotkey(this.o.dataDir);
    if (working === null) throw new RoleError('FAILED', 'the hotkey could not be activated');
    return working;
  }

  private slot(role: RoleName): Slot<MinerRole | ValidatorRole> {
    return role === 'mine' ? this.miner : this.validator;
  }

  /**
   * `fromUser`: the user's own start (a registration asks for approval unless `preconfirmed`);
   * otherwise the node resumes a role, and registers only where `wanted.autoRegister` says so.
   */
  private async startRole(
    role: RoleName,
    wanted: Wanted,
    how: { fromUser: boolean; preconfirmed: boolean },
  ): Promise<void> {
    const slot = this.slot(role);
    if (slot.state === 'running') await this.stopRole(role, false);
    slot.state = 'starting';
    slot.error = null;
    slot.wanted = wanted;
    this.publish();
    try {
      stateOf(this.o); // the chain must be open
      subnetOf(stateOf(this.o), wanted.netuid);
      const hotkey = await this.hotkeyFor(wanted, role);
      slot.hotkey = hotkey.publicKey;
      const ctx: RolesContext = this.o;
      if (role === 'mine') {
        const miner = new MinerRole(ctx, {
          netuid: wanted.netuid,
          hotkey,
          answerer: this.o.answerer,
          threads: this.o.threads,
          register: () => {
            if (!how.fromUser && !wanted.autoRegister) {
              throw new RoleError(
                'NOT_REGISTERED',
                'this hotkey holds no uid on the subnet: start mining to register it (the burn is shown first)',
              );
            }
            return this.register(wanted, hotkey, how.preconfirmed);
          },
        });
        this.miner.role = miner;
        await miner.start();
      } else {
        const validator = new ValidatorRole(ctx, {
          netuid: wanted.netuid,
          hotkey,
          threads: this.o.threads,
          alpha: this.o.alpha,
          verifyAll: this.o.verifyAll,
        });
        this.validator.role = validator;
        await validator.start();
      }
      slot.state = 'running';
      this.wanted = { ...this.wanted, [role]: wanted };
      await this.saveWanted();
      this.o.logger.info({ role, netuid: wanted.netuid }, 'roles: started');
    } catch (error) {
      slot.error = reasonOf(error);
      slot.state = 'error';
      await slot.role?.stop().catch(() => undefined);
      slot.role = null;
      this.o.logger.warn({ role, reason: slot.error }, 'roles: could not start');
      this.publish();
      throw error;
    }
    this.publish();
  }

  private async register(wanted: Wanted, hotkey: WorkingHotkey, preconfirmed: boolean) {
    if (wanted.wallet === null) {
      throw new RoleError('NOT_REGISTERED', 'the hotkey is not registered and no wallet can pay');
    }
    let info = await this.o.wallets.show(wanted.wallet);
    // A headless node (devnet, a server) started with NOESIS_PASSWORD may unlock by itself.
    const password = process.env.NOESIS_PASSWORD;
    if (info.locked && password !== undefined && password !== '') {
      info = await this.o.wallets.unlock(wanted.wallet, password).catch(() => info);
    }
    if (info.locked) {
      throw new RoleError(
        'WALLET_LOCKED',
        `unlock wallet "${wanted.wallet}" to register the hotkey (its coldkey pays the burn)`,
      );
    }
    // The burn rises with each registration (one per block), so several miners registering at
    // once would price each other out: the transaction accepts up to twice the current burn (the
    // confirmation shows that bound), four times when the node resumes a role on its own (devnet,
    // a server's restart). A transaction that waits for its block stays in the mempool and lands.
    const subnet = subnetOf(stateOf(this.o), wanted.netuid);
    const maxBurn = subnet.burn * (preconfirmed ? 4n : 2n);
    this.o.logger.info(
      { netuid: wanted.netuid, burn: subnet.burn.toString(), maxBurn: maxBurn.toString() },
      'roles: registering',
    );
    await this.o.chain.signAndSubmit(
      wanted.wallet,
      { kind: 'register', netuid: wanted.netuid, hotkey: hotkey.publicKey, maxBurn },
      {
        waitMs: 60_000,
        preconfirmed,
        details: () => [{ label: 'Burn now', value: `${formatTao(subnet.burn)} TAO` }],
      },
    );
  }

  private async stopRole(role: RoleName, byUser: boolean): Promise<void> {
    const slot = this.slot(role);
    if (slot.role !== null) {
      slot.state = 'stopping';
      this.publish();
      await slot.role
        .stop()
        .catch((error: unknown) =>
          this.o.logger.warn({ role, err: String(error) }, 'roles: stop failed'),
        );
    }
    slot.role = null;
    slot.state = 'stopped';
    slot.error = null;
    if (byUser) {
      this.wanted = { ...this.wanted, [role]: null };
      await this.saveWanted();
    }
    this.publish();
  }

  // ---- views --------------------------------------------------------------------------------

  private common(slot: Slot<MinerRole | ValidatorRole>) {
    const state = this.o.chain.openStore?.state ?? null;
    const netuid = slot.wanted?.netuid ?? null;
    const subnet =
      state === null || netuid === null ? undefined : state.subnets.get(netuidKey(netuid));
    const standing =
      state !== null && subnet !== undefined && slot.hotkey !== null
        ? standingOf(state, subnet, slot.hotkey)
        : null;
    const reasons: RoleReason[] = [];
    if (slot.error !== null) reasons.push(slot.error);
    if (slot.state === 'running' && this.notReachable()) {
      reasons.push({
        code: 'NOT_REACHABLE',
        message: 'other nodes cannot dial this one; validators may not reach it (see Network)',
      });
    }
    return {
      state: slot.state,
      netuid,
      wallet: slot.wanted?.wallet ?? null,
      hotkey: slot.hotkey === null ? null : addressOf(slot.hotkey),
      reasons,
      standing,
    };
  }

  private notReachable(): boolean {
    const facts = this.o.network.p2p?.reachability() ?? null;
    return facts !== null && (facts as { status?: string }).status === 'unreachable';
  }

  private minerView(): MinerStatusView {
    const base = this.common(this.miner);
    const role = this.miner.role;
    return {
      ...base,
      reasons: [...base.reasons, ...(role?.reasons() ?? [])],
      model: role?.modelView ?? null,
      figures: role?.figures() ?? {
        tasksServed: 0,
        tasksRefused: 0,
        tokensPerSecond: null,
        lastTaskAt: null,
        validatorsThisEpoch: 0,
      },
    };
  }

  private validatorView(): ValidatorStatusView {
    const base = this.common(this.validator);
    const role = this.validator.role;
    return {
      ...base,
      reasons: [...base.reasons, ...(role?.reasons() ?? [])],
      figures: role?.figures() ?? {
        tasksSent: 0,
        answersChecked: 0,
        passRate: null,
        averageScore: null,
        tokensPerSecond: null,
        lastWeightsBlock: null,
        lastProofEpoch: null,
        epoch: null,
        miners: [],
      },
    };
  }

  private publish(): void {
    if (this.o.onStatus === undefined) return;
    const emit = this.o.onStatus;
    void this.status().then(emit, () => undefined);
  }

  // ---- persistence --------------------------------------------------------------------------

  private async readWanted(): Promise<RolesFile> {
    try {
      const parsed = RolesFile.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      if (parsed.success) return parsed.data;
      this.o.logger.warn({ file: this.file }, 'roles: roles.json unreadable, starting none');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.o.logger.warn({ file: this.file, err: String(error) }, 'roles: roles.json unreadable');
      }
    }
    return { version: 1, mine: null, validate: null };
  }

  private async saveWanted(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, JSON.stringify(this.wanted, null, 2) + '\n');
  }
}

/** Writes `roles.json` for a node before it starts (devnet). */
export async function writeWantedRoles(
  dataDir: string,
  roles: { mine?: Wanted | null; validate?: Wanted | null },
): Promise<void> {
  const file = path.join(dataDir, 'roles', 'roles.json');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const body: RolesFile = {
    version: 1,
    mine: roles.mine ?? null,
    validate: roles.validate ?? null,
  };
  await writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n');
}
