/**
 * The libp2p 3 host: transports, encryption, muxing and the standard services, configured once
 * for a desktop full node (docs/wire-protocol.md §Host). Owns nothing of the chain; the
 * request/response protocols, gossip topics, scores and sync are layered on top (service.ts).
 *
 * Namespacing: our DHT (`/noesis/<chainId>/kad/1.0.0`), AutoNAT, identify and ping run under
 * `/noesis/<chainId>/…`, so we never join the public IPFS DHT or answer another network.
 * Gossipsub (`/meshsub/1.2.0`), circuit relay v2 and DCUtR keep their libp2p names (they carry no
 * chain data, and relays must interoperate); every gossip topic carries the chain id instead.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { autoNAT } from '@libp2p/autonat';
import { bootstrap } from '@libp2p/bootstrap';
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys';
import { dcutr } from '@libp2p/dcutr';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify, identifyPush } from '@libp2p/identify';
import type { ConnectionGater, Libp2p, PeerId, PrivateKey } from '@libp2p/interface';
import { kadDHT, removePrivateAddressesMapper, type KadDHT } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { uPnPNAT } from '@libp2p/upnp-nat';
import { createHash } from 'node:crypto';
import { createLibp2p, type Libp2pOptions } from 'libp2p';
import {
  assertChainId,
  dhtProtocol,
  GOSSIP_TOPIC_NAMES,
  GOSSIP_TOPICS,
  PROTOCOL_NAMESPACE,
  topicId,
} from './protocols.ts';
import type { AddressFacts } from './reachability.ts';

export interface P2PHostOptions {
  chainId: string;
  /** The hotkey as a libp2p Ed25519 key protobuf (WalletService.nodeIdentity); random if absent. */
  privateKeyProtobuf?: Uint8Array;
  /** Listen multiaddrs (default TCP 30333 on all IPv4 and IPv6 interfaces). Tests: 127.0.0.1:0. */
  listen?: string[];
  /** Addresses to announce instead of the listen ones (a known public address). */
  announce?: string[];
  /** Bootstrap multiaddrs, each ending in /p2p/<peerId>. */
  bootstrap?: string[];
  /** Local-network discovery (default true; tests turn it off: it multicasts). */
  mdns?: boolean;
  /** Ask the home router to map our port (default true; tests turn it off: it multicasts). */
  upnp?: boolean;
  /** Run a circuit relay v2 server for others (default false: bootnodes and public nodes only). */
  relayServer?: boolean;
  /** Reserve a slot on a relay ('/p2p-circuit' listen) so NATed nodes stay reachable (default true). */
  relayClient?: boolean;
  /** AutoNAT reachability checks (default true). */
  autonat?: boolean;
  /** Kademlia DHT (default true). */
  dht?: boolean;
  /** Keep private/loopback addresses in DHT answers (default false; tests on 127.0.0.1: true). */
  dhtAllowPrivateAddresses?: boolean;
  /** Most open connections (default 100). */
  maxConnections?: number;
  /** Refuse banned peers (the score book's view). */
  isBanned?: (peer: string) => boolean;
  /** Largest gossip RPC frame gossipsub decodes at all (default: biggest topic limit + 64 KiB). */
  gossipMaxInboundBytes?: number;
  /** Gossipsub heartbeat (default 700 ms as Lodestar). */
  gossipHeartbeatMs?: number;
  /** Force the DHT into client (true) or server (false) mode; default: automatic. */
  dhtClientMode?: boolean;
  /** Start listening at once (default true); false lets protocols register first. */
  start?: boolean;
}

/** Exposes the address manager (AutoNAT's verdicts live there) to reachability.ts. */
export interface AddressView {
  getAddressesWithMetadata(): AddressFacts[];
}

export interface P2PServices extends Record<string, unknown> {
  identify: unknown;
  identifyPush: unknown;
  ping: Ping;
  pubsub: GossipSub;
  dht?: KadDHT;
  autoNAT?: unknown;
  dcutr: unknown;
  upnp?: unknown;
  relay?: unknown;
  addresses: AddressView;
}

export type P2PHost = Libp2p<P2PServices>;

/** Content-addressed gossip ids: sha256(topic ‖ 0x00 ‖ data)[:20]; identical bytes dedupe. */
export function gossipMessageId(topic: string, data: Uint8Array): Uint8Array {
  return new Uint8Array(
    createHash('sha256').update(topic).update(Uint8Array.of(0)).update(data).digest(),
  ).subarray(0, 20);
}

