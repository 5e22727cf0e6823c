/**
 * The leaf of one interaction of a validator's log, in the chain's Merkle tree (chain/merkle.ts):
 * each tempo the validator commits the root and the count of the epoch's log on chain
 * (`commit_proof`), and later proves any one interaction against it.
 *
 * The leaf is blake2b-256 of the canonical CBOR of
 * [taskId(b32), minerHotkey(b32), answerHash(b32), result(text), scoreMicro(uint 0..1,000,000)].
 */
import { encodeCanonical } from '../chain/codec.ts';
import { fromHex, hash256, isHex, type Hex } from '../chain/crypto.ts';
import { MerkleErrorCode } from '../chain/merkle.ts';
import { NoesisError } from '../errors.ts';
import { INTERACTION_RESULTS, type InteractionResult } from './scoring.ts';

export {
  leafHash,
  merkleProof,
  merkleRoot,
  MerkleErrorCode,
  nodeHash,
  verifyMerkleProof,
  type MerkleProof,
} from '../chain/merkle.ts';

/** The fields of one interaction that its leaf commits to. */
export interface InteractionLeafInput {
  taskId: Hex;
  minerHotkey: Hex;
  answerHash: Hex;
  result: InteractionResult;
  /** The task score in [0, 1]; the leaf carries it in millionths, so no float is hashed. */
  score: number;
}

export function interactionLeaf(entry: InteractionLeafInput): Uint8Array {
  for (const field of ['taskId', 'minerHotkey', 'answerHash'] as const) {
    if (!isHex(entry[field], 32)) {
      throw new NoesisError(MerkleErrorCode.BAD_INPUT, `${field} must be 32-byte hex`, { field });
    }
  }
  if (!INTERACTION_RESULTS.includes(entry.result)) {
    throw new NoesisError(MerkleErrorCode.BAD_INPUT, 'unknown result', { field: 'result' });
  }
  const s = entry.score;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || s > 1) {
    throw new NoesisError(MerkleErrorCode.BAD_INPUT, 'a score must be in [0, 1]', {
      field: 'score',
    });
  }
  return hash256(
    encodeCanonical([
      fromHex(entry.taskId),
      fromHex(entry.minerHotkey),
      fromHex(entry.answerHash),
      entry.result,
      Math.round(s * 1_000_000),
    ]),
  );
}
