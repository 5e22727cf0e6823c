/**
 * Can other nodes dial this one? AutoNAT asks peers to dial our observed addresses back and
 * records the verdict in libp2p's address manager: a confirmed address becomes `verified`, a
 * refuted one is removed. This module turns those snapshots into plain facts for the UI:
 * reachable or not (or unknown), the public address, the TCP port to forward on the router, and
 * whether a relay carries our inbound traffic meanwhile. Pure functions over injected snapshots,
 * so tests (and 127.0.0.1, where everything is private) can feed any verdict.
 */
import { isPrivateIp } from '@libp2p/utils';

/** One address as libp2p's address manager reports it (structural, to keep libp2p internals out). */
export interface AddressFacts {
  multiaddr: { toString(): string };
  /** AutoNAT (or the transport itself, for listen addresses) confirmed it dialable. */
  verified: boolean;
  /** 'transport' (a listen address), 'observed' (seen by peers), 'ip-mapping' (UPnP), … */
  type: string;
  expires: number;
}

export type Reachability = 'reachable' | 'unreachable' | 'unknown';

export const ReachabilityReason = {
  /** A public address of ours was dialed back by peers. */
  PUBLIC_ADDRESS_VERIFIED: 'public_address_verified',
  /** Peers saw a public address for us but could not dial it back (NAT or firewall). */
  PUBLIC_ADDRESS_NOT_DIALABLE: 'public_address_not_dialable',
  /** A public address is known and AutoNAT is still asking peers to dial it. */
  CHECKING: 'checking',
  /** We only know private or loopback addresses (no peer has told us our public one yet). */
  NO_PUBLIC_ADDRESS: 'no_public_address',
} as const;
export type ReachabilityReason = (typeof ReachabilityReason)[keyof typeof ReachabilityReason];

export interface ReachabilityFacts {
  status: Reachability;
  reason: ReachabilityReason;
  /** "ip:port" others would dial, when known. */
  publicAddress: string | null;
  /** The TCP port to forward on the router (our listen port), when we listen on TCP. */
  portToForward: number | null;
  /** A relay reservation carries inbound connections meanwhile. */
  relayInUse: boolean;
  relayAddresses: string[];
  /** Every address with its verdict, for the details view. */
  addresses: Array<{ address: string; type: string; verified: boolean; public: boolean }>;
}

interface IpPort {
  ip: string;
  port: number;
  transport: string;
}

/** /ip4/1.2.3.4/tcp/30333[/…] → { ip, port }; null for other shapes (dns, circuit). */
export function ipPortOf(multiaddr: string): IpPort | null {
  const m = /^\/(ip4|ip6)\/([^/]+)\/(tcp|udp)\/(\d+)/.exec(multiaddr);
  if (m === null || multiaddr.includes('/p2p-circuit')) return null;
  return { ip: m[2] as string, port: Number(m[4]), transport: m[3] as string };
}

export function isPublicIp(ip: string): boolean {
  if (ip === '0.0.0.0' || ip === '::') return false;
  return isPrivateIp(ip) === false;
}

function hostPort(a: IpPort): string {
  return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

export interface ReachabilityInput {
  addresses: readonly AddressFacts[];
  /** The node's current multiaddrs (relay reservations show up as …/p2p-circuit…). */
  multiaddrs: readonly string[];
  /** Public addresses AutoNAT refuted earlier (see ReachabilityTracker). */
  refuted?: readonly string[];
}

export function deriveReachability(input: ReachabilityInput): ReachabilityFacts {
  const addresses = input.addresses.map((a) => {
    const address = a.multiaddr.toString();
    const ipPort = ipPortOf(address);
    return {
      address,
      type: a.type,
      verified: a.verified,
      public: ipPort !== null && isPublicIp(ipPort.ip),
      ipPort,
    };
  });
  const relayAddresses = input.multiaddrs.filter((m) => m.includes('/p2p-circuit'));
  const listenTcp = addresses.find(
    (a) => a.type === 'transport' && a.ipPort?.transport === 'tcp' && a.ipPort.ip !== '127.0.0.1',
  );
  const anyTcp = addresses.find((a) => a.type === 'transport' && a.ipPort?.transport === 'tcp');
  const portToForward = (listenTcp ?? anyTcp)?.ipPort?.port ?? null;
  const base = {
    portToForward,
    relayInUse: relayAddresses.length > 0,
    relayAddresses,
    addresses: addresses.map(({ address, type, verified, public: pub }) => ({
      address,
      type,
      verified,
      public: pub,
    })),
  };
  const verifiedPublic = addresses.find((a) => a.public && a.verified);
  if (verifiedPublic?.ipPort) {
    return {
      status: 'reachable',
      reason: ReachabilityReason.PUBLIC_ADDRESS_VERIFIED,
      publicAddress: hostPort(verifiedPublic.ipPort),
      ...base,
    };
  }
  const pending = addresses.find((a) => a.public && !a.verified);
  if (pending?.ipPort) {
    return {
      status: 'unknown',
      reason: ReachabilityReason.CHECKING,
      publicAddress: hostPort(pending.ipPort),
      ...base,
    };
  }
  const refuted = (input.refuted ?? []).map(ipPortOf).find((a) => a !== null);
  if (refuted) {
    return {
      status: 'unreachable',
      reason: ReachabilityReason.PUBLIC_ADDRESS_NOT_DIALABLE,
      publicAddress: hostPort(refuted),
      ...base,
    };
  }
  return {
    status: 'unknown',
    reason: ReachabilityReason.NO_PUBLIC_ADDRESS,
    publicAddress: null,
    ...base,
  };
}

/**
 * Remembers public addresses that were seen unverified and then disappeared (AutoNAT removes an
 * address once enough peers failed to dial it): that disappearance is the "not reachable" verdict.
 * A later verified public address clears it.
 */
export class ReachabilityTracker {
  private readonly pending = new Set<string>();
  private readonly refuted = new Set<string>();

  update(input: Omit<ReachabilityInput, 'refuted'>): ReachabilityFacts {
    const now = new Map<string, AddressFacts>();
    for (const a of input.addresses) now.set(a.multiaddr.toString(), a);
    for (const address of this.pending) {
      const still = now.get(address);
      if (still === undefined) this.refuted.add(address);
      if (still === undefined || still.verified) this.pending.delete(address);
    }
    for (const [address, a] of now) {
      const ipPort = ipPortOf(address);
      if (ipPort === null || !isPublicIp(ipPort.ip)) continue;
      if (a.verified) this.refuted.clear();
      else this.pending.add(address);
    }
    return deriveReachability({ ...input, refuted: [...this.refuted] });
  }
}