export async function createP2PHost(options: P2PHostOptions): Promise<P2PHost> {
  assertChainId(options.chainId);
  const chainId = options.chainId;
  const prefix = `${PROTOCOL_NAMESPACE}/${chainId}`;
  const privateKey: PrivateKey | undefined =
    options.privateKeyProtobuf === undefined
      ? undefined
      : privateKeyFromProtobuf(options.privateKeyProtobuf);
  const relayClient = options.relayClient ?? true;
  const listen = [...(options.listen ?? ['/ip4/0.0.0.0/tcp/30333', '/ip6/::/tcp/30333'])];
  if (relayClient) listen.push('/p2p-circuit');

  type Discovery = NonNullable<Libp2pOptions['peerDiscovery']>[number];
  const peerDiscovery: Discovery[] = [];
  if ((options.bootstrap ?? []).length > 0) {
    peerDiscovery.push(bootstrap({ list: options.bootstrap ?? [], timeout: 0 }));
  }
  if (options.mdns ?? true) {
    peerDiscovery.push(mdns({ serviceTag: `${PROTOCOL_NAMESPACE}-${chainId}.local` }));
  }

  const maxTopicBytes = Math.max(...GOSSIP_TOPIC_NAMES.map((n) => GOSSIP_TOPICS[n].maxBytes));
  const services: Record<string, (components: never) => unknown> = {
    identify: identify({ protocolPrefix: prefix, runOnLimitedConnection: true }),
    identifyPush: identifyPush({ protocolPrefix: prefix, runOnLimitedConnection: true }),
    ping: ping({ protocolPrefix: prefix, runOnLimitedConnection: true }),
    pubsub: gossipsub({
      emitSelf: false,
      // Application messages carry their own signatures (validator keys, tx keys), so gossipsub's
      // per-message signing is pure cost (3× throughput, research §1.6); ids are content hashes.
      globalSignaturePolicy: 'StrictNoSign',
      msgIdFn: (msg) => gossipMessageId(msg.topic, msg.data),
      allowPublishToZeroTopicPeers: true,
      ignoreDuplicatePublishError: true,
      floodPublish: true,
      fallbackToFloodsub: false,
      heartbeatInterval: options.gossipHeartbeatMs ?? 700,
      allowedTopics: GOSSIP_TOPIC_NAMES.map((n) => topicId(chainId, n)),
      maxInboundDataLength: options.gossipMaxInboundBytes ?? maxTopicBytes + 64 * 1024,
      runOnLimitedConnection: true,
    }) as never,
    dcutr: dcutr(),
    addresses: ((components: { addressManager: AddressView }) => ({
      getAddressesWithMetadata: () => components.addressManager.getAddressesWithMetadata(),
    })) as never,
  };
  if (options.dht ?? true) {
    services.dht = kadDHT({
      protocol: dhtProtocol(chainId),
      peerInfoMapper: options.dhtAllowPrivateAddresses
        ? (info) => info
        : removePrivateAddressesMapper,
      logPrefix: `libp2p:noesis-kad`,
      ...(options.dhtClientMode === undefined ? {} : { clientMode: options.dhtClientMode }),
    }) as never;
  }
  if (options.autonat ?? true) services.autoNAT = autoNAT({ protocolPrefix: prefix }) as never;
  if (options.upnp ?? true) services.upnp = uPnPNAT() as never;
  if (options.relayServer ?? false) {
    services.relay = circuitRelayServer({ reservations: { maxReservations: 128 } }) as never;
  }

  const isBanned = options.isBanned ?? (() => false);
  const gater: ConnectionGater = {
    denyDialPeer: (peer: PeerId) => isBanned(peer.toString()),
    denyInboundEncryptedConnection: (peer: PeerId) => isBanned(peer.toString()),
    denyOutboundEncryptedConnection: (peer: PeerId) => isBanned(peer.toString()),
    // Loopback and private addresses are normal on a LAN and in tests; libp2p's default gater
    // would refuse private dials only in browsers, so keep every address dialable.
    denyDialMultiaddr: () => false,
  };

  const node = await createLibp2p({
    start: options.start ?? true,
    ...(privateKey === undefined ? {} : { privateKey }),
    addresses: {
      listen,
      ...(options.announce === undefined ? {} : { announce: options.announce }),
    },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionGater: gater,
    connectionManager: { maxConnections: options.maxConnections ?? 100 },
    services: services as never,
  });
  return node as unknown as P2PHost;
}
