/**
 * Canonical encoding of everything the chain hashes or signs: transactions, block headers,
 * commits, blocks. Deterministic CBOR (RFC 8949 §4.2: smallest integer and length forms, no
 * indefinite lengths, no floats, no tags) with positional arrays, so there are no map keys to
 * order. Decoding is strict: cborg's strict mode, then the value is re-encoded and must give the
 * same bytes, so exactly one byte string is accepted for any value (docs/adr/0002).
 *
 * Layouts (version 1; every integer is a CBOR unsigned integer):
 *   tx body    [1, chainId, kind, signer(b32), nonce, fee, args]
 *   signed tx  [body, signature(b64)]
 *   header     [1, chainId, height, timeMs, prevHash, txRoot, stateRoot, proposer(b32),
 *               lastCommitHash, evidenceHash]
 *   commit     [height, round, blockHash, [[validator(b32), signature(b64)], ...]]
 *   block      [header, [signedTx, ...], commit | null, [evidence, ...]]
 *   evidence   [1, vote a, vote b]   two conflicting votes of one validator (see evidenceArray)
 * args by kind are listed in `encodeArgs`; a proposal's action in `actionArray`; a subnet
 * model in `modelArray`.
 */
import { decode, encode, rfc8949EncodeOptions } from 'cborg';
import { assertU64 } from './amount.ts';
import type { Block, BlockHeader, Commit, Evidence } from './block.ts';
import { fromHex, hash256, toHex, type Hex } from './crypto.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import type { ProposalAction, SubnetModel, VoteChoice } from './types.ts';
import {
  MAX_CHAIN_ID_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  MAX_TITLE_LENGTH,
  MAX_VERSION_LENGTH,
  TX_KINDS,
  type SignedTx,
  type TxBody,
  type TxCall,
  type TxKind,
} from './tx.ts';

export const CODEC_VERSION = 1;

const DECODE_OPTIONS = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowNaN: false,
  allowInfinity: false,
  rejectDuplicateMapKeys: true,
  useMaps: false,
} as const;

export function encodeCanonical(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}

/** Decodes bytes that must be the canonical encoding of their value; MALFORMED otherwise. */
export function decodeCanonical(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = decode(bytes, DECODE_OPTIONS);
  } catch (error) {
    throw malformed(`not CBOR: ${(error as Error).message}`);
  }
  const again = encodeCanonical(value);
  if (!bytesEqual(again, bytes)) throw malformed('not the canonical encoding of its value');
  return value;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function malformed(message: string, data: Record<string, unknown> = {}) {
  return chainError(ChainErrorCode.MALFORMED, message, data);
}

// -- shape readers ---------------------------------------------------------------------------

function arr(v: unknown, len: number | null, what: string): unknown[] {
  if (!Array.isArray(v)) throw malformed(`${what} must be an array`, { field: what });
  if (len !== null && v.length !== len) {
    throw malformed(`${what} must have ${len} items, has ${v.length}`, { field: what });
  }
  return v;
}

function text(v: unknown, maxLength: number, what: string): string {
  if (typeof v !== 'string' || v.length > maxLength) {
    throw malformed(`${what} must be text of at most ${maxLength} characters`, { field: what });
  }
  return v;
}

function bytesHex(v: unknown, len: number | null, what: string, maxLen = 64): Hex {
  if (!(v instanceof Uint8Array) || (len !== null ? v.length !== len : v.length > maxLen)) {
    throw malformed(`${what} must be ${len ?? `at most ${maxLen}`} bytes`, { field: what });
  }
  return toHex(v);
}

/** Any CBOR unsigned integer that fits u64, as bigint. */
function u64(v: unknown, what: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw malformed(`${what} must be an unsigned integer`);
    return BigInt(v);
  }
  if (typeof v === 'bigint') return assertU64(v, what);
  throw malformed(`${what} must be an unsigned integer`, { field: what });
}

