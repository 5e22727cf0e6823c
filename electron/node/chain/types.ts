/**
 * The chain state as plain, immutable data. Every record is replaced, never edited, so an old
 * state stays valid after a new one is built from it (see cow-map.ts and state.ts).
 */
import type { CowMap } from './cow-map.ts';
import type { ValidatorSet } from '../consensus/validator-set.ts';
import type { Hex } from './crypto.ts';

export interface Account {
  /** Spendable balance, rao. */
  readonly free: bigint;
  /** Number of transactions this key has signed that were applied. */
  readonly nonce: number;
}

export interface HotkeyRecord {
  /** The coldkey that registered the hotkey first; it alone sets the take. */
  readonly owner: Hex;
  /** Validator take on delegated dividends, u16 of 65535. */
  readonly take: number;
  /** Block of the last take increase (increases are rate-limited; decreases are not). */
  readonly lastTakeIncrease: number;
  /** Sum of `stakes`. */
  readonly totalStake: bigint;
  /** Stake per coldkey (nominators and the owner), ascending by coldkey, no zero entries. */
  readonly stakes: ReadonlyArray<readonly [Hex, bigint]>;
}

export interface WeightCommit {
  readonly hash: Hex;
  readonly block: number;
  /** The subnet's epochCount when committed; reveal exactly at epoch + revealPeriodEpochs. */
  readonly epoch: number;
}

export interface Axon {
  readonly addrs: readonly string[];
  readonly block: number;
}

/**
 * A validator's latest proof-of-intelligence commitment on a subnet (commit_proof): the Merkle
 * root of its interaction log for one epoch and the hash of the secret it will reveal next.
 */
export interface NeuronProof {
  /** The subnet's epochCount during which the logged tasks were sent. */
  readonly epoch: number;
  /** Merkle root of the log, 32 bytes hex (all zero for an empty log). */
  readonly root: Hex;
  /** Leaves in the log. */
  readonly entries: number;
  /** blake2b-256 of the secret the next commit must reveal. */
  readonly secretHash: Hex;
  /** Block that applied the commit. */
  readonly block: number;
}

export interface Neuron {
  readonly uid: number;
  readonly hotkey: Hex;
  /** Owner coldkey of the hotkey (copied at registration; receives incentive as stake). */
  readonly coldkey: Hex;
  readonly registeredAt: number;
  readonly lastUpdate: number;
  readonly validatorPermit: boolean;
  readonly active: boolean;
  /** Last epoch's results, u16 of 65535 (as subtensor stores them). */
  readonly rank: number;
  readonly trust: number;
  readonly consensus: number;
  readonly incentive: number;
  readonly dividends: number;
  readonly validatorTrust: number;
  readonly pruningScore: number;
  /** Rao paid to this uid at the last epoch (incentive + dividends). */
  readonly emission: bigint;
  readonly axon: Axon | null;
  /** Stored weights [uid, u16], ascending by uid, max-upscaled as subtensor stores them. */
  readonly weights: ReadonlyArray<readonly [number, number]>;
  readonly bonds: ReadonlyArray<readonly [number, number]>;
  readonly commits: ReadonlyArray<WeightCommit>;
  /** Latest commit_proof of this uid (null until it commits; reset when the uid is replaced). */
  readonly proof: NeuronProof | null;
}

export interface SubnetParams {
  /** Blocks between epochs. */
  readonly tempo: number;
  readonly maxUids: number;
  readonly maxValidators: number;
  readonly minAllowedWeights: number;
  readonly immunityPeriod: number;
  readonly weightsRateLimit: number;
  readonly commitReveal: boolean;
  readonly revealPeriodEpochs: number;
  readonly activityCutoff: number;
  readonly kappa: number;
  readonly bondsMovingAverage: number;
  readonly bondsPenalty: number;
  readonly yuma3: boolean;
  readonly minBurn: bigint;
  readonly maxBurn: bigint;
  /** Blocks for the registration burn to halve when nobody registers. */
  readonly burnHalfLife: number;
  /** After each registration burn ← burn · num / den (subtensor: 1.26). */
  readonly burnIncreaseNum: number;
  readonly burnIncreaseDen: number;
  readonly maxRegistrationsPerBlock: number;
}

/**
 * The model a subnet's miners must run and the rules validators verify their answers with
 * (docs/chain.md §Subnet model). Validation: subnet-model.ts.
 */
export interface SubnetModel {
  /** Catalogue id (resources/models/catalog.json) or 'custom' for a file named only by hash. /^[a-z0-9][a-z0-9._-]{0,63}$/ */
  readonly catalogId: string;
  /** sha256 of the GGUF file, hex (32 bytes). Miners must run exactly this file. */
  readonly sha256: Hex;
  /** Size of the file in bytes (safe integer > 0). */
  readonly sizeBytes: number;
  /** Task protocol version miners must speak (1). */
  readonly protocolVersion: number;
  /** Decoding rule: 'greedy' only for now (the answer is the argmax at every step). */
  readonly decoding: 'greedy';
  /** Most new tokens per answer (1..1024). */
  readonly maxTokens: number;
  /** Context size validators and miners use (64..32768). */
  readonly contextSize: number;
  /** Verification margin tau in milli-nats (0..10000): a claimed token passes when maxLogit - logit(token) <= tau/1000. */
  readonly tauMilli: number;
  /** Positions per answer allowed over tau before the answer fails (0..64). */
  readonly maxViolations: number;
}

