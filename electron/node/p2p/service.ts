/**
 * The network as one node service (NodeService): the libp2p host (host.ts), the request/response
 * protocols served from a BlockSource (reqresp.ts, handlers/), gossip (gossip.ts), peer scores
 * and bans (score.ts), bootstrap re-dial (redial.ts), reachability (reachability.ts) and catch-up
 * sync (sync.ts). It owns the libp2p host and nothing of the chain: the chain and consensus plug
 * in through `source` (what we serve), `sync` (decode / verifyCommit / apply / head) and the
 * gossip hooks. Must not touch chain state directly.
 *
 * Lifecycle: start() builds the host stopped, registers protocols and topics, starts it, then
 * exchanges status with every peer that connects (and again every `statusIntervalMs`).
 * stop() undoes it in reverse.
 */
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { NodeService } from '../service.ts';
import { p2pError, P2PErrorCode } from './errors.ts';
import { Gossip, type GossipHandler, type GossipValidator } from './gossip.ts';
import {
  blockByHashHandler,
  blocksByRangeHandler,
  statusHandler,
  type BlockSource,
} from './handlers/index.ts';
import { createP2PHost, type P2PHost, type P2PHostOptions } from './host.ts';
import {
  decodeBlockEnvelope,
  decodeStatus,
  encodeBlockByHash,
  encodeBlocksByRange,
  encodeStatus,
  sameNetwork,
  type BlockEnvelope,
  type ChainStatus,
  type HexHash,
} from './messages.ts';
import type { GossipTopicName, ReqRespProtocolDef, ReqRespProtocolName } from './protocols.ts';
import { ReachabilityTracker, type ReachabilityFacts } from './reachability.ts';
import { BootstrapRedialer } from './redial.ts';
import { ReqResp } from './reqresp.ts';
import { PeerScoreBook, PenaltyReason, type PeerScoreOptions } from './score.ts';
import { Syncer, type DecodedBlock, type LocalHead, type SyncStatus } from './sync.ts';

/** The chain side of sync, provided by the chain/consensus engineers (chain-adapter.ts helps). */
export interface SyncHooks<B, C> {
  decode(envelope: BlockEnvelope): DecodedBlock<B, C>;
  verifyCommit(block: B, commit: C): boolean | Promise<boolean>;
  apply(block: B, commit: C, envelope: BlockEnvelope): void | Promise<void>;
  head(): LocalHead;
}

export interface P2PServiceOptions<B = unknown, C = unknown> extends Omit<
  P2PHostOptions,
  'isBanned'
