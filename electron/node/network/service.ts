/**
 * NetworkService: wires the p2p layer (p2p/service.ts) to the chain as a node service started
 * after the chain. Once the chain is open (it may wait for a wallet) it starts libp2p with this
 * node's key (node-key.ts) and the `p2p` config, and then:
 *   - serves the chain's blocks (status, blocks by range, block by hash) from the block log;
 *   - syncs when peers are ahead: each block is verified against the current tip and its commit
 *     (ChainService.verifySyncedBlock) before it is applied (ChainService.applySyncedBlock, the
 *     produced blocks' path: block log + fsync, state, index);
 *   - gossips the blocks this node produces and the transactions submitted to it, and puts
 *     gossiped transactions into the mempool (so a transaction sent to any node reaches the
 *     producer) and gossiped blocks onto the chain.
 * `status()` is the Network view's data (network.status).
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { NodeService } from '../service.ts';
import type { ChainService } from '../chain/service.ts';
import type { Block, Commit } from '../chain/block.ts';
import { encodeBlock, encodeCommit, encodeSignedTx } from '../chain/codec.ts';
import { addressOf } from '../chain/queries.ts';
import { votingPower } from '../chain/state.ts';
import type { ChainStore } from '../chain/store/chain-store.ts';
import { P2PService, type PeerInfo } from '../p2p/service.ts';
import { chainStoreBlockSource, chainStoreHead, decodeChainBlock } from '../p2p/chain-adapter.ts';
import { decodeBlockEnvelope, encodeBlockEnvelope } from '../p2p/messages.ts';
import type { ReachabilityFacts } from '../p2p/reachability.ts';
import type { GossipVerdict } from '../p2p/gossip.ts';
import { DEFAULT_P2P_PORT } from '../config.ts';
import { loadOrCreateNodeKey } from './node-key.ts';
import { ConsensusShell, timeoutsForInterval } from '../consensus/shell.ts';

export type NetworkState = 'stopped' | 'disabled' | 'waiting-for-chain' | 'running' | 'error';

export interface NetworkValidatorView {
  /** Consensus key (hex). */
  key: string;
  /** The hotkey whose stake is its voting power (SS58-style address). */
  hotkey: string;
  /** rao, decimal string. */
  votingPower: string;
  /** Share of the total voting power, 0..1. */
  share: number;
}

export interface NetworkSyncView {
  /** 'no_peers' | 'syncing' | 'synced' (derived from the numbers beside it). */
  state: 'no_peers' | 'syncing' | 'synced';
  synced: boolean;
  height: number;
  bestPeerHeight: number | null;
  blocksRemaining: number;
  blocksPerSecond: number | null;
  etaSeconds: number | null;
}

export interface NetworkStatusView {
  state: NetworkState;
  message: string | null;
  chainId: string | null;
  peerId: string | null;
  /** This node's addresses, each ending in /p2p/<peerId> (give one to another node's --bootstrap). */
  addresses: string[];
  bootstrap: string[];
  peerCount: number;
  peers: PeerInfo[];
  reachability: ReachabilityFacts | null;
  validators: NetworkValidatorView[];
  /** This node produces the blocks (the embedded single-validator network). */
  producing: boolean;
  height: number;
  /** Consensus round; null until multi-validator consensus runs. */
  round: number | null;
  lastBlockTime: number | null;
  msSinceLastBlock: number | null;
  sync: NetworkSyncView;
}

export interface NetworkServiceOptions {
  dataDir: string;
  chain: ChainService;
  config: () => Config['p2p'];
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** Called with a fresh status every `statusEveryMs` while running (the network.status event). */
  onStatus?: (status: NetworkStatusView) => void;
  statusEveryMs?: number;
  /** How often to look for the chain while it is not open yet (ms). */
  chainPollMs?: number;
}

export class NetworkService implements NodeService {
  readonly name = 'network';
  private readonly o: NetworkServiceOptions;
  private p2pRef: P2PService<Block, Commit> | null = null;
  private phase: NetworkState = 'stopped';
  private message: string | null = null;
  private timers: NodeJS.Timeout[] = [];
  private launching: Promise<void> | null = null;
  private stopped = true;
  private readonly offs: Array<() => void> = [];
  private consensus: ConsensusShell | null = null;

  constructor(options: NetworkServiceOptions) {
    this.o = options;
  }

  get p2p(): P2PService<Block, Commit> | null {
    return this.p2pRef;
  }

  async start(_signal: AbortSignal): Promise<void> {
    this.stopped = false;
    const config = this.o.config();
    if (!config.enabled) {
      this.phase = 'disabled';
      this.message = 'the network is turned off in the settings (p2p.enabled)';
      return;
    }
    this.phase = 'waiting-for-chain';
    this.message = 'waiting for the chain to open';
    const poll = () => {
      if (this.stopped) return;
      const store = this.o.chain.openStore;
      if (store === null) {
        this.timers.push(setTimeout(poll, this.o.chainPollMs ?? 250));
        return;
      }
      this.launching = this.launch(store).catch((error: unknown) => {
        this.phase = 'error';
        this.message = error instanceof Error ? error.message : String(error);
        this.o.logger?.error({ err: this.message }, 'network: failed to start');
      });
    };
    poll();
  }

