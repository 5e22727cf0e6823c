// Shared fixtures for the consensus tests: deterministic validator keys, a validator set with
// unequal stake, and helpers that sign messages as a given validator.
import { hash256, publicKeyOf, toHex, type Hex } from '../../../electron/node/chain/crypto.ts';
import {
  createMachine,
  step,
  type Action,
  type ConsensusState,
  type Input,
} from '../../../electron/node/consensus/machine.ts';
import {
  signProposal,
  signVote,
  type ConsensusCrypto,
  type SignedProposal,
  type SignedVote,
  type VoteType,
} from '../../../electron/node/consensus/messages.ts';
import {
  createValidatorSet,
  proposerOf,
  type ValidatorSet,
} from '../../../electron/node/consensus/validator-set.ts';

export const CHAIN_ID = 'noesis-test';

export interface Key {
  readonly key: Hex;
  readonly secretKey: Uint8Array;
}

const keyCache: Key[] = [];

/** Validator i's key pair, the same in every test run. */
export function keyOf(i: number): Key {
  while (keyCache.length <= i) {
    const secretKey = hash256(
      new TextEncoder().encode(`noesis-consensus-test-key-${keyCache.length}`),
    );
    keyCache.push({ key: toHex(publicKeyOf(secretKey)), secretKey });
  }
  return keyCache[i]!;
}

export function setOf(powers: readonly bigint[]): ValidatorSet {
  return createValidatorSet(powers.map((power, i) => ({ key: keyOf(i).key, power })));
}

export function blockId(label: string): Hex {
  return toHex(hash256(new TextEncoder().encode(label)));
}

/** Memoizes sign and verify (both are pure functions of their inputs). */
export function memoCrypto(base: ConsensusCrypto, max = 200_000): ConsensusCrypto {
  const signs = new Map<string, Uint8Array>();
  const verifies = new Map<string, boolean>();
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return {
    sign(secretKey, message) {
      const k = hex(secretKey) + hex(message);
      let s = signs.get(k);
      if (s === undefined) {
        if (signs.size >= max) signs.clear();
        s = base.sign(secretKey, message);
        signs.set(k, s);
      }
      return s;
    },
    verify(publicKey, message, signature) {
      const k = hex(publicKey) + hex(message) + hex(signature);
      let v = verifies.get(k);
      if (v === undefined) {
        if (verifies.size >= max) verifies.clear();
        v = base.verify(publicKey, message, signature);
        verifies.set(k, v);
      }
      return v;
    },
  };
}

export function vote(
  i: number,
  type: VoteType,
  height: number,
  round: number,
  blockHash: Hex,
): SignedVote {
  const k = keyOf(i);
  return signVote(CHAIN_ID, { type, height, round, blockHash }, k.secretKey, k.key);
}

export function proposal(
  i: number,
  height: number,
  round: number,
  blockHash: Hex,
  polRound = -1,
): SignedProposal {
  const k = keyOf(i);
  return signProposal(CHAIN_ID, { height, round, polRound, blockHash }, k.secretKey, k.key);
}

/** Index of the proposer of (set, round) among keyOf(0..n-1). */
export function proposerIndex(set: ValidatorSet, round: number): number {
  const key = proposerOf(set, round);
  for (let i = 0; i < set.validators.length; i++) if (keyOf(i).key === key) return i;
  throw new Error('proposer is not a fixture key');
}

/** A machine driven by a list of inputs, collecting all actions. */
export class Driver {
  state: ConsensusState;
  actions: Action[] = [];

  constructor(self: number | null) {
    this.state = createMachine({
      chainId: CHAIN_ID,
      signer: self === null ? null : keyOf(self),
      timeouts: { proposeMs: 1000, prevoteMs: 500, precommitMs: 500, deltaMs: 250 },
    });
  }

  feed(...inputs: Input[]): Action[] {
    const out: Action[] = [];
    for (const input of inputs) {
      const r = step(this.state, input);
      this.state = r.state;
      out.push(...r.actions);
    }
    this.actions.push(...out);
    return out;
  }

  votes(...vs: SignedVote[]): Action[] {
    return this.feed(...vs.map((v): Input => ({ kind: 'vote', vote: v })));
  }

  propose(p: SignedProposal, valid = true): Action[] {
    return this.feed({ kind: 'proposal', proposal: p, valid });
  }
}

export function sent(actions: readonly Action[]): (SignedVote | SignedProposal)[] {
  return actions.flatMap((a) => (a.kind === 'broadcast' ? [a.message] : []));
}

export function sentVotes(actions: readonly Action[], type: VoteType): SignedVote[] {
  return sent(actions).filter((m): m is SignedVote => m.type === type);
}