export interface Subnet {
  readonly netuid: number;
  /** Coldkey that created (owns) the subnet; receives the owner cut. */
  readonly owner: Hex;
  readonly ownerHotkey: Hex;
  readonly taskType: string;
  /** What miners run and how answers are verified; null: miners cannot be verified here. */
  readonly model: SubnetModel | null;
  readonly createdAt: number;
  /** TAO locked by create_subnet, rao. */
  readonly locked: bigint;
  readonly params: SubnetParams;
  /** Current registration burn, rao. */
  readonly burn: bigint;
  readonly lastRegistrationBlock: number;
  readonly registrationsInBlock: number;
  /** Emission accumulated since the last epoch, rao (counted in total issuance). */
  readonly pending: bigint;
  readonly lastEpochBlock: number;
  readonly epochCount: number;
  readonly neurons: ReadonlyArray<Neuron>;
}

export interface ChainParams {
  /** Rao minted per block before any halving (subtensor: 1 TAO). */
  readonly blockEmission: bigint;
  /** Supply cap, rao (21,000,000 TAO). */
  readonly maxSupply: bigint;
  /** Minimum fee of a coldkey-signed transaction; hotkey-signed ones may pay 0. */
  readonly minFee: bigint;
  /** Smallest transfer (the dust floor). */
  readonly minTransfer: bigint;
  /** Smallest stake a coldkey may hold on a hotkey; an unstake leaving less takes it all. */
  readonly minStake: bigint;
  readonly defaultTake: number;
  readonly minTake: number;
  readonly maxTake: number;
  readonly takeRateLimit: number;
  /** Share of a subnet's emission paid to its owner, u16 of 65535 (subtensor: 11796 ≈ 18%). */
  readonly subnetOwnerCut: number;
  readonly minLockCost: bigint;
  readonly lockReductionInterval: number;
  readonly maxSubnets: number;
  readonly servingRateLimit: number;
  /** Target time between blocks (ms) for the producer; not checked by the state machine. */
  readonly blockIntervalMs: number;
  /** Governance: blocks a proposal stays open for votes. */
  readonly votingPeriod: number;
  /** Governance: share of all staked TAO that must take part, in basis points. */
  readonly quorum: number;
  /** Governance: blocks between the end of a passed parameter change and its effect. */
  readonly enactmentDelay: number;
  /** Governance: rao held from the proposer; refunded at quorum, burned otherwise. */
  readonly proposalDeposit: bigint;
  /** Share of a double-signer's stake burned per piece of evidence, basis points (500 = 5 %). */
  readonly slashFraction: number;
  /** Evidence older than this many blocks is refused (and dropped from evidence pools). */
  readonly evidenceMaxAge: number;
  readonly subnetDefaults: SubnetParams;
}

export interface Validator {
  /** Consensus key (signs votes and commits). */
  readonly key: Hex;
  /** Hotkey whose total stake is this validator's voting power. */
  readonly hotkey: Hex;
}

export type ProposalAction =
  /** netuid null: a chain parameter, or for a subnet parameter the defaults of new subnets. */
  | {
      readonly kind: 'param';
      readonly param: string;
      readonly netuid: number | null;
      readonly value: bigint;
    }
  | { readonly kind: 'upgrade'; readonly version: string; readonly activationHeight: number }
  /** Replaces a subnet's model and verification rules (enacted like a parameter change). */
  | { readonly kind: 'subnet_model'; readonly netuid: number; readonly model: SubnetModel }
  | { readonly kind: 'text' };

export type ProposalStatus = 'active' | 'passed' | 'rejected' | 'enacted';
export type VoteChoice = 'yes' | 'no' | 'abstain';

export interface ProposalTally {
  /** Voting power (rao, conviction applied). */
  readonly yes: bigint;
  readonly no: bigint;
  readonly abstain: bigint;
  /** Raw stake behind the votes, and all staked rao, at the end. */
  readonly turnout: bigint;
  readonly totalStake: bigint;
  readonly quorumReached: boolean;
  readonly voters: number;
}

export interface Proposal {
  readonly id: number;
  readonly proposer: Hex;
  readonly action: ProposalAction;
  readonly title: string;
  readonly description: string;
  readonly deposit: bigint;
  readonly createdAt: number;
  /** Last block in which votes count; the tally runs at the end of this block. */
  readonly endHeight: number;
  /** Quorum in basis points, as the chain's parameter stood when the proposal was made. */
  readonly quorum: number;
  readonly votingPeriod: number;
  readonly status: ProposalStatus;
  readonly tally: ProposalTally | null;
  /** Block at which a passed change takes effect (param: end + delay; upgrade: activation). */
  readonly enactHeight: number | null;
  readonly enactedAt: number | null;
  /** The parameter's value before the change, once enacted. */
  readonly oldValue: bigint | null;
}

