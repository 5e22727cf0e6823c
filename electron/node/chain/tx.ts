/**
 * Transactions: their types, limits, the key each one must be signed with, and helpers to build
 * and sign them. The canonical bytes live in codec.ts; what a transaction does lives in state.ts.
 *
 * Which key signs (mirrors subtensor's extrinsic origins):
 *   coldkey: transfer, add_stake, remove_stake, set_take (for a hotkey it owns), register
 *            (burned_register: the coldkey pays the burn and becomes the hotkey's owner),
 *            create_subnet (register_network: the coldkey locks the TAO and owns the subnet),
 *            propose and vote (governance: TAO holders decide, docs/governance.md)
 *   hotkey:  set_weights, commit_weights, reveal_weights, serve (serve_axon), commit_proof (a
 *            validator's interaction-log root, proof of intelligence: docs/chain.md)
 * A key is just an ed25519 public key; an account (free balance + nonce) exists for any key that
 * received TAO or signed a transaction, hotkeys included (they sign with their own nonce).
 */
import { encodeSignedTx, encodeTxBody, txSignBytes } from './codec.ts';
import { hash256, publicKeyOf, signMessage, toHex, type Hex } from './crypto.ts';
import type { ProposalAction, SubnetModel, VoteChoice } from './types.ts';

export type TxKind =
  | 'transfer'
  | 'register'
  | 'add_stake'
  | 'remove_stake'
  | 'set_take'
  | 'set_weights'
  | 'commit_weights'
  | 'reveal_weights'
  | 'serve'
  | 'create_subnet'
  | 'propose'
  | 'vote'
  | 'commit_proof';

export const TX_KINDS: readonly TxKind[] = [
  'transfer',
  'register',
  'add_stake',
  'remove_stake',
  'set_take',
  'set_weights',
  'commit_weights',
  'reveal_weights',
  'serve',
  'create_subnet',
  'propose',
  'vote',
  'commit_proof',
];

/** Transactions a hotkey signs; every other kind is signed by a coldkey. */
export const HOTKEY_SIGNED: ReadonlySet<TxKind> = new Set<TxKind>([
  'set_weights',
  'commit_weights',
  'reveal_weights',
  'serve',
  'commit_proof',
]);

/** Largest encoded signed transaction, in bytes. */
export const MAX_TX_BYTES = 8192;
/** serve: at most this many addresses, each at most MAX_ADDR_LENGTH characters. */
export const MAX_SERVE_ADDRS = 4;
export const MAX_ADDR_LENGTH = 256;
/** reveal_weights: salt length bound in bytes. */
export const MAX_SALT_BYTES = 32;
/** propose: title and description lengths (characters), upgrade version length. */
export const MAX_TITLE_LENGTH = 120;
export const MAX_DESCRIPTION_LENGTH = 2000;
export const MAX_VERSION_LENGTH = 32;
/** commit_proof: most leaves one interaction log may have. */
export const MAX_PROOF_ENTRIES = 1_000_000_000;
/** Longest chain id (printable ASCII). */
export const MAX_CHAIN_ID_LENGTH = 64;

export interface TxBase {
  chainId: string;
  /** ed25519 public key of the signer, hex. */
  signer: Hex;
  /** The signer's next nonce: its number of transactions already applied. */
  nonce: number;
  /** Fee in rao, recycled (removed from issuance) when the transaction applies. */
  fee: bigint;
}

export type TxCall =
  | { kind: 'transfer'; to: Hex; amount: bigint }
  | { kind: 'register'; netuid: number; hotkey: Hex; maxBurn: bigint }
  | { kind: 'add_stake'; hotkey: Hex; amount: bigint }
  | { kind: 'remove_stake'; hotkey: Hex; amount: bigint }
  | { kind: 'set_take'; hotkey: Hex; take: number }
  | { kind: 'set_weights'; netuid: number; uids: number[]; weights: number[] }
  | { kind: 'commit_weights'; netuid: number; commitHash: Hex }
  | { kind: 'reveal_weights'; netuid: number; uids: number[]; weights: number[]; salt: Hex }
  | { kind: 'serve'; netuid: number; addrs: string[] }
  | {
      kind: 'create_subnet';
      hotkey: Hex;
      taskType: string;
      maxLock: bigint;
      /** The model miners must run; null: a subnet whose miners cannot be verified. */
      model: SubnetModel | null;
    }
  | {
      kind: 'propose';
      /** Rao held from the signer; at least the chain's proposalDeposit. */
      deposit: bigint;
      title: string;
      description: string;
      action: ProposalAction;
    }
  | { kind: 'vote'; proposal: number; choice: VoteChoice; conviction: number }
  | {
      /**
       * A validator hotkey commits the Merkle root of its interaction log for `netuid`'s epoch
       * `epoch`, reveals the secret the previous commit promised (null on the first) and
       * promises the next one by its hash (blake2b-256).
       */
      kind: 'commit_proof';
      netuid: number;
      epoch: number;
      root: Hex;
      entries: number;
      secretHash: Hex;
      reveal: Hex | null;
    };

export type TxBody = TxBase & TxCall;

export interface SignedTx {
  body: TxBody;
  /** 64-byte ed25519 signature over txSignBytes(body), hex. */
  signature: Hex;
}

/** The transaction id: blake2b-256 of the canonical signed-transaction bytes. */
export function txHash(tx: SignedTx): Hex {
  return toHex(hash256(encodeSignedTx(tx)));
}

/** Signs `body` with a 32-byte ed25519 secret (tests, the local validator, the wallet bridge). */
export function signTx(body: TxBody, secretKey: Uint8Array): SignedTx {
  const signer = toHex(publicKeyOf(secretKey));
  if (signer !== body.signer) throw new Error('secret key does not match body.signer');
  return { body, signature: toHex(signMessage(secretKey, txSignBytes(body))) };
}

/** The bytes a wallet signs for `body` (the same bytes `signTx` signs). */
export function txMessage(body: TxBody): Uint8Array {
  return txSignBytes(body);
}

/** The commit hash a reveal must match: blake2b-256 of CBOR [hotkey, netuid, uids, weights, salt]. */
export { weightsCommitHash } from './codec.ts';

/** Bytes of the body alone (what the signature covers, after the domain prefix). */
export function bodyBytes(body: TxBody): Uint8Array {
  return encodeTxBody(body);
}
