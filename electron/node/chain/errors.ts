/**
 * Error codes of the chain domain. A failed transaction or block is reported as a `ChainError`
 * (a `NoesisError`) carrying one of these codes; a UI maps the code to plain words, a test asserts
 * it. `data` names the field, the expected and the actual value, never a secret.
 */
import { NoesisError } from '../errors.ts';

export const ChainErrorCode = {
  // -- encoding and shape --
  /** The bytes are not canonical CBOR of the expected shape (wrong type, extra field, non-minimal form). */
  MALFORMED: 'CHAIN_MALFORMED',
  /** A transaction is larger than MAX_TX_BYTES; data: { size, max }. */
  TX_TOO_LARGE: 'CHAIN_TX_TOO_LARGE',
  /** A block is larger than MAX_BLOCK_BYTES or has more than MAX_BLOCK_TXS transactions. */
  BLOCK_TOO_LARGE: 'CHAIN_BLOCK_TOO_LARGE',
  /** An amount is not an integer in the u64 range (negative, fractional or ≥ 2^64). */
  AMOUNT_OUT_OF_RANGE: 'CHAIN_AMOUNT_OUT_OF_RANGE',
  /** An amount is below the chain's dust floor (minTransfer / minStake); data: { amount, min }. */
  AMOUNT_TOO_SMALL: 'CHAIN_AMOUNT_TOO_SMALL',
  /** A TAO amount typed by a person cannot be read exactly (more than 9 decimals, not a number). */
  BAD_AMOUNT: 'CHAIN_BAD_AMOUNT',
  /** An SS58 address or hex key cannot be read. */
  BAD_ADDRESS: 'CHAIN_BAD_ADDRESS',

  // -- transaction checks --
  /** The transaction names another chain id; data: { expected, actual }. */
  WRONG_CHAIN_ID: 'CHAIN_WRONG_CHAIN_ID',
  /** The ed25519 signature does not verify for the signer key over the transaction body. */
  BAD_SIGNATURE: 'CHAIN_BAD_SIGNATURE',
  /** The nonce was already used by this signer (a replay); data: { expected, actual }. */
  NONCE_REPLAYED: 'CHAIN_NONCE_REPLAYED',
  /** The nonce skips ahead of the signer's next nonce; data: { expected, actual }. */
  NONCE_GAP: 'CHAIN_NONCE_GAP',
  /** The fee is below the minimum for this transaction type; data: { fee, min }. */
  FEE_TOO_LOW: 'CHAIN_FEE_TOO_LOW',
  /** The signer's free balance does not cover amount + fee; data: { needed, free }. */
  INSUFFICIENT_BALANCE: 'CHAIN_INSUFFICIENT_BALANCE',
  /** The coldkey's stake on this hotkey is smaller than the amount to unstake. */
  INSUFFICIENT_STAKE: 'CHAIN_INSUFFICIENT_STAKE',
  /** The hotkey is not known to the chain (never registered anywhere). */
  UNKNOWN_HOTKEY: 'CHAIN_UNKNOWN_HOTKEY',
  /** The hotkey belongs to another coldkey. */
  NOT_HOTKEY_OWNER: 'CHAIN_NOT_HOTKEY_OWNER',
  /** The validator take is outside [minTake, maxTake]; data: { take, min, max }. */
  TAKE_OUT_OF_RANGE: 'CHAIN_TAKE_OUT_OF_RANGE',
  /** An action is repeated before its rate limit allows; data: { next } is the first allowed block. */
  RATE_LIMITED: 'CHAIN_RATE_LIMITED',
  /** No subnet has this netuid. */
  UNKNOWN_SUBNET: 'CHAIN_UNKNOWN_SUBNET',
  /** The subnet limit (maxSubnets) is reached. */
  TOO_MANY_SUBNETS: 'CHAIN_TOO_MANY_SUBNETS',
  /** The task type is not 1–32 characters of [a-z0-9._-]. */
  BAD_TASK_TYPE: 'CHAIN_BAD_TASK_TYPE',
  /** The subnet lock cost is above the maximum the signer accepted; data: { cost, max }. */
  LOCK_ABOVE_LIMIT: 'CHAIN_LOCK_ABOVE_LIMIT',
  /** The registration burn is above the maximum the signer accepted; data: { burn, max }. */
  BURN_ABOVE_LIMIT: 'CHAIN_BURN_ABOVE_LIMIT',
  /** The hotkey already holds a uid on this subnet. */
  ALREADY_REGISTERED: 'CHAIN_ALREADY_REGISTERED',
  /** The subnet is full and every neuron is still inside its immunity period. */
  SUBNET_FULL: 'CHAIN_SUBNET_FULL',
  /** The signing hotkey holds no uid on this subnet. */
  NOT_REGISTERED: 'CHAIN_NOT_REGISTERED',
  /** uids and weights have different lengths; data: { uids, weights }. */
  WEIGHTS_LENGTH_MISMATCH: 'CHAIN_WEIGHTS_LENGTH_MISMATCH',
  /** A weight is not a u16, or a uid is not a uid of the subnet, or a uid repeats. */
  WEIGHTS_OUT_OF_RANGE: 'CHAIN_WEIGHTS_OUT_OF_RANGE',
  /** Fewer weights than min(minAllowedWeights, n) or more than n; data: { count, min, max }. */
  WEIGHTS_COUNT: 'CHAIN_WEIGHTS_COUNT',
  /** Weights set again before weightsRateLimit blocks passed; data: { next }. */
  WEIGHTS_TOO_SOON: 'CHAIN_WEIGHTS_TOO_SOON',
  /** Setting weights on others needs a validator permit the hotkey does not hold. */
  NO_VALIDATOR_PERMIT: 'CHAIN_NO_VALIDATOR_PERMIT',
  /** The subnet uses commit-reveal: plain set_weights is refused. */
  COMMIT_REVEAL_REQUIRED: 'CHAIN_COMMIT_REVEAL_REQUIRED',
  /** commit_weights / reveal_weights on a subnet without commit-reveal. */
  COMMIT_REVEAL_DISABLED: 'CHAIN_COMMIT_REVEAL_DISABLED',
  /** The hotkey already has MAX_UNREVEALED_COMMITS commits waiting. */
  TOO_MANY_COMMITS: 'CHAIN_TOO_MANY_COMMITS',
  /** No stored commit matches the revealed weights and salt. */
  NO_MATCHING_COMMIT: 'CHAIN_NO_MATCHING_COMMIT',
  /** The reveal comes before or after the commit's reveal epoch; data: { epoch, revealEpoch }. */
  REVEAL_WRONG_EPOCH: 'CHAIN_REVEAL_WRONG_EPOCH',
  /** serve: too many addresses, or one is empty, too long or not a multiaddr string. */
  BAD_ADDRESSES: 'CHAIN_BAD_ADDRESSES',

  // -- subnet models and proof of intelligence --
  /** A subnet model's catalogId is not 1–64 of [a-z0-9._-] starting with a letter or digit; data: { catalogId }. */
  MODEL_BAD_ID: 'CHAIN_MODEL_BAD_ID',
  /** A subnet model's sha256 is not 32 bytes of lower-case hex, or is all zero; data: { sha256 }. */
  MODEL_BAD_HASH: 'CHAIN_MODEL_BAD_HASH',
  /** A subnet model's sizeBytes is not a safe integer above 0; data: { sizeBytes }. */
  MODEL_BAD_SIZE: 'CHAIN_MODEL_BAD_SIZE',
  /** A model rule is out of range (protocolVersion, decoding, maxTokens, contextSize, tauMilli, maxViolations); data: { field, value, min, max }. */
  MODEL_RULE_OUT_OF_RANGE: 'CHAIN_MODEL_RULE_OUT_OF_RANGE',
  /** The subnet names no model, so its miners cannot be verified; data: { netuid }. */
  SUBNET_NO_MODEL: 'CHAIN_SUBNET_NO_MODEL',
  /** commit_proof for an epoch the subnet has not reached; data: { epoch, epochCount }. */
  PROOF_EPOCH_AHEAD: 'CHAIN_PROOF_EPOCH_AHEAD',
  /** commit_proof for an epoch at or before this uid's last committed one; data: { epoch, previous }. */
  PROOF_EPOCH_NOT_AFTER: 'CHAIN_PROOF_EPOCH_NOT_AFTER',
  /** The revealed secret does not hash to the previous commit's secretHash; data: { expected, actual }. */
  PROOF_REVEAL_MISMATCH: 'CHAIN_PROOF_REVEAL_MISMATCH',
  /** A first commit_proof carries a reveal, but no earlier commit promised a secret. */
  PROOF_REVEAL_UNEXPECTED: 'CHAIN_PROOF_REVEAL_UNEXPECTED',
  /** entries is above MAX_PROOF_ENTRIES; data: { entries, max }. */
  PROOF_BAD_ENTRIES: 'CHAIN_PROOF_BAD_ENTRIES',
  /** The root does not fit entries: all zero exactly when the log is empty; data: { entries }. */
  PROOF_BAD_ROOT: 'CHAIN_PROOF_BAD_ROOT',

  // -- governance --
  /** The proposal names a parameter governance does not know; data: { param }. */
  GOV_UNKNOWN_PARAM: 'CHAIN_GOV_UNKNOWN_PARAM',
  /** A chain parameter with a netuid (or the reverse); data: { param, scope }. */
  GOV_PARAM_SCOPE: 'CHAIN_GOV_PARAM_SCOPE',
  /** The proposed value is outside the parameter's bounds; data: { param, value, min, max }. */
  GOV_VALUE_OUT_OF_BOUNDS: 'CHAIN_GOV_VALUE_OUT_OF_BOUNDS',
  /** The deposit is missing or below proposalDeposit; data: { deposit, min }. */
  GOV_DEPOSIT_MISSING: 'CHAIN_GOV_DEPOSIT_MISSING',
  /** Title empty or too long, description too long, or control characters; data: { field }. */
  GOV_BAD_TEXT: 'CHAIN_GOV_BAD_TEXT',
  /** An upgrade's version is not x.y.z or its activation height is not after the vote. */
  GOV_BAD_UPGRADE: 'CHAIN_GOV_BAD_UPGRADE',
  /** Too many proposals are open at once; data: { max }. */
  GOV_TOO_MANY_PROPOSALS: 'CHAIN_GOV_TOO_MANY_PROPOSALS',
  /** No proposal has this id; data: { proposal }. */
  GOV_UNKNOWN_PROPOSAL: 'CHAIN_GOV_UNKNOWN_PROPOSAL',
  /** The proposal's voting period is over; data: { proposal, endHeight }. */
  GOV_VOTING_CLOSED: 'CHAIN_GOV_VOTING_CLOSED',
  /** The voter holds no stake, so it has no voting power. */
  GOV_NO_STAKE: 'CHAIN_GOV_NO_STAKE',
  /** Conviction is not 0–6; data: { conviction }. */
  GOV_BAD_CONVICTION: 'CHAIN_GOV_BAD_CONVICTION',
  /** The unstake would take stake below a conviction lock; data: { locked, until, remaining }. */
  STAKE_LOCKED: 'CHAIN_STAKE_LOCKED',

  // -- block checks --
  /** The block's height is not the next height; data: { expected, actual }. */
  WRONG_HEIGHT: 'CHAIN_WRONG_HEIGHT',
  /** prevHash is not the hash of the current tip. */
  WRONG_PREV_HASH: 'CHAIN_WRONG_PREV_HASH',
  /** The block time is not after the previous block's time. */
  BAD_TIME: 'CHAIN_BAD_TIME',
  /** The proposer is not in the validator set. */
  UNKNOWN_PROPOSER: 'CHAIN_UNKNOWN_PROPOSER',
  /** lastCommit is missing, for the wrong block, badly signed or short of 2/3 of the voting power. */
  BAD_COMMIT: 'CHAIN_BAD_COMMIT',
  /** txRoot, lastCommitHash or evidenceHash do not match the block body. */
  BAD_BODY_HASH: 'CHAIN_BAD_BODY_HASH',
  /** The state root after applying the block differs from the header's; data: { expected, actual }. */
  STATE_ROOT_MISMATCH: 'CHAIN_STATE_ROOT_MISMATCH',
  /** A transaction inside a block failed; data: { index, code }. */
  BLOCK_TX_FAILED: 'CHAIN_BLOCK_TX_FAILED',
  /**
   * A block's evidence proves nothing or cannot apply (validators.ts); data: { index, reason } with
   * reason malformed | not-conflicting | bad-signature | future | expired | already-applied |
   * not-validator.
   */
  BAD_EVIDENCE: 'CHAIN_BAD_EVIDENCE',

  // -- genesis, storage and service --
  /** The genesis file is invalid; data: { field }. */
  BAD_GENESIS: 'CHAIN_BAD_GENESIS',
  /** The block log is corrupt before its last record (not a torn tail); data: { offset }. */
  LOG_CORRUPT: 'CHAIN_LOG_CORRUPT',
  /** The stored data belongs to another genesis than the one configured. */
  GENESIS_MISMATCH: 'CHAIN_GENESIS_MISMATCH',
  /** The chain is not running (not started yet, or waiting for a wallet). */
  NOT_RUNNING: 'CHAIN_NOT_RUNNING',
  /** No block / transaction with that height or hash. */
  NOT_FOUND: 'CHAIN_NOT_FOUND',
  /** Mempool: the same transaction is already pending. */
  DUPLICATE_TX: 'CHAIN_DUPLICATE_TX',
  /** Mempool: full, and this transaction's fee does not beat the cheapest pending one. */
  MEMPOOL_FULL: 'CHAIN_MEMPOOL_FULL',
  /** Mempool: a pending transaction with the same signer and nonce pays at least as much. */
  REPLACEMENT_UNDERPRICED: 'CHAIN_REPLACEMENT_UNDERPRICED',
  /** Mempool: the nonce is too far ahead of the signer's next nonce. */
  NONCE_TOO_FAR: 'CHAIN_NONCE_TOO_FAR',
  /** Signing needs an unlocked wallet; data: { wallet }. */
  WALLET_LOCKED: 'CHAIN_WALLET_LOCKED',
  /** The transaction was not included in a block before the wait timed out. */
  TX_TIMEOUT: 'CHAIN_TX_TIMEOUT',
} as const;

export type ChainErrorCodeValue = (typeof ChainErrorCode)[keyof typeof ChainErrorCode];

export class ChainError extends NoesisError {
  constructor(code: ChainErrorCodeValue, message: string, data: Record<string, unknown> = {}) {
    super(code, message, data);
    this.name = 'ChainError';
  }
}

export function chainError(
  code: ChainErrorCodeValue,
  message: string,
  data: Record<string, unknown> = {},
): ChainError {
  return new ChainError(code, message, data);
}