export interface Vote {
  readonly proposal: number;
  readonly voter: Hex;
  readonly choice: VoteChoice;
  readonly conviction: number;
  /** Stake locked by this vote (the voter's total stake when it voted; 0 for conviction 0). */
  readonly locked: bigint;
  /** Block the lock ends (0 = none). */
  readonly lockUntil: number;
  readonly block: number;
}

/** A coldkey's conviction locks: stake it cannot unstake below the largest live amount. */
export interface VoteLocks {
  /** [proposal id, amount, until], ascending by proposal id. */
  readonly entries: ReadonlyArray<readonly [number, bigint, number]>;
}

export interface GovernanceMeta {
  readonly nextProposalId: number;
  /** Ids of proposals open for votes, ascending. */
  readonly open: readonly number[];
  /** Ids of passed proposals waiting for their enactHeight, ascending. */
  readonly queued: readonly number[];
}

export function proposalKey(id: number): string {
  return id.toString(16).padStart(8, '0');
}

export function voteKey(voter: Hex, proposal: number): string {
  return voter + proposalKey(proposal);
}

export interface ChainState {
  readonly chainId: string;
  readonly genesisHash: Hex;
  /** Height of the last applied block (0 = genesis). */
  readonly height: number;
  readonly lastBlockHash: Hex;
  readonly lastBlockTime: number;
  /** Every rao in existence: free + staked + locked + pending. */
  readonly totalIssuance: bigint;
  /** Every rao ever recycled (fees, registration burns); issuable again under the cap. */
  readonly totalRecycled: bigint;
  readonly lastLockCost: bigint;
  readonly lastLockBlock: number;
  readonly params: ChainParams;
  readonly validators: ReadonlyArray<Validator>;
  readonly accounts: CowMap<Account>;
  readonly hotkeys: CowMap<HotkeyRecord>;
  /** Keyed by netuidKey(netuid). */
  readonly subnets: CowMap<Subnet>;
  readonly governance: GovernanceMeta;
  /** Keyed by proposalKey(id). */
  readonly proposals: CowMap<Proposal>;
  /** Keyed by voteKey(voter, proposal): the voter first, so one voter's votes share a shard. */
  readonly votes: CowMap<Vote>;
  /** Keyed by coldkey. */
  readonly locks: CowMap<VoteLocks>;
  /** The consensus validator sets of this height and the next (validators.ts, two-heights rule). */
  readonly validatorSets: ValidatorSets;
  /** Every piece of evidence applied, ascending by evidence id: none applies twice. */
  readonly slashes: ReadonlyArray<SlashRecord>;
}

/**
 * The validator sets (power and proposer priority, consensus/validator-set.ts) the chain fixes:
 * the set of height h is the set of h−1 advanced one proposer run, with the membership after
 * block h−2. Kept in the state so every node, restarted or synced, agrees on them.
 */
export interface ValidatorSets {
  /** Set of `height`: its +2/3 signed the last block; checks the next block's lastCommit. */
  readonly last: ValidatorSet;
  /** Set of `height + 1`: proposes and votes on the next block. */
  readonly next: ValidatorSet;
}

/** A double signing the chain punished (validators.ts). */
export interface SlashRecord {
  /** Evidence id (consensus/evidence.ts evidenceKey): one per validator, height, round, vote type. */
  readonly evidence: Hex;
  /** Consensus key that signed twice. */
  readonly validator: Hex;
  /** Hotkey whose stake was slashed. */
  readonly hotkey: Hex;
  /** Height the two votes were signed at. */
  readonly offenceHeight: number;
  /** Block that applied the evidence. */
  readonly height: number;
  /** Rao burned. */
  readonly amount: bigint;
  /** Whether the validator left the validator list (false only when it was the last one). */
  readonly removed: boolean;
}

export function netuidKey(netuid: number): string {
  return netuid.toString(16).padStart(4, '0');
}

/** What the index stores besides transactions: payouts, epoch results, registrations, slashes. */
export type ChainEvent =
  | {
      type: 'payout';
      netuid: number;
      coldkey: Hex;
      hotkey: Hex;
      kind: 'incentive' | 'dividend' | 'take' | 'owner_cut';
      amount: bigint;
    }
  | {
      type: 'epoch';
      netuid: number;
      block: number;
      neurons: Array<{
        uid: number;
        hotkey: Hex;
        coldkey: Hex;
        stake: bigint;
        rank: number;
        trust: number;
        consensus: number;
        incentive: number;
        dividends: number;
        validatorTrust: number;
        emission: bigint;
        validatorPermit: boolean;
      }>;
    }
  | {
      type: 'registered';
      netuid: number;
      uid: number;
      hotkey: Hex;
      coldkey: Hex;
      burn: bigint;
      replaced: Hex | null;
    }
  | ({ type: 'slash' } & SlashRecord);