  private async launch(store: ChainStore): Promise<void> {
    const config = loopbackOnly() ? keepToLoopback(this.o.config()) : this.o.config();
    const key = await loadOrCreateNodeKey(this.o.dataDir);
    if (this.stopped) return;
    const chain = this.o.chain;
    const log = (message: string, data?: Record<string, unknown>) =>
      this.o.logger?.debug(data ?? {}, message);
    const make = (listen: string[]) =>
      new P2PService<Block, Commit>({
        chainId: store.state.chainId,
        privateKeyProtobuf: key.privateKeyProtobuf,
        listen,
        bootstrap: config.bootstrap,
        mdns: config.mdns,
        upnp: config.upnp,
        // Loopback-only listeners (tests, a node kept private) have no relay or NAT to ask.
        ...(listen.every(isLoopback)
          ? { relayClient: false, autonat: false, dhtAllowPrivateAddresses: true }
          : {}),
        source: chainStoreBlockSource(store),
        statusIntervalMs: 3_000,
        sync: {
          decode: decodeChainBlock,
          verifyCommit: (block, commit) => chain.verifySyncedBlock(block, commit),
          apply: (block, commit) => chain.applySyncedBlock(block, commit),
          head: () => chainStoreHead(store),
        },
        log,
      });
    let p2p = make(config.listen);
    this.installGossip(p2p, store);
    try {
      await p2p.start(new AbortController().signal);
    } catch (error) {
      await p2p.stop().catch(() => undefined);
      const fallback = config.listen.map((a) => a.replace(`/tcp/${DEFAULT_P2P_PORT}`, '/tcp/0'));
      if (fallback.join() === config.listen.join()) throw error;
      this.o.logger?.warn(
        { listen: config.listen, err: String(error) },
        'network: p2p port in use, listening on a free one',
      );
      p2p = make(fallback);
      this.installGossip(p2p, store);
      await p2p.start(new AbortController().signal);
    }
    if (this.stopped) {
      await p2p.stop();
      return;
    }
    this.p2pRef = p2p;
    this.phase = 'running';
    this.message = null;
    this.o.logger?.info(
      { peerId: p2p.peerId, addresses: p2p.addresses(), bootstrap: config.bootstrap },
      'network: listening',
    );

    const onCommitted = (b: { block: Block; commit: Commit }) => {
      if (!chain.status().producing) return;
      const data = encodeBlockEnvelope({
        block: encodeBlock(b.block),
        commit: encodeCommit(b.commit),
      });
      p2p.publish('blocks', data).catch(() => undefined); // no peers yet: they sync instead
    };
    const onTx = (tx: Parameters<typeof encodeSignedTx>[0]) => {
      p2p.publish('transactions', encodeSignedTx(tx)).catch(() => undefined);
    };
    chain.on('committed', onCommitted);
    chain.on('tx', onTx);
    this.offs.push(() => chain.off('committed', onCommitted));
    this.offs.push(() => chain.off('tx', onTx));
    // A node that does not produce re-announces its pending transactions now and then: one
    // published while no peer listened yet still reaches the producer.
    this.timers.push(
      setInterval(() => {
        if (chain.status().producing) return;
        for (const tx of chain.mempool.pending().slice(0, 100)) onTx(tx);
      }, 3_000),
    );
    if (store.state.validators.length > 1) {
      // Several validators: blocks are agreed by Tendermint (consensus/shell.ts).
      const interval = chain.status().blockIntervalMs ?? store.state.params.blockIntervalMs;
      const shell = new ConsensusShell({
        dataDir: this.o.dataDir,
        chain,
        p2p,
        timeouts: timeoutsForInterval(interval),
        blockIntervalMs: interval,
        relayMs: Math.min(1000, Math.max(200, interval)),
        log,
      });
      await shell.start();
      this.consensus = shell;
    }
    if (this.o.onStatus !== undefined) {
      const emit = this.o.onStatus;
      this.timers.push(
        setInterval(() => {
          void this.status().then(emit, () => undefined);
        }, this.o.statusEveryMs ?? 3_000),
      );
    }
    for (const t of this.timers) t.unref?.();
  }