/** An unsigned integer within JavaScript's safe range (heights, nonces, uids, u16 values). */
function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw malformed(`${what} must be an unsigned integer below 2^53`, { field: what });
  }
  return v;
}

function uintList(v: unknown, what: string): number[] {
  return arr(v, null, what).map((x, i) => uint(x, `${what}[${i}]`));
}

function checkUint(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw malformed(`${what} must be an unsigned integer below 2^53`, { field: what });
  }
  return v;
}

function b(hex: Hex, len: number | null, what: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromHex(hex);
  } catch {
    throw malformed(`${what} must be lower-case hex`, { field: what });
  }
  if (len !== null && bytes.length !== len) throw malformed(`${what} must be ${len} bytes`);
  return bytes;
}

// -- transactions ----------------------------------------------------------------------------

function encodeArgs(call: TxCall): unknown[] {
  switch (call.kind) {
    case 'transfer':
      return [b(call.to, 32, 'to'), assertU64(call.amount, 'amount')];
    case 'register':
      return [
        checkUint(call.netuid, 'netuid'),
        b(call.hotkey, 32, 'hotkey'),
        assertU64(call.maxBurn, 'maxBurn'),
      ];
    case 'add_stake':
    case 'remove_stake':
      return [b(call.hotkey, 32, 'hotkey'), assertU64(call.amount, 'amount')];
    case 'set_take':
      return [b(call.hotkey, 32, 'hotkey'), checkUint(call.take, 'take')];
    case 'set_weights':
      return [
        checkUint(call.netuid, 'netuid'),
        call.uids.map((u) => checkUint(u, 'uid')),
        call.weights.map((w) => checkUint(w, 'weight')),
      ];
    case 'commit_weights':
      return [checkUint(call.netuid, 'netuid'), b(call.commitHash, 32, 'commitHash')];
    case 'reveal_weights':
      return [
        checkUint(call.netuid, 'netuid'),
        call.uids.map((u) => checkUint(u, 'uid')),
        call.weights.map((w) => checkUint(w, 'weight')),
        b(call.salt, null, 'salt'),
      ];
    case 'serve':
      return [checkUint(call.netuid, 'netuid'), [...call.addrs]];
    case 'create_subnet':
      return [
        b(call.hotkey, 32, 'hotkey'),
        call.taskType,
        assertU64(call.maxLock, 'maxLock'),
        call.model === null ? null : modelArray(call.model),
      ];
    case 'commit_proof':
      return [
        checkUint(call.netuid, 'netuid'),
        checkUint(call.epoch, 'epoch'),
        b(call.root, 32, 'root'),
        checkUint(call.entries, 'entries'),
        b(call.secretHash, 32, 'secretHash'),
        call.reveal === null ? null : b(call.reveal, 32, 'reveal'),
      ];
    case 'propose':
      return [
        assertU64(call.deposit, 'deposit'),
        call.title,
        call.description,
        actionArray(call.action),
      ];
    case 'vote':
      return [
        checkUint(call.proposal, 'proposal'),
        call.choice,
        checkUint(call.conviction, 'conviction'),
      ];
  }
}

/**
 * [catalogId, sha256(b32), sizeBytes, protocolVersion, decoding, maxTokens, contextSize,
 *  tauMilli, maxViolations]; the chain checks the values (subnet-model.ts), the codec the shape.
 */
export function modelArray(m: SubnetModel): unknown[] {
  return [
    m.catalogId,
    b(m.sha256, 32, 'model.sha256'),
    checkUint(m.sizeBytes, 'model.sizeBytes'),
    checkUint(m.protocolVersion, 'model.protocolVersion'),
    m.decoding,
    checkUint(m.maxTokens, 'model.maxTokens'),
    checkUint(m.contextSize, 'model.contextSize'),
    checkUint(m.tauMilli, 'model.tauMilli'),
    checkUint(m.maxViolations, 'model.maxViolations'),
  ];
}

