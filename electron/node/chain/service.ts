/**
 * ChainService: the chain as a node service. Owns the chain folder (`<dataDir>/chain/`), the
 * store, the mempool and, when this node's consensus key is a validator, the block producer.
 *
 * Start-up: with `chain/genesis.json` present it opens that chain (replaying the log). Without
 * it, a genesis given in the options is written first (tests, devnets); otherwise the embedded
 * local network is created from the user's first wallet, waiting for one if none exists yet
 * (local-network.ts says why). Stop: the producer finishes its block, then a final snapshot.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import type { NodeService } from '../service.ts';
import type { WalletService } from '../wallet/service.ts';
import { requireConfirmation, type SigningConfirmer, type SigningLine } from '../wallet/confirm.ts';
import { describeTx } from './describe.ts';
import { parseTao } from './amount.ts';
import { decodeSignedTx, encodeSignedTx } from './codec.ts';
import { fromHex, hash256, toHex, type Hex } from './crypto.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import { genesisState, type GenesisDoc } from './genesis.ts';
import { loadOrCreateValidatorKey, localGenesis } from './local-network.ts';
import { Mempool } from './mempool.ts';
import { BlockProducer } from './producer.ts';
import {
  ChainQueries,
  keyOf,
  pendingTxView,
  type ChainStatusView,
  type TxView,
} from './queries.ts';
import { applyBlock, checkLastCommit, decodeTx, type ApplyOk } from './state.ts';
import { blockHash, type Block, type Commit } from './block.ts';
import { checkSubnetModel } from './subnet-model.ts';
import { ChainStore, type CommittedBlock } from './store/chain-store.ts';
import { txMessage, type SignedTx, type TxBody, type TxCall } from './tx.ts';
import { proposalKey, type ChainState, type SubnetModel } from './types.ts';
import { GovernanceQueries } from './governance-queries.ts';

export interface ChainLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export type ChainWallets = Pick<WalletService, 'list' | 'show' | 'sign'>;

export interface ChainServiceOptions {
  dataDir: string;
  logger?: ChainLogger;
  wallets?: ChainWallets;
  /** Genesis for a chain folder that has none yet (tests, devnets). */
  genesis?: GenesisDoc;
  /** Overrides the genesis blockIntervalMs for this node's producer. */
  blockIntervalMs?: number;
  snapshotEvery?: number;
  /** How often to look for a wallet while waiting to create the local network (ms). */
  walletPollMs?: number;
  /**
   * Asked before every signature with a user's wallet; without one, signing needs a
   * pre-confirmed call (tests, trusted tools).
   */
  confirmer?: SigningConfirmer;
  /** This node's version: a passed upgrade signal to a newer one is logged as a warning. */
  appVersion?: string;
}

/** Options of a call that signs with the user's wallet. */
export interface SignOptions {
  fee?: bigint;
  waitMs?: number;
  /** The caller already showed the decoded action to the user (trusted clients only). */
  preconfirmed?: boolean;
  /**
   * Lines the confirmation shows besides the decoded transaction (a vote's voting power and lock
   * end), computed by the node from the body and the state it is signed against.
   */
  details?: (body: TxBody, state: ChainState) => SigningLine[];
}

export interface BlockSummary {
  height: number;
  hash: Hex;
  time: number;
  txCount: number;
  stateRoot: Hex;
}

const NO_LOG: ChainLogger = { info() {}, warn() {}, error() {} };

export interface ChainServiceEvents {
  block: [BlockSummary];
  /** A block made final here (produced or synced), with its commit: the network announces it. */
  committed: [CommittedBlock];
  /** A transaction this node accepted from a local caller (not from the network). */
  tx: [SignedTx];
}

export class ChainService extends EventEmitter<ChainServiceEvents> implements NodeService {
  readonly name = 'chain';
  readonly dir: string;
  private readonly o: ChainServiceOptions;
  private readonly log: ChainLogger;
  private store: ChainStore | null = null;
  private queriesImpl: ChainQueries | null = null;
  private producer: BlockProducer | null = null;
  readonly mempool = new Mempool();
  private phase: ChainStatusView['state'] = 'stopped';
  private message: string | null = null;
  private network: ChainStatusView['network'] = null;
  private validatorKey: Hex | null = null;
  private consensusKey: { secret: Uint8Array; publicKey: Hex } | null = null;
  private waiting: NodeJS.Timeout | null = null;
  private opening: Promise<void> | null = null;
  private readonly waiters = new Map<Hex, Array<(height: number) => void>>();

