/**
 * A hint while a bootstrap address is typed: the node's own check (network/join.ts
 * checkBootstrap, run again by config.update) is the authority; this catches the usual slips
 * before asking it: no peer id at the end, or no address in front of it.
 */
export type BootstrapProblem = 'empty' | 'notMultiaddr' | 'noPeer' | 'noTransport' | 'duplicate';

/** A peer id as libp2p prints it: base58btc, "12D3Koo…" (ed25519) or "Qm…" (older keys). */
const PEER_AT_END = /\/p2p\/[1-9A-HJ-NP-Za-km-z]{40,60}$/;

export function bootstrapProblem(text: string, saved: readonly string[]): BootstrapProblem | null {
  const address = text.trim();
  if (address === '') return 'empty';
  if (!address.startsWith('/') || /\s/.test(address)) return 'notMultiaddr';
  if (!PEER_AT_END.test(address)) return 'noPeer';
  if (address.slice(0, address.lastIndexOf('/p2p/')) === '') return 'noTransport';
  if (saved.includes(address)) return 'duplicate';
  return null;
}