function modelFrom(v: unknown): SubnetModel {
  const a = arr(v, 9, 'model');
  return {
    catalogId: text(a[0], 64, 'model.catalogId'),
    sha256: bytesHex(a[1], 32, 'model.sha256'),
    sizeBytes: uint(a[2], 'model.sizeBytes'),
    protocolVersion: uint(a[3], 'model.protocolVersion'),
    // Any short text decodes; the chain refuses all but 'greedy' with a precise code.
    decoding: text(a[4], 16, 'model.decoding') as SubnetModel['decoding'],
    maxTokens: uint(a[5], 'model.maxTokens'),
    contextSize: uint(a[6], 'model.contextSize'),
    tauMilli: uint(a[7], 'model.tauMilli'),
    maxViolations: uint(a[8], 'model.maxViolations'),
  };
}

/**
 * ["param", name, netuid | null, value] | ["upgrade", version, activationHeight]
 * | ["subnet_model", netuid, model] | ["text"]
 */
function actionArray(a: ProposalAction): unknown[] {
  switch (a.kind) {
    case 'param':
      return [
        'param',
        a.param,
        a.netuid === null ? null : checkUint(a.netuid, 'netuid'),
        assertU64(a.value, 'value'),
      ];
    case 'upgrade':
      return ['upgrade', a.version, checkUint(a.activationHeight, 'activationHeight')];
    case 'subnet_model':
      return ['subnet_model', checkUint(a.netuid, 'netuid'), modelArray(a.model)];
    case 'text':
      return ['text'];
  }
}

function actionFrom(v: unknown): ProposalAction {
  const a = arr(v, null, 'action');
  switch (a[0]) {
    case 'param': {
      arr(v, 4, 'action');
      return {
        kind: 'param',
        param: text(a[1], 64, 'param'),
        netuid: a[2] === null ? null : uint(a[2], 'netuid'),
        value: u64(a[3], 'value'),
      };
    }
    case 'upgrade':
      arr(v, 3, 'action');
      return {
        kind: 'upgrade',
        version: text(a[1], MAX_VERSION_LENGTH, 'version'),
        activationHeight: uint(a[2], 'activationHeight'),
      };
    case 'subnet_model':
      arr(v, 3, 'action');
      return { kind: 'subnet_model', netuid: uint(a[1], 'netuid'), model: modelFrom(a[2]) };
    case 'text':
      arr(v, 1, 'action');
      return { kind: 'text' };
    default:
      throw malformed(`unknown proposal action "${String(a[0]).slice(0, 32)}"`, {
        field: 'action',
      });
  }
}

const VOTE_CHOICES: readonly string[] = ['yes', 'no', 'abstain'];