  constructor(options: ChainServiceOptions) {
    super();
    this.o = options;
    this.dir = path.join(options.dataDir, 'chain');
    this.log = options.logger ?? NO_LOG;
  }

  private files() {
    return {
      ...ChainStore.files(this.dir),
      validatorKey: path.join(this.dir, 'validator-key.json'),
    };
  }

  async start(_signal: AbortSignal): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.phase = 'starting';
    const ready = await this.ensureGenesis();
    if (ready) {
      await this.open();
      return;
    }
    this.phase = 'waiting-for-wallet';
    this.message = 'waiting for a wallet to create the local network';
    this.log.info({}, 'chain: no network and no wallet yet; waiting for a wallet');
    const poll = () => {
      this.waiting = setTimeout(() => {
        this.waiting = null;
        this.opening = (async () => {
          try {
            if (await this.ensureGenesis()) await this.open();
            else poll();
          } catch (error) {
            this.fail(error);
          }
        })();
      }, this.o.walletPollMs ?? 1000);
    };
    poll();
  }

  private fail(error: unknown): void {
    this.phase = 'error';
    this.message = error instanceof Error ? error.message : String(error);
    this.log.error({ err: this.message }, 'chain failed');
  }

  /** True once chain/genesis.json exists (writing it from options or the first wallet). */
  private async ensureGenesis(): Promise<boolean> {
    const files = this.files();
    try {
      await readFile(files.genesis);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (this.o.genesis !== undefined) {
      genesisState(this.o.genesis); // refuse a bad genesis before writing it
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(files.genesis, JSON.stringify(this.o.genesis, null, 2) + '\n');
      return true;
    }
    const wallet = await this.firstWallet();
    if (wallet === null) return false;
    const key = await loadOrCreateValidatorKey(files.validatorKey, true);
    const doc = await localGenesis(wallet.coldkey, wallet.hotkey, key!.publicKey, Date.now());
    await writeFileAtomic(files.genesis, JSON.stringify(doc, null, 2) + '\n');
    this.log.info({ chainId: doc.chainId, wallet: wallet.name }, 'chain: local network created');
    return true;
  }

  private async firstWallet(): Promise<{ name: string; coldkey: string; hotkey: string } | null> {
    if (this.o.wallets === undefined) return null;
    const { wallets } = await this.o.wallets.list();
    const first = [...wallets].sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name),
    )[0];
    if (first === undefined) return null;
    const hotkey = first.hotkeys[0]?.address ?? first.coldkey.address;
    return { name: first.name, coldkey: first.coldkey.address, hotkey };
  }

  private async open(): Promise<void> {
    const files = this.files();
    const raw: unknown = JSON.parse(await readFile(files.genesis, 'utf8'));
    const genesis = genesisState(raw);
    const store = await ChainStore.open({
      dir: this.dir,
      genesis,
      snapshotEvery: this.o.snapshotEvery,
      log: (message, data) => this.log.warn(data ?? {}, `chain: ${message}`),
    });
    this.store = store;
    this.queriesImpl = new ChainQueries(store);
    this.network = genesis.doc.chainId.startsWith('noesis-local-') ? 'local' : 'configured';
    const key = await loadOrCreateValidatorKey(files.validatorKey, false);
    this.validatorKey = key?.publicKey ?? null;
    const isValidator = key !== null && store.state.validators.some((v) => v.key === key.publicKey);
    this.log.info(
      { chainId: genesis.doc.chainId, height: store.state.height, ...store.recovery },
      'chain opened',
    );
    this.consensusKey = key;
    // With several validators blocks are agreed by consensus (consensus/shell.ts, run by the
    // network service); the single producer only runs a one-validator chain.
    if (isValidator && key !== null && store.state.validators.length === 1) {
      this.producer = new BlockProducer({
        store,
        mempool: this.mempool,
        validatorSecret: key.secret,
        validatorKey: key.publicKey,
        intervalMs: this.o.blockIntervalMs ?? store.state.params.blockIntervalMs,
        onBlock: (b) => this.onBlock(b),
        onError: (error) =>
          this.log.error({ err: String(error) }, 'chain: block production failed'),
      });
      this.producer.start();
    }
    this.phase = 'running';
    this.message = null;
  }

  private onBlock(b: CommittedBlock): void {
    const summary: BlockSummary = {
      height: b.block.header.height,
      hash: b.hash,
      time: b.block.header.time,
      txCount: b.block.txs.length,
      stateRoot: b.block.header.stateRoot,
    };
    for (const tx of b.block.txs) {
      const hash = toHex(hash256(encodeSignedTx(tx)));
      const list = this.waiters.get(hash);
      if (list) {
        this.waiters.delete(hash);
        for (const resolve of list) resolve(summary.height);
      }
    }
    this.emit('block', summary);
    this.emit('committed', b);
    this.warnAboutUpgrades();
  }

  private readonly upgradeWarnings = new Set<string>();

  /** A passed upgrade to a newer version than ours: warn once when it passes, once when active. */
  private warnAboutUpgrades(): void {
    const mine = this.o.appVersion;
    const state = this.store?.state;
    if (mine === undefined || state === undefined) return;
    if (!this.upgradesScanned) {
      // Once: upgrades decided before this node started (already out of the queue).
      this.upgradesScanned = true;
      for (const [, p] of state.proposals.entries()) {
        if (p.action.kind === 'upgrade' && p.status !== 'rejected') this.upgradeIds.add(p.id);
      }
    }
    for (const id of [...state.governance.queued, ...this.upgradeIds]) {
      const p = state.proposals.get(proposalKey(id));
      if (p === undefined || p.action.kind !== 'upgrade') continue;
      if (compareVersions(p.action.version, mine) <= 0) continue;
      const key = `${id}:${p.status}`;
      if (this.upgradeWarnings.has(key)) continue;
      this.upgradeWarnings.add(key);
      this.upgradeIds.add(id);
      this.log.warn(
        {
          proposal: id,
          version: p.action.version,
          activationHeight: p.action.activationHeight,
          running: mine,
        },
        p.status === 'enacted'
          ? `chain: the network upgraded to ${p.action.version}; this node runs ${mine}: update Noesis`
          : `chain: the network voted to upgrade to ${p.action.version} at block ${p.action.activationHeight}; this node runs ${mine}: update before then`,
      );
    }
  }

  private readonly upgradeIds = new Set<number>();
  private upgradesScanned = false;

  async stop(): Promise<void> {
    if (this.waiting !== null) clearTimeout(this.waiting);
    this.waiting = null;
    await this.opening?.catch(() => undefined);
    await this.producer?.stop();
    this.producer = null;
    await this.store?.close();
    this.store = null;
    this.queriesImpl = null;
    this.phase = 'stopped';
  }

  detail(): string | null {
    if (this.phase === 'waiting-for-wallet') return 'waiting for a wallet';
    if (this.store === null) return this.message;
    return `height ${this.store.state.height}`;
  }

  /** Governance views over the current state (docs/governance.md). */
  get gov(): GovernanceQueries {
    const queries = this.queries;
    return new GovernanceQueries(
      () => queries.state,
      () => this.o.blockIntervalMs ?? queries.state.params.blockIntervalMs,
    );
  }

  get queries(): ChainQueries {
    if (this.queriesImpl === null) {
      throw chainError(ChainErrorCode.NOT_RUNNING, this.message ?? 'the chain is not running', {
        state: this.phase,
      });
    }
    return this.queriesImpl;
  }

  status(): ChainStatusView {
    const store = this.store;
    const s = store?.state;
    return {
      state: this.phase,
      message: this.message,
      network: this.network,
      chainId: s?.chainId ?? null,
      genesisHash: s?.genesisHash ?? null,
      height: s?.height ?? 0,
      stateRoot: store ? this.queries.stateRoot() : null,
      lastBlockHash: s?.lastBlockHash ?? null,
      lastBlockTime: s?.lastBlockTime ?? null,
      producing: this.producer !== null,
      validator: this.validatorKey,
      mempool: this.mempool.size,
      totalIssuance: (s?.totalIssuance ?? 0n).toString(),
      blockIntervalMs: s ? (this.o.blockIntervalMs ?? s.params.blockIntervalMs) : null,
      minFee: s ? s.params.minFee.toString() : null,
      subnetLockCost: store ? this.queries.subnetLockCost().toString() : null,
    };
  }

  /** Adds a signed transaction to the mempool; with `waitMs`, resolves once it is in a block. */
  async submitTx(tx: SignedTx, waitMs = 0, checked = false): Promise<TxView> {
    const state = this.queries.state;
    const hash = this.mempool.add(tx, state, { checked });
    this.emit('tx', tx);
    const view = pendingTxView(tx);
    if (waitMs <= 0) return view;
    const height = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(hash)?.filter((r) => r !== done);
        if (list && list.length > 0) this.waiters.set(hash, list);
        else this.waiters.delete(hash);
        reject(chainError(ChainErrorCode.TX_TIMEOUT, 'not included in a block yet', { hash }));
      }, waitMs);
      const done = (h: number) => {
        clearTimeout(timer);
        resolve(h);
      };
      this.waiters.set(hash, [...(this.waiters.get(hash) ?? []), done]);
    });
    return { ...view, status: 'included', height };
  }

  async submitBytes(hex: string, waitMs = 0): Promise<TxView> {
    let bytes: Uint8Array;
    try {
      bytes = fromHex(hex.toLowerCase());
    } catch {
      throw chainError(ChainErrorCode.MALFORMED, 'the transaction must be hex bytes');
    }
    // decodeTx checked size, chain id and signature already.
    return this.submitTx(decodeTx(this.queries.state.chainId, bytes), waitMs, true);
  }

  /** Builds, signs with an unlocked wallet's coldkey, and submits a transaction. */
  async signAndSubmit(
    walletName: string,
    call: TxCall,
    options: SignOptions = {},
  ): Promise<TxView> {
    const wallets = this.o.wallets;
    if (wallets === undefined) throw chainError(ChainErrorCode.WALLET_LOCKED, 'no wallet service');
    const info = await wallets.show(walletName);
    if (info.locked) {
      throw chainError(
        ChainErrorCode.WALLET_LOCKED,
        `wallet "${walletName}" is locked: unlock it first`,
        {
          wallet: walletName,
        },
      );
    }
    const state = this.queries.state;
    const signer = info.coldkey.publicKey.toLowerCase();
    const body = {
      chainId: state.chainId,
      signer,
      nonce: this.mempool.nextNonce(signer, state),
      fee: options.fee ?? state.params.minFee,
      ...call,
    } as TxBody;
    const action = describeTx(walletName, body);
    if (options.details !== undefined) {
      // Before the closing Fee / Nonce / Network lines.
      action.lines.splice(action.lines.length - 3, 0, ...options.details(body, state));
    }
    await requireConfirmation(
      this.o.confirmer ?? { confirm: async () => false },
      action,
      options.preconfirmed === true,
    );
    const signed = wallets.sign(walletName, { kind: 'coldkey', message: txMessage(body) });
    const tx: SignedTx = { body, signature: toHex(signed.signature) };
    return this.submitTx(tx, options.waitMs ?? 0);
  }

  transfer(wallet: string, to: string, amountTao: string, options: SignOptions = {}) {
    return this.signAndSubmit(
      wallet,
      { kind: 'transfer', to: keyOf(to), amount: parseTao(amountTao) },
      options,
    );
  }

  stake(wallet: string, hotkey: string, amountTao: string, options: SignOptions = {}) {
    return this.signAndSubmit(
      wallet,
      { kind: 'add_stake', hotkey: keyOf(hotkey), amount: parseTao(amountTao) },
      options,
    );
  }

  unstake(wallet: string, hotkey: string, amountTao: string, options: SignOptions = {}) {
    return this.signAndSubmit(
      wallet,
      { kind: 'remove_stake', hotkey: keyOf(hotkey), amount: parseTao(amountTao) },
      options,
    );
  }

  /**
   * create_subnet signed by a wallet's coldkey (the earliest-created wallet when none is named),
   * owned by its hotkey `hotkeyIndex` (0 by default); `maxLock` (TAO) defaults to the lock cost
   * now. The model is checked before the user is asked to confirm.
   */
  async createSubnet(
    input: {
      wallet?: string | undefined;
      hotkeyIndex?: number | undefined;
      taskType: string;
      model: SubnetModel | null;
      maxLock?: string | undefined;
    },
    options: SignOptions = {},
  ): Promise<TxView> {
    if (input.model !== null) checkSubnetModel(input.model);
    const wallet = input.wallet ?? (await this.firstWallet())?.name;
    if (wallet === undefined || this.o.wallets === undefined) {
      throw chainError(ChainErrorCode.WALLET_LOCKED, 'no wallet to sign with: create one first');
    }
    const info = await this.o.wallets.show(wallet);
    const index = input.hotkeyIndex ?? 0;
    const hotkey = info.hotkeys.find((h) => h.index === index);
    if (hotkey === undefined) {
      throw chainError(ChainErrorCode.UNKNOWN_HOTKEY, `wallet "${wallet}" has no hotkey ${index}`, {
        wallet,
        hotkeyIndex: index,
      });
    }
    const maxLock =
      input.maxLock !== undefined ? parseTao(input.maxLock) : this.queries.subnetLockCost();
    return this.signAndSubmit(
      wallet,
      {
        kind: 'create_subnet',
        hotkey: hotkey.publicKey.toLowerCase(),
        taskType: input.taskType,
        maxLock,
        model: input.model,
      },
      options,
    );
  }

  /** The open chain store (null while stopped or waiting for a wallet); read-only use. */
  get openStore(): ChainStore | null {
    return this.store;
  }

  /**
   * A transaction gossiped by a peer: into the mempool when it is valid against the current
   * state. 'added' or 'known'; throws (a ChainError) when it is malformed or does not fit.
   */
  receiveTx(bytes: Uint8Array): 'added' | 'known' {
    const state = this.queries.state;
    const tx = decodeTx(state.chainId, bytes);
    if (this.mempool.has(txHashOf(tx))) return 'known';
    this.mempool.add(tx, state, { checked: true }); // decodeTx checked the signature
    return 'added';
  }

  private synced: { hash: Hex; pre: ChainState; result: ApplyOk } | null = null;
  private syncLock: Promise<unknown> = Promise.resolve();

  /**
   * Checks a block received from the network against the current tip exactly as a produced one
   * is replayed and as its successor will be: header (chain id, height, prevHash, time,
   * proposer, body hashes, its lastCommit signed by > 2/3 of the voting power), every
   * transaction's signature, execution, and the post-state root against the header. Then the
   * block's own commit must carry > 2/3 of the voting power of the validator set that signs
   * block H (the post-state's, the same check block H+1's lastCommit gets). Throws the reason.
   */
  verifySyncedBlock(block: Block, commit: Commit): true {
    const store = this.store;
    if (store === null) throw chainError(ChainErrorCode.NOT_RUNNING, 'the chain is not running');
    const pre = store.state;
    const result = applyBlock(pre, block);
    if (!result.ok) throw result.error;
    checkLastCommit(result.state, block.header.height + 1, commit);
    this.synced = { hash: blockHash(block.header), pre, result };
    return true;
  }

  /**
   * Makes a block from the network final here through the same path as a produced block (block
   * log + fsync, state, index, `block` event). Verifies it first unless verifySyncedBlock just
   * did for this tip. A block this node already has is a no-op (sync and gossip may race).
   */
  applySyncedBlock(
    block: Block,
    commit: Commit,
    checked?: { pre: ChainState; result: ApplyOk },
  ): Promise<void> {
    const next = this.syncLock.then(() => this.applySyncedNow(block, commit, checked));
    this.syncLock = next.catch(() => undefined);
    return next;
  }

  private async applySyncedNow(
    block: Block,
    commit: Commit,
    checked?: { pre: ChainState; result: ApplyOk },
  ): Promise<void> {
    const store = this.store;
    if (store === null) throw chainError(ChainErrorCode.NOT_RUNNING, 'the chain is not running');
    const hash = blockHash(block.header);
    const height = block.header.height;
    if (height <= store.state.height) {
      const have = store.db.block(height);
      if (have?.hash === hash) return;
      throw chainError(ChainErrorCode.WRONG_HEIGHT, 'a different block is final at this height', {
        height,
      });
    }
    if (checked !== undefined && checked.pre === store.state) {
      // The caller already ran applyBlock(pre, block) on this very tip (consensus judging the
      // proposal): only the block's own commit is left to check.
      checkLastCommit(checked.result.state, height + 1, commit);
      this.synced = { hash, pre: checked.pre, result: checked.result };
    }
    const cached = this.synced;
    if (cached === null || cached.hash !== hash || cached.pre !== store.state) {
      this.verifySyncedBlock(block, commit);
    }
    const { result } = this.synced!;
    this.synced = null;
    const committed = await store.commitBlock(block, commit, result.state, result.events);
    this.mempool.prune(result.state);
    this.onBlock(committed);
  }

  /**
   * This node's consensus key pair (`chain/validator-key.json`) when the chain is open and the
   * key is one of its validators; for consensus/shell.ts. Never logged, never sent.
   */
  consensusSigner(): { key: Hex; secretKey: Uint8Array } | null {
    const k = this.consensusKey;
    const state = this.store?.state;
    if (k === null || state === undefined) return null;
    if (!state.validators.some((v) => v.key === k.publicKey)) return null;
    return { key: k.publicKey, secretKey: k.secret };
  }

  /** Test hook: produce one block now (the producer's own timer keeps running). */
  async produceBlockNow(): Promise<void> {
    if (this.producer === null) throw chainError(ChainErrorCode.NOT_RUNNING, 'not producing');
    await this.producer.produceOne();
  }
}

export { fromHex, decodeSignedTx };

function txHashOf(tx: SignedTx): Hex {
  return toHex(hash256(encodeSignedTx(tx)));
}

/** Compares "x.y.z" versions numerically (a missing part counts as 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