> {
  /** What this node serves (status, blocks by range, block by hash). */
  source: BlockSource;
  /** Catch-up sync; absent: serve only, never download. */
  sync?: SyncHooks<B, C>;
  /** Blocks per range request and requests in flight (sync.ts defaults: 128, 4). */
  syncBatchSize?: number;
  syncMaxInFlight?: number;
  /** Status re-exchange with every peer (default 10 s). */
  statusIntervalMs?: number;
  /** Bootstrap re-dial backoff (default 1 s doubling to 60 s). */
  redialBaseMs?: number;
  redialMaxMs?: number;
  score?: Omit<PeerScoreOptions, 'onBan'>;
  /** Per-protocol overrides of limits, quotas and timeouts. */
  protocols?: Partial<Record<ReqRespProtocolName, Partial<ReqRespProtocolDef>>>;
  /** Per-topic gossip size overrides. */
  gossipMaxBytes?: Partial<Record<GossipTopicName, number>>;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

export interface PeerInfo {
  peerId: string;
  /** Remote address of the first open connection. */
  address: string;
  direction: 'inbound' | 'outbound';
  /** Round-trip time from libp2p's connection monitor, ms (null until measured). */
  latencyMs: number | null;
  /** The remote's libp2p agent string (identify), null until identified. */
  agent: string | null;
  /** Relayed (limited) connection. */
  relayed: boolean;
  score: number;
  /** Head the peer last reported (status), null until known. */
  headHeight: number | null;
}

export interface P2PSnapshot {
  peerId: string;
  addresses: string[];
  peers: PeerInfo[];
  reachability: ReachabilityFacts;
  sync: SyncStatus | null;
}

const decoder = new TextDecoder();

export class P2PService<B = unknown, C = unknown> implements NodeService {
  readonly name = 'p2p';
  readonly scores: PeerScoreBook;
  private readonly options: P2PServiceOptions<B, C>;
  private readonly log: NonNullable<P2PServiceOptions['log']>;
  private hostRef: P2PHost | null = null;
  private reqrespRef: ReqResp | null = null;
  private gossipRef: Gossip | null = null;
  private syncerRef: Syncer<B, C> | null = null;
  private redialer: BootstrapRedialer | null = null;
  private readonly reachabilityTracker = new ReachabilityTracker();
  private statusTimer: ReturnType<typeof setInterval> | null = null;
  private readonly peerHeads = new Map<string, number>();
  private readonly cleanups: Array<() => void> = [];
  private readonly pendingValidators = new Map<GossipTopicName, GossipValidator | null>();
  private readonly pendingHandlers: Array<[GossipTopicName, GossipHandler]> = [];

  constructor(options: P2PServiceOptions<B, C>) {
    this.options = options;
    this.log = options.log ?? (() => undefined);
    this.scores = new PeerScoreBook({
      ...options.score,
      onBan: (peer, reason) => {
        this.log('p2p: peer banned', { peer, reason });
        void this.hangUp(peer);
      },
    });
  }

  /** The libp2p host (throws before start). */
  get host(): P2PHost {
    if (this.hostRef === null) throw p2pError(P2PErrorCode.NOT_STARTED, 'p2p is not started');
    return this.hostRef;
  }

  get gossip(): Gossip {
    if (this.gossipRef === null) throw p2pError(P2PErrorCode.NOT_STARTED, 'p2p is not started');
    return this.gossipRef;
  }

  get reqresp(): ReqResp {
    if (this.reqrespRef === null) throw p2pError(P2PErrorCode.NOT_STARTED, 'p2p is not started');
    return this.reqrespRef;
  }

  get syncer(): Syncer<B, C> | null {
    return this.syncerRef;
  }

  get peerId(): string {
    return this.host.peerId.toString();
  }

  async start(signal: AbortSignal): Promise<void> {
    const o = this.options;
    const host = await createP2PHost({
      ...o,
      isBanned: (peer) => this.scores.isBanned(peer),
      start: false,
    });
    this.hostRef = host;
    const reqresp = new ReqResp({
      host,
      chainId: o.chainId,
      scores: this.scores,
      ...(o.protocols === undefined ? {} : { protocols: o.protocols }),
      log: this.log,
    });
    this.reqrespRef = reqresp;
    await reqresp.register(
      'status',
      statusHandler({
        source: o.source,
        onPeerStatus: (peer, theirs, ours) => this.onPeerStatus(peer, theirs, ours),
      }),
    );
    await reqresp.register(
      'blocks_by_range',
      blocksByRangeHandler(o.source, reqresp.defs.blocks_by_range.maxChunks),
    );
    await reqresp.register('block_by_hash', blockByHashHandler(o.source));

    const gossip = new Gossip({
      pubsub: host.services.pubsub,
      chainId: o.chainId,
      scores: this.scores,
      ...(o.gossipMaxBytes === undefined ? {} : { maxBytes: o.gossipMaxBytes }),
    });
    this.gossipRef = gossip;
    for (const [topic, validator] of this.pendingValidators) gossip.setValidator(topic, validator);
    for (const [topic, handler] of this.pendingHandlers) gossip.on(topic, handler);

    if (o.sync !== undefined) {
      const hooks = o.sync;
      this.syncerRef = new Syncer<B, C>({
        decode: (e) => hooks.decode(e),
        verifyCommit: (b, c) => hooks.verifyCommit(b, c),
        apply: (b, c, e) => hooks.apply(b, c, e),
        head: () => hooks.head(),
        fetchRange: (peer, start, count, sig) => this.blocksByRange(peer, start, count, sig),
        penalize: (peer, reason) => this.scores.penalize(peer, reason),
        ...(o.syncBatchSize === undefined ? {} : { batchSize: o.syncBatchSize }),
        ...(o.syncMaxInFlight === undefined ? {} : { maxInFlight: o.syncMaxInFlight }),
        log: this.log,
      });
    }

    this.redialer = new BootstrapRedialer({
      addresses: o.bootstrap ?? [],
      dial: (address, sig) => host.dial(multiaddr(address), { signal: sig }),
      peerCount: () => host.getPeers().length,
      ...(o.redialBaseMs === undefined ? {} : { baseMs: o.redialBaseMs }),
      ...(o.redialMaxMs === undefined ? {} : { maxMs: o.redialMaxMs }),
      log: this.log,
    });

    const onConnect = (event: CustomEvent<PeerId>) => {
      this.redialer?.onConnected();
      void this.exchangeStatus(event.detail);
    };
    const onDisconnect = (event: CustomEvent<PeerId>) => {
      const peer = event.detail.toString();
      this.peerHeads.delete(peer);
      this.syncerRef?.removePeer(peer);
      this.reqrespRef?.forgetPeer(peer);
      this.redialer?.onDisconnected();
    };
    host.addEventListener('peer:connect', onConnect);
    host.addEventListener('peer:disconnect', onDisconnect);
    this.cleanups.push(() => {
      host.removeEventListener('peer:connect', onConnect);
      host.removeEventListener('peer:disconnect', onDisconnect);
    });

    await host.start();
    gossip.start();
    this.redialer.start();
    this.syncerRef?.start();
    this.statusTimer = setInterval(() => {
      for (const peer of host.getPeers()) void this.exchangeStatus(peer);
      this.scores.prune();
    }, o.statusIntervalMs ?? 10_000);
    this.statusTimer.unref?.();
    const onAbort = () => void this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    this.cleanups.push(() => signal.removeEventListener('abort', onAbort));
    this.log('p2p: started', { peerId: host.peerId.toString(), addresses: this.addresses() });
  }

  async stop(): Promise<void> {
    const host = this.hostRef;
    if (host === null) return;
    this.hostRef = null;
    if (this.statusTimer !== null) clearInterval(this.statusTimer);
    this.statusTimer = null;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.redialer?.stop();
    await this.syncerRef?.stop();
    this.gossipRef?.stop();
    await this.reqrespRef?.unregisterAll();
    await host.stop();
    this.syncerRef = null;
    this.gossipRef = null;
    this.reqrespRef = null;
    this.redialer = null;
    this.peerHeads.clear();
  }

  detail(): string | null {
    if (this.hostRef === null) return null;
    const peers = this.hostRef.getPeers().length;
    const sync = this.syncerRef?.status();
    if (sync === undefined) return `${peers} peers`;
    return sync.state === 'syncing'
      ? `${peers} peers · syncing ${sync.height}/${sync.bestPeerHeight ?? '?'}`
      : `${peers} peers · ${sync.state === 'synced' ? 'synced' : 'no peers'} at ${sync.height}`;
  }

  /** This node's listen/announce addresses, each with /p2p/<peerId>. */
  addresses(): string[] {
    return this.host.getMultiaddrs().map((m) => m.toString());
  }

  peers(): PeerInfo[] {
    const host = this.host;
    const out: PeerInfo[] = [];
    const seen = new Set<string>();
    for (const connection of host.getConnections()) {
      const peerId = connection.remotePeer.toString();
      if (seen.has(peerId)) continue;
      seen.add(peerId);
      out.push({
        peerId,
        address: connection.remoteAddr.toString(),
        direction: connection.direction,
        latencyMs: connection.rtt ?? null,
        agent: null,
        relayed: connection.limits !== undefined,
        score: this.scores.score(peerId),
        headHeight: this.peerHeads.get(peerId) ?? null,
      });
    }
    return out;
  }

  /** Fills `agent` from the peer store (identify); async because the store is. */
  async peersWithAgents(): Promise<PeerInfo[]> {
    const list = this.peers();
    for (const info of list) {
      try {
        const peer = await this.host.peerStore.get(peerIdFromString(info.peerId));
        const agent = peer.metadata.get('AgentVersion');
        info.agent = agent === undefined ? null : decoder.decode(agent);
      } catch {
        info.agent = null;
      }
    }
    return list;
  }

  reachability(): ReachabilityFacts {
    const host = this.host;
    return this.reachabilityTracker.update({
      addresses: host.services.addresses.getAddressesWithMetadata(),
      multiaddrs: host.getMultiaddrs().map((m) => m.toString()),
    });
  }

  syncStatus(): SyncStatus | null {
    return this.syncerRef?.status() ?? null;
  }

  async snapshot(): Promise<P2PSnapshot> {
    return {
      peerId: this.peerId,
      addresses: this.addresses(),
      peers: await this.peersWithAgents(),
      reachability: this.reachability(),
      sync: this.syncStatus(),
    };
  }

  /** Installs a gossip validation hook (works before start too). */
  setGossipValidator(topic: GossipTopicName, validator: GossipValidator | null): void {
    this.pendingValidators.set(topic, validator);
    this.gossipRef?.setValidator(topic, validator);
  }

  /** Receives accepted gossip on a topic (registered before start too); returns an unsubscribe. */
  onGossip(topic: GossipTopicName, handler: GossipHandler): () => void {
    this.pendingHandlers.push([topic, handler]);
    const off = this.gossipRef?.on(topic, handler);
    return () => {
      const i = this.pendingHandlers.findIndex(([t, h]) => t === topic && h === handler);
      if (i >= 0) this.pendingHandlers.splice(i, 1);
      off?.();
    };
  }

  publish(topic: GossipTopicName, data: Uint8Array): Promise<number> {
    return this.gossip.publish(topic, data);
  }

  publishConsensus(tag: number, payload: Uint8Array): Promise<number> {
    return this.gossip.publishConsensus(tag, payload);
  }

  /** Our status to the peer, theirs back; updates the syncer. */
  async requestStatus(peer: string | PeerId, signal?: AbortSignal): Promise<ChainStatus> {
    const ours = await this.options.source.status();
    const id = typeof peer === 'string' ? peerIdFromString(peer) : peer;
    const [item, ...rest] = await this.reqresp.request(
      id,
      'status',
      encodeStatus(ours),
      signal ? { signal } : {},
    );
    if (item === undefined || rest.length > 0) {
      this.scores.penalize(id.toString(), PenaltyReason.PROTOCOL_VIOLATION);
      throw p2pError(P2PErrorCode.MALFORMED, 'status answer must be exactly one item');
    }
    let theirs: ChainStatus;
    try {
      theirs = decodeStatus(item);
    } catch (error) {
      this.scores.penalize(id.toString(), PenaltyReason.MALFORMED);
      throw error;
    }
    this.onPeerStatus(id.toString(), theirs, ours);
    return theirs;
  }

  async blocksByRange(
    peer: string | PeerId,
    start: number,
    count: number,
    signal?: AbortSignal,
  ): Promise<BlockEnvelope[]> {
    const id = typeof peer === 'string' ? peerIdFromString(peer) : peer;
    const items = await this.reqresp.request(
      id,
      'blocks_by_range',
      encodeBlocksByRange({ start, count }),
      signal ? { signal } : {},
    );
    if (items.length > count) {
      this.scores.penalize(id.toString(), PenaltyReason.PROTOCOL_VIOLATION);
      throw p2pError(P2PErrorCode.TOO_MANY_CHUNKS, 'more blocks than asked', { count });
    }
    try {
      return items.map(decodeBlockEnvelope);
    } catch (error) {
      this.scores.penalize(id.toString(), PenaltyReason.MALFORMED);
      throw error;
    }
  }

  async blockByHash(
    peer: string | PeerId,
    hash: HexHash,
    signal?: AbortSignal,
  ): Promise<BlockEnvelope | null> {
    const id = typeof peer === 'string' ? peerIdFromString(peer) : peer;
    const items = await this.reqresp.request(
      id,
      'block_by_hash',
      encodeBlockByHash(hash),
      signal ? { signal } : {},
    );
    if (items.length === 0) return null;
    try {
      return decodeBlockEnvelope(items[0] as Uint8Array);
    } catch (error) {
      this.scores.penalize(id.toString(), PenaltyReason.MALFORMED);
      throw error;
    }
  }

  /** Tells the syncer a peer has at least this head (e.g. it gossiped a valid block). */
  notePeerHead(peer: string, headHeight: number, headHash: HexHash): void {
    this.peerHeads.set(peer, Math.max(headHeight, this.peerHeads.get(peer) ?? 0));
    this.syncerRef?.setPeerStatus(peer, { headHeight, headHash });
  }

  private onPeerStatus(peer: string, theirs: ChainStatus, ours: ChainStatus): void {
    if (!sameNetwork(theirs, ours)) {
      this.log('p2p: peer on another network', { peer, chainId: theirs.chainId });
      this.scores.penalize(peer, PenaltyReason.WRONG_NETWORK);
      return;
    }
    this.peerHeads.set(peer, theirs.headHeight);
    this.syncerRef?.setPeerStatus(peer, theirs);
  }

  private async exchangeStatus(peer: PeerId): Promise<void> {
    if (this.hostRef === null) return;
    try {
      await this.requestStatus(peer);
    } catch (error) {
      this.log('p2p: status exchange failed', { peer: peer.toString(), error: String(error) });
    }
  }

  private async hangUp(peer: string): Promise<void> {
    const host = this.hostRef;
    if (host === null) return;
    try {
      await host.hangUp(peerIdFromString(peer));
    } catch {
      // already gone
    }
  }
}