function decodeArgs(kind: TxKind, v: unknown): TxCall {
  switch (kind) {
    case 'transfer': {
      const a = arr(v, 2, 'args');
      return { kind, to: bytesHex(a[0], 32, 'to'), amount: u64(a[1], 'amount') };
    }
    case 'register': {
      const a = arr(v, 3, 'args');
      return {
        kind,
        netuid: uint(a[0], 'netuid'),
        hotkey: bytesHex(a[1], 32, 'hotkey'),
        maxBurn: u64(a[2], 'maxBurn'),
      };
    }
    case 'add_stake':
    case 'remove_stake': {
      const a = arr(v, 2, 'args');
      return { kind, hotkey: bytesHex(a[0], 32, 'hotkey'), amount: u64(a[1], 'amount') };
    }
    case 'set_take': {
      const a = arr(v, 2, 'args');
      return { kind, hotkey: bytesHex(a[0], 32, 'hotkey'), take: uint(a[1], 'take') };
    }
    case 'set_weights': {
      const a = arr(v, 3, 'args');
      return {
        kind,
        netuid: uint(a[0], 'netuid'),
        uids: uintList(a[1], 'uids'),
        weights: uintList(a[2], 'weights'),
      };
    }
    case 'commit_weights': {
      const a = arr(v, 2, 'args');
      return { kind, netuid: uint(a[0], 'netuid'), commitHash: bytesHex(a[1], 32, 'commitHash') };
    }
    case 'reveal_weights': {
      const a = arr(v, 4, 'args');
      return {
        kind,
        netuid: uint(a[0], 'netuid'),
        uids: uintList(a[1], 'uids'),
        weights: uintList(a[2], 'weights'),
        salt: bytesHex(a[3], null, 'salt', 32),
      };
    }
    case 'serve': {
      const a = arr(v, 2, 'args');
      const addrs = arr(a[1], null, 'addrs').map((x, i) => text(x, 1024, `addrs[${i}]`));
      return { kind, netuid: uint(a[0], 'netuid'), addrs };
    }
    case 'create_subnet': {
      const a = arr(v, 4, 'args');
      return {
        kind,
        hotkey: bytesHex(a[0], 32, 'hotkey'),
        taskType: text(a[1], 64, 'taskType'),
        maxLock: u64(a[2], 'maxLock'),
        model: a[3] === null ? null : modelFrom(a[3]),
      };
    }
    case 'commit_proof': {
      const a = arr(v, 6, 'args');
      return {
        kind,
        netuid: uint(a[0], 'netuid'),
        epoch: uint(a[1], 'epoch'),
        root: bytesHex(a[2], 32, 'root'),
        entries: uint(a[3], 'entries'),
        secretHash: bytesHex(a[4], 32, 'secretHash'),
        reveal: a[5] === null ? null : bytesHex(a[5], 32, 'reveal'),
      };
    }
    case 'propose': {
      const a = arr(v, 4, 'args');
      return {
        kind,
        deposit: u64(a[0], 'deposit'),
        title: text(a[1], MAX_TITLE_LENGTH, 'title'),
        description: text(a[2], MAX_DESCRIPTION_LENGTH, 'description'),
        action: actionFrom(a[3]),
      };
    }
    case 'vote': {
      const a = arr(v, 3, 'args');
      const choice = text(a[1], 8, 'choice');
      if (!VOTE_CHOICES.includes(choice)) throw malformed('choice must be yes, no or abstain');
      return {
        kind,
        proposal: uint(a[0], 'proposal'),
        choice: choice as VoteChoice,
        conviction: uint(a[2], 'conviction'),
      };
    }
  }
}

function txBodyArray(body: TxBody): unknown[] {
  return [
    CODEC_VERSION,
    body.chainId,
    body.kind,
    b(body.signer, 32, 'signer'),
    checkUint(body.nonce, 'nonce'),
    assertU64(body.fee, 'fee'),
    encodeArgs(body),
  ];
}

function signedTxArray(tx: SignedTx): unknown[] {
  return [txBodyArray(tx.body), b(tx.signature, 64, 'signature')];
}

function txBodyFromArray(v: unknown): TxBody {
  const a = arr(v, 7, 'tx body');
  if (a[0] !== CODEC_VERSION) throw malformed(`unknown tx version ${String(a[0])}`);
  const chainId = text(a[1], MAX_CHAIN_ID_LENGTH, 'chainId');
  const kind = text(a[2], 32, 'kind') as TxKind;
  if (!TX_KINDS.includes(kind)) throw malformed(`unknown transaction kind "${kind}"`);
  const base = {
    chainId,
    signer: bytesHex(a[3], 32, 'signer'),
    nonce: uint(a[4], 'nonce'),
    fee: u64(a[5], 'fee'),
  };
  return { ...base, ...decodeArgs(kind, a[6]) };
}

function signedTxFromArray(v: unknown): SignedTx {
  const a = arr(v, 2, 'signed tx');
  return { body: txBodyFromArray(a[0]), signature: bytesHex(a[1], 64, 'signature') };
}

export function encodeTxBody(body: TxBody): Uint8Array {
  return encodeCanonical(txBodyArray(body));
}