  private installGossip(p2p: P2PService<Block, Commit>, store: ChainStore): void {
    const chain = this.o.chain;
    p2p.setGossipValidator('transactions', (m): GossipVerdict => {
      try {
        return chain.receiveTx(m.payload) === 'added' ? 'accept' : 'ignore';
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        // Undecodable or badly signed bytes are the sender's fault; a nonce or balance that does
        // not fit our state may be a race, not malice.
        return code === 'CHAIN_MALFORMED' || code === 'CHAIN_BAD_SIGNATURE' ? 'reject' : 'ignore';
      }
    });
    p2p.setGossipValidator('blocks', (m): GossipVerdict => {
      const decoded = decodeChainBlock(decodeBlockEnvelope(m.data)); // throws: reject
      if (decoded.commitHeight !== decoded.height || decoded.commitBlockHash !== decoded.hash) {
        return 'reject';
      }
      return decoded.height > store.state.height ? 'accept' : 'ignore';
    });
    p2p.onGossip('blocks', (m) => {
      const decoded = decodeChainBlock(decodeBlockEnvelope(m.data));
      if (decoded.height === store.state.height + 1) {
        chain.applySyncedBlock(decoded.block, decoded.commit).catch((error: unknown) => {
          this.o.logger?.debug(
            { height: decoded.height, err: String(error) },
            'network: gossiped block not applied; syncing instead',
          );
          p2p.notePeerHead(m.from, decoded.height, decoded.hash);
        });
      } else if (decoded.height > store.state.height) {
        p2p.notePeerHead(m.from, decoded.height, decoded.hash);
      }
    });
  }

  /**
   * Stops and starts the networking again, e.g. under a new identity (a role activated its
   * hotkey, node-key.ts); resolves once libp2p listens again.
   */
  async restart(timeoutMs = 30_000): Promise<void> {
    await this.stop();
    await this.start(new AbortController().signal);
    await this.whenRunning(timeoutMs);
  }

  /** Resolves once libp2p runs (throws after `timeoutMs`, or when the network is off). */
  async whenRunning(timeoutMs = 30_000): Promise<P2PService<Block, Commit>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.p2pRef !== null) return this.p2pRef;
      if (this.phase === 'disabled' || this.phase === 'error' || this.phase === 'stopped') {
        throw new Error(`the network is ${this.phase}${this.message ? `: ${this.message}` : ''}`);
      }
      if (Date.now() > deadline) throw new Error('the network did not start in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.splice(0)) clearTimeout(t);
    for (const off of this.offs.splice(0)) off();
    await this.launching;
    this.launching = null;
    await this.consensus?.stop();
    this.consensus = null;
    const p2p = this.p2pRef;
    this.p2pRef = null;
    await p2p?.stop();
    if (this.phase !== 'disabled') this.phase = 'stopped';
  }

  detail(): string | null {
    return this.p2pRef?.detail() ?? this.message;
  }

  async status(): Promise<NetworkStatusView> {
    const store = this.o.chain.openStore;
    const state = store?.state ?? null;
    const p2p = this.p2pRef;
    const now = Date.now();
    const validators: NetworkValidatorView[] = [];
    if (state !== null) {
      const power = votingPower(state);
      let total = 0n;
      for (const p of power.values()) total += p;
      for (const v of state.validators) {
        const p = power.get(v.key) ?? 0n;
        validators.push({
          key: v.key,
          hotkey: addressOf(v.hotkey),
          votingPower: p.toString(),
          share: total === 0n ? 0 : Number((p * 1_000_000n) / total) / 1_000_000,
        });
      }
    }
    const height = state?.height ?? 0;
    const lastBlockTime = state === null || height === 0 ? null : state.lastBlockTime;
    const peers = p2p === null ? [] : await p2p.peersWithAgents();
    const s = p2p?.syncStatus() ?? null;
    const sync: NetworkSyncView =
      s === null
        ? {
            state: 'no_peers',
            synced: false,
            height,
            bestPeerHeight: null,
            blocksRemaining: 0,
            blocksPerSecond: null,
            etaSeconds: null,
          }
        : {
            state: s.state,
            synced: s.synced,
            height: s.height,
            bestPeerHeight: s.bestPeerHeight,
            blocksRemaining: s.blocksRemaining,
            blocksPerSecond: s.blocksPerSecond,
            etaSeconds: s.etaSeconds,
          };
    return {
      state: this.phase,
      message: this.message,
      chainId: state?.chainId ?? null,
      peerId: p2p?.peerId ?? null,
      addresses: p2p?.addresses() ?? [],
      bootstrap: this.o.config().bootstrap,
      peerCount: peers.length,
      peers,
      reachability: p2p?.reachability() ?? null,
      validators,
      producing: this.o.chain.status().producing,
      height,
      round: this.consensus?.position.round ?? null,
      lastBlockTime,
      msSinceLastBlock: lastBlockTime === null ? null : Math.max(0, now - lastBlockTime),
      sync,
    };
  }
}

function isLoopback(address: string): boolean {
  return address.startsWith('/ip4/127.') || address.startsWith('/ip6/::1/');
}

/**
 * `NOESIS_LOOPBACK_ONLY=1` keeps a node's networking on this machine: the p2p listener binds
 * 127.0.0.1 instead of every interface, and neither mDNS nor UPnP sends anything to the local
 * network. The test suite and CI set it (a sandbox has no LAN to talk to, and must not try);
 * a desktop never does.
 */
export function loopbackOnly(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NOESIS_LOOPBACK_ONLY === '1';
}

export function keepToLoopback(config: Config['p2p']): Config['p2p'] {
  return {
    ...config,
    listen: config.listen.map((address) =>
      address.replace(/^\/ip4\/0\.0\.0\.0\//, '/ip4/127.0.0.1/'),
    ),
    mdns: false,
    upnp: false,
  };
}