export function encodeSignedTx(tx: SignedTx): Uint8Array {
  return encodeCanonical(signedTxArray(tx));
}

export function decodeSignedTx(bytes: Uint8Array): SignedTx {
  return signedTxFromArray(decodeCanonical(bytes));
}

const TX_DOMAIN = new TextEncoder().encode('noesis/tx/1\0');

/** What the signer signs: a domain prefix, then the canonical body bytes. */
export function txSignBytes(body: TxBody): Uint8Array {
  const bodyBytes = encodeTxBody(body);
  const out = new Uint8Array(TX_DOMAIN.length + bodyBytes.length);
  out.set(TX_DOMAIN, 0);
  out.set(bodyBytes, TX_DOMAIN.length);
  return out;
}

export function weightsCommitHash(
  hotkey: Hex,
  netuid: number,
  uids: readonly number[],
  weights: readonly number[],
  salt: Hex,
): Hex {
  return toHex(
    hash256(
      encodeCanonical([
        'noesis/weights-commit/1',
        b(hotkey, 32, 'hotkey'),
        checkUint(netuid, 'netuid'),
        uids.map((u) => checkUint(u, 'uid')),
        weights.map((w) => checkUint(w, 'weight')),
        b(salt, null, 'salt'),
      ]),
    ),
  );
}

// -- headers, commits, blocks ----------------------------------------------------------------

function headerArray(h: BlockHeader): unknown[] {
  return [
    CODEC_VERSION,
    h.chainId,
    checkUint(h.height, 'height'),
    checkUint(h.time, 'time'),
    b(h.prevHash, 32, 'prevHash'),
    b(h.txRoot, 32, 'txRoot'),
    b(h.stateRoot, 32, 'stateRoot'),
    b(h.proposer, 32, 'proposer'),
    b(h.lastCommitHash, 32, 'lastCommitHash'),
    b(h.evidenceHash, 32, 'evidenceHash'),
  ];
}

function headerFromArray(v: unknown): BlockHeader {
  const a = arr(v, 10, 'header');
  if (a[0] !== CODEC_VERSION) throw malformed(`unknown header version ${String(a[0])}`);
  return {
    chainId: text(a[1], MAX_CHAIN_ID_LENGTH, 'chainId'),
    height: uint(a[2], 'height'),
    time: uint(a[3], 'time'),
    prevHash: bytesHex(a[4], 32, 'prevHash'),
    txRoot: bytesHex(a[5], 32, 'txRoot'),
    stateRoot: bytesHex(a[6], 32, 'stateRoot'),
    proposer: bytesHex(a[7], 32, 'proposer'),
    lastCommitHash: bytesHex(a[8], 32, 'lastCommitHash'),
    evidenceHash: bytesHex(a[9], 32, 'evidenceHash'),
  };
}

function commitArray(c: Commit): unknown[] {
  return [
    checkUint(c.height, 'commit.height'),
    checkUint(c.round, 'commit.round'),
    b(c.blockHash, 32, 'commit.blockHash'),
    c.signatures.map((s) => [b(s.validator, 32, 'validator'), b(s.signature, 64, 'signature')]),
  ];
}

function commitFromArray(v: unknown): Commit {
  const a = arr(v, 4, 'commit');
  return {
    height: uint(a[0], 'commit.height'),
    round: uint(a[1], 'commit.round'),
    blockHash: bytesHex(a[2], 32, 'commit.blockHash'),
    signatures: arr(a[3], null, 'commit.signatures').map((s) => {
      const p = arr(s, 2, 'commit signature');
      return { validator: bytesHex(p[0], 32, 'validator'), signature: bytesHex(p[1], 64, 'sig') };
    }),
  };
}

export function encodeHeader(h: BlockHeader): Uint8Array {
  return encodeCanonical(headerArray(h));
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  return headerFromArray(decodeCanonical(bytes));
}

export function encodeCommit(c: Commit): Uint8Array {
  return encodeCanonical(commitArray(c));
}

export function decodeCommit(bytes: Uint8Array): Commit {
  return commitFromArray(decodeCanonical(bytes));
}

// evidence   [1 (duplicate vote), vote a, vote b]
// vote       [type 1 prevote | 2 precommit, height, round, blockHash(b32), validator(b32), signature(b64)]
const EVIDENCE_DUPLICATE_VOTE = 1;
const VOTE_TYPES = ['prevote', 'precommit'] as const;

function evidenceVoteArray(v: Evidence['a']): unknown[] {
  const type = VOTE_TYPES.indexOf(v.type);
  if (type < 0) throw malformed('evidence vote type must be prevote or precommit');
  return [
    type + 1,
    checkUint(v.height, 'evidence.height'),
    checkUint(v.round, 'evidence.round'),
    b(v.blockHash, 32, 'evidence.blockHash'),
    b(v.validator, 32, 'evidence.validator'),
    b(v.signature, 64, 'evidence.signature'),
  ];
}

function evidenceVoteFromArray(v: unknown): Evidence['a'] {
  const a = arr(v, 6, 'evidence vote');
  const type = VOTE_TYPES[uint(a[0], 'evidence vote type') - 1];
  if (type === undefined) throw malformed('evidence vote type must be 1 or 2');
  return {
    type,
    height: uint(a[1], 'evidence.height'),
    round: uint(a[2], 'evidence.round'),
    blockHash: bytesHex(a[3], 32, 'evidence.blockHash'),
    validator: bytesHex(a[4], 32, 'evidence.validator'),
    signature: bytesHex(a[5], 64, 'evidence.signature'),
  };
}

/** A piece of evidence as the block (and the evidence gossip topic) carries it. */
export function evidenceArray(e: Evidence): unknown[] {
  if (e.kind !== 'duplicate-vote') throw malformed('only duplicate-vote evidence goes on chain');
  return [EVIDENCE_DUPLICATE_VOTE, evidenceVoteArray(e.a), evidenceVoteArray(e.b)];
}

function evidenceFromArray(v: unknown): Evidence {
  const a = arr(v, 3, 'evidence');
  if (a[0] !== EVIDENCE_DUPLICATE_VOTE) throw malformed(`unknown evidence kind ${String(a[0])}`);
  return { kind: 'duplicate-vote', a: evidenceVoteFromArray(a[1]), b: evidenceVoteFromArray(a[2]) };
}

export function encodeEvidence(e: Evidence): Uint8Array {
  return encodeCanonical(evidenceArray(e));
}

/** Shape only; whether it proves anything is validators.ts's checkEvidence. */
export function decodeEvidence(bytes: Uint8Array): Evidence {
  return evidenceFromArray(decodeCanonical(bytes));
}

export function encodeBlock(block: Block): Uint8Array {
  return encodeCanonical([
    headerArray(block.header),
    block.txs.map(signedTxArray),
    block.lastCommit === null ? null : commitArray(block.lastCommit),
    block.evidence.map(evidenceArray),
  ]);
}

export function decodeBlock(bytes: Uint8Array): Block {
  const a = arr(decodeCanonical(bytes), 4, 'block');
  return {
    header: headerFromArray(a[0]),
    txs: arr(a[1], null, 'txs').map(signedTxFromArray),
    lastCommit: a[2] === null ? null : commitFromArray(a[2]),
    evidence: arr(a[3], null, 'evidence').map(evidenceFromArray),
  };
}

/** Encodes a vote for (chainId, height, round, blockHash): what a validator signs. */
export function voteSignBytes(
  chainId: string,
  height: number,
  round: number,
  blockHash: Hex,
): Uint8Array {
  // type 2 = precommit (1 is reserved for prevote by consensus/).
  return encodeCanonical([
    'noesis/vote/1',
    chainId,
    checkUint(height, 'height'),
    checkUint(round, 'round'),
    2,
    b(blockHash, 32, 'blockHash'),
  ]);
}
