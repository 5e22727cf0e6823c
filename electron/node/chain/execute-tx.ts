/**
 * What each transaction does to a state draft. Checks come first and throw a ChainError with a
 * precise code; the caller runs every transaction in a child draft and drops it on error, so a
 * failed check changes nothing. Stateless checks (size, chain id, signature) are in state.ts.
 */
import { vecMaxUpscaleToU16 } from '../incentive/fixed.ts';
import { weightsCommitHash } from './codec.ts';
import { hash256, toHex, fromHex, ZERO_HASH, type Hex } from './crypto.ts';
import type { StateDraft } from './draft.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import { checkUnstakeLock, propose, vote } from './governance.ts';
import {
  freshNeuron,
  initialBurn,
  isImmune,
  lockCost,
  pruneCandidate,
  raiseBurn,
  replaceNeuron,
} from './registration.ts';
import { checkSubnetModel } from './subnet-model.ts';
import {
  HOTKEY_SIGNED,
  MAX_ADDR_LENGTH,
  MAX_PROOF_ENTRIES,
  MAX_SERVE_ADDRS,
  type TxBody,
  type TxCall,
} from './tx.ts';
import type { Neuron, Subnet, SubnetModel } from './types.ts';

export const MAX_UNREVEALED_COMMITS = 10;
const TASK_TYPE_RE = /^[a-z0-9][a-z0-9._-]{0,31}$/;
// Printable ASCII without spaces, starting with "/": the textual form of a multiaddr.
const MULTIADDR_RE = /^\/[\x21-\x7e]*$/;

export function minFeeFor(d: StateDraft, body: TxBody): bigint {
  return HOTKEY_SIGNED.has(body.kind) ? 0n : d.params.minFee;
}

/** Nonce, fee, then the kind's own effect. Runs in a child draft owned by the caller. */
export function executeTx(d: StateDraft, body: TxBody, height: number): void {
  const signer = body.signer;
  const account = d.account(signer);
  if (body.nonce < account.nonce) {
    throw chainError(ChainErrorCode.NONCE_REPLAYED, 'nonce already used', {
      expected: account.nonce,
      actual: body.nonce,
    });
  }
  if (body.nonce > account.nonce) {
    throw chainError(ChainErrorCode.NONCE_GAP, 'nonce skips ahead', {
      expected: account.nonce,
      actual: body.nonce,
    });
  }
  const minFee = minFeeFor(d, body);
  if (body.fee < minFee) {
    throw chainError(ChainErrorCode.FEE_TOO_LOW, 'fee below the minimum', {
      fee: body.fee.toString(),
      min: minFee.toString(),
    });
  }
  if (body.fee > 0n) {
    d.debit(signer, body.fee);
    d.recycle(body.fee);
  }
  d.bumpNonce(signer);
  switch (body.kind) {
    case 'transfer':
      return transfer(d, signer, body.to, body.amount);
    case 'add_stake':
      return addStake(d, signer, body.hotkey, body.amount);
    case 'remove_stake':
      return removeStake(d, signer, body.hotkey, body.amount, height);
    case 'set_take':
      return setTake(d, signer, body.hotkey, body.take, height);
    case 'register':
      return register(d, signer, body.netuid, body.hotkey, body.maxBurn, height);
    case 'set_weights':
      return setWeights(d, signer, body.netuid, body.uids, body.weights, height, false);
    case 'commit_weights':
      return commitWeights(d, signer, body.netuid, body.commitHash, height);
    case 'reveal_weights':
      return revealWeights(d, signer, body.netuid, body.uids, body.weights, body.salt, height);
    case 'serve':
      return serve(d, signer, body.netuid, body.addrs, height);
    case 'create_subnet':
      return createSubnet(d, signer, body.hotkey, body.taskType, body.model, body.maxLock, height);
    case 'commit_proof':
      return commitProof(d, signer, body, height);
    case 'propose':
      return propose(d, signer, body, height);
    case 'vote':
      return vote(d, signer, body, height);
  }
}

function transfer(d: StateDraft, from: Hex, to: Hex, amount: bigint): void {
  if (amount < d.params.minTransfer) {
    throw chainError(ChainErrorCode.AMOUNT_TOO_SMALL, 'transfer below the dust floor', {
      amount: amount.toString(),
      min: d.params.minTransfer.toString(),
    });
  }
  d.debit(from, amount);
  d.credit(to, amount);
}

function addStake(d: StateDraft, coldkey: Hex, hotkey: Hex, amount: bigint): void {
  if (d.hotkey(hotkey) === undefined) {
    throw chainError(ChainErrorCode.UNKNOWN_HOTKEY, 'no such hotkey', { hotkey });
  }
  if (amount < d.params.minStake) {
    throw chainError(ChainErrorCode.AMOUNT_TOO_SMALL, 'stake below the minimum', {
      amount: amount.toString(),
      min: d.params.minStake.toString(),
    });
  }
  d.debit(coldkey, amount);
  d.changeStake(hotkey, coldkey, amount);
}

function removeStake(
  d: StateDraft,
  coldkey: Hex,
  hotkey: Hex,
  amount: bigint,
  height: number,
): void {
  if (d.hotkey(hotkey) === undefined) {
    throw chainError(ChainErrorCode.UNKNOWN_HOTKEY, 'no such hotkey', { hotkey });
  }
  if (amount === 0n) {
    throw chainError(ChainErrorCode.AMOUNT_TOO_SMALL, 'nothing to unstake', { amount: '0' });
  }
  const have = d.stakeOf(hotkey, coldkey);
  if (have < amount) {
    throw chainError(ChainErrorCode.INSUFFICIENT_STAKE, 'stake lower than the amount', {
      stake: have.toString(),
      amount: amount.toString(),
    });
  }
  // Leaving less than minStake behind would leave dust: the whole stake is returned.
  const taken = have - amount < d.params.minStake ? have : amount;
  checkUnstakeLock(d, coldkey, taken, height);
  d.changeStake(hotkey, coldkey, -taken);
  d.credit(coldkey, taken);
}

function setTake(d: StateDraft, coldkey: Hex, hotkey: Hex, take: number, height: number): void {
  const rec = d.hotkey(hotkey);
  if (rec === undefined) throw chainError(ChainErrorCode.UNKNOWN_HOTKEY, 'no such hotkey');
  if (rec.owner !== coldkey) {
    throw chainError(ChainErrorCode.NOT_HOTKEY_OWNER, 'only the owner sets the take', { hotkey });
  }
  const { minTake, maxTake, takeRateLimit } = d.params;
  if (take < minTake || take > maxTake) {
    throw chainError(ChainErrorCode.TAKE_OUT_OF_RANGE, 'take out of range', {
      take,
      min: minTake,
      max: maxTake,
    });
  }
  let lastTakeIncrease = rec.lastTakeIncrease;
  if (take > rec.take) {
    if (rec.lastTakeIncrease > 0 && height - rec.lastTakeIncrease < takeRateLimit) {
      throw chainError(ChainErrorCode.RATE_LIMITED, 'take raised too recently', {
        next: rec.lastTakeIncrease + takeRateLimit,
      });
    }
    lastTakeIncrease = height;
  }
  d.hotkeys.set(hotkey, { ...rec, take, lastTakeIncrease });
}

function register(
  d: StateDraft,
  coldkey: Hex,
  netuid: number,
  hotkey: Hex,
  maxBurn: bigint,
  height: number,
): void {
  const s = d.requireSubnet(netuid);
  if (s.neurons.some((n) => n.hotkey === hotkey)) {
    throw chainError(ChainErrorCode.ALREADY_REGISTERED, 'hotkey already registered here', {
      netuid,
      hotkey,
    });
  }
  const inBlock = s.lastRegistrationBlock === height ? s.registrationsInBlock : 0;
  if (inBlock >= s.params.maxRegistrationsPerBlock) {
    throw chainError(ChainErrorCode.RATE_LIMITED, 'registration limit for this block reached', {
      next: height + 1,
    });
  }
  if (s.burn > maxBurn) {
    throw chainError(ChainErrorCode.BURN_ABOVE_LIMIT, 'burn above the accepted maximum', {
      burn: s.burn.toString(),
      max: maxBurn.toString(),
    });
  }
  d.claimHotkey(hotkey, coldkey);
  d.debit(coldkey, s.burn);
  d.recycle(s.burn);
  let uid: number;
  let replaced: Hex | null = null;
  let neurons: Neuron[];
  if (s.neurons.length < s.params.maxUids) {
    uid = s.neurons.length;
    neurons = [...s.neurons, freshNeuron(uid, hotkey, coldkey, height)];
  } else {
    const victim = pruneCandidate(s, height);
    if (victim === null) {
      throw chainError(ChainErrorCode.SUBNET_FULL, 'subnet full and every neuron is immune', {
        netuid,
      });
    }
    uid = victim;
    replaced = (s.neurons[victim] as Neuron).hotkey;
    neurons = replaceNeuron(s, victim, freshNeuron(uid, hotkey, coldkey, height));
  }
  d.setSubnet({
    ...s,
    neurons,
    burn: raiseBurn(s.burn, s.params),
    lastRegistrationBlock: height,
    registrationsInBlock: inBlock + 1,
  });
  d.events.push({ type: 'registered', netuid, uid, hotkey, coldkey, burn: s.burn, replaced });
}

function neuronOf(s: Subnet, hotkey: Hex): Neuron {
  const n = s.neurons.find((x) => x.hotkey === hotkey);
  if (n === undefined) {
    throw chainError(ChainErrorCode.NOT_REGISTERED, 'hotkey holds no uid on this subnet', {
      netuid: s.netuid,
      hotkey,
    });
  }
  return n;
}

function withNeuron(s: Subnet, n: Neuron): Subnet {
  const neurons = s.neurons.slice();
  neurons[n.uid] = n;
  return { ...s, neurons };
}

/** The checks subtensor's set_weights makes on the values themselves, then the stored row. */
function checkedWeights(
  s: Subnet,
  n: Neuron,
  uids: readonly number[],
  weights: readonly number[],
): Array<readonly [number, number]> {
  if (uids.length !== weights.length) {
    throw chainError(ChainErrorCode.WEIGHTS_LENGTH_MISMATCH, 'uids and weights differ in length', {
      uids: uids.length,
      weights: weights.length,
    });
  }
  const size = s.neurons.length;
  const seen = new Set<number>();
  for (let i = 0; i < uids.length; i++) {
    const u = uids[i] as number;
    const w = weights[i] as number;
    if (u >= size || seen.has(u) || w > 65535) {
      throw chainError(ChainErrorCode.WEIGHTS_OUT_OF_RANGE, 'bad uid or weight', {
        index: i,
        uid: u,
        weight: w,
        size,
      });
    }
    seen.add(u);
  }
  const selfOnly = uids.length === 1 && uids[0] === n.uid;
  const isOwner = n.hotkey === s.ownerHotkey;
  if (!n.validatorPermit && !selfOnly && !isOwner) {
    throw chainError(ChainErrorCode.NO_VALIDATOR_PERMIT, 'weights need a validator permit', {
      netuid: s.netuid,
      uid: n.uid,
    });
  }
  const min = Math.min(s.params.minAllowedWeights, size);
  if (!selfOnly && uids.length < min) {
    throw chainError(ChainErrorCode.WEIGHTS_COUNT, 'too few weights', {
      count: uids.length,
      min,
      max: size,
    });
  }
  const order = uids.map((_, i) => i).sort((a, b) => (uids[a] as number) - (uids[b] as number));
  const sortedUids = order.map((i) => uids[i] as number);
  const upscaled = vecMaxUpscaleToU16(order.map((i) => (weights[i] as number) * 2 ** 32));
  return sortedUids.map((u, i) => [u, upscaled[i] as number] as const);
}

function setWeights(
  d: StateDraft,
  hotkey: Hex,
  netuid: number,
  uids: readonly number[],
  weights: readonly number[],
  height: number,
  revealed: boolean,
): void {
  const s = d.requireSubnet(netuid);
  const n = neuronOf(s, hotkey);
  if (!revealed) {
    if (s.params.commitReveal) {
      throw chainError(ChainErrorCode.COMMIT_REVEAL_REQUIRED, 'this subnet uses commit-reveal', {
        netuid,
      });
    }
    if (n.lastUpdate > n.registeredAt || n.weights.length > 0) {
      const next = n.lastUpdate + s.params.weightsRateLimit;
      if (height < next) {
        throw chainError(ChainErrorCode.WEIGHTS_TOO_SOON, 'weights set too recently', { next });
      }
    }
  }
  const row = checkedWeights(s, n, uids, weights);
  d.setSubnet(withNeuron(s, { ...n, weights: row, lastUpdate: height }));
}

function commitWeights(
  d: StateDraft,
  hotkey: Hex,
  netuid: number,
  hash: Hex,
  height: number,
): void {
  const s = d.requireSubnet(netuid);
  const n = neuronOf(s, hotkey);
  if (!s.params.commitReveal) {
    throw chainError(ChainErrorCode.COMMIT_REVEAL_DISABLED, 'commit-reveal is off here', {
      netuid,
    });
  }
  const live = n.commits.filter((c) => c.epoch + s.params.revealPeriodEpochs >= s.epochCount);
  if (live.length >= MAX_UNREVEALED_COMMITS) {
    throw chainError(ChainErrorCode.TOO_MANY_COMMITS, 'too many unrevealed commits', {
      max: MAX_UNREVEALED_COMMITS,
    });
  }
  const commits = [...live, { hash, block: height, epoch: s.epochCount }];
  d.setSubnet(withNeuron(s, { ...n, commits }));
}

function revealWeights(
  d: StateDraft,
  hotkey: Hex,
  netuid: number,
  uids: readonly number[],
  weights: readonly number[],
  salt: Hex,
  height: number,
): void {
  const s = d.requireSubnet(netuid);
  const n = neuronOf(s, hotkey);
  if (!s.params.commitReveal) {
    throw chainError(ChainErrorCode.COMMIT_REVEAL_DISABLED, 'commit-reveal is off here', {
      netuid,
    });
  }
  if (uids.length !== weights.length) {
    throw chainError(ChainErrorCode.WEIGHTS_LENGTH_MISMATCH, 'uids and weights differ in length', {
      uids: uids.length,
      weights: weights.length,
    });
  }
  const hash = weightsCommitHash(hotkey, netuid, uids, weights, salt);
  const commit = n.commits.find((c) => c.hash === hash);
  if (commit === undefined) {
    throw chainError(ChainErrorCode.NO_MATCHING_COMMIT, 'no commit matches this reveal', {
      netuid,
    });
  }
  const revealEpoch = commit.epoch + s.params.revealPeriodEpochs;
  if (s.epochCount !== revealEpoch) {
    throw chainError(ChainErrorCode.REVEAL_WRONG_EPOCH, 'reveal outside its epoch', {
      epoch: s.epochCount,
      revealEpoch,
    });
  }
  const row = checkedWeights(s, n, uids, weights);
  const commits = n.commits.filter((c) => c !== commit);
  d.setSubnet(withNeuron(s, { ...n, weights: row, lastUpdate: height, commits }));
}

function serve(d: StateDraft, hotkey: Hex, netuid: number, addrs: string[], height: number): void {
  const s = d.requireSubnet(netuid);
  const n = neuronOf(s, hotkey);
  if (
    addrs.length === 0 ||
    addrs.length > MAX_SERVE_ADDRS ||
    addrs.some((a) => a.length > MAX_ADDR_LENGTH || !MULTIADDR_RE.test(a))
  ) {
    throw chainError(ChainErrorCode.BAD_ADDRESSES, 'addresses must be 1–4 multiaddr strings', {
      max: MAX_SERVE_ADDRS,
      maxLength: MAX_ADDR_LENGTH,
    });
  }
  if (n.axon !== null && height - n.axon.block < d.params.servingRateLimit) {
    throw chainError(ChainErrorCode.RATE_LIMITED, 'served too recently', {
      next: n.axon.block + d.params.servingRateLimit,
    });
  }
  d.setSubnet(withNeuron(s, { ...n, axon: { addrs: [...addrs], block: height } }));
}

function createSubnet(
  d: StateDraft,
  coldkey: Hex,
  hotkey: Hex,
  taskType: string,
  model: SubnetModel | null,
  maxLock: bigint,
  height: number,
): void {
  const p = d.params;
  const existing = d.subnetList();
  if (existing.length >= p.maxSubnets) {
    throw chainError(ChainErrorCode.TOO_MANY_SUBNETS, 'subnet limit reached', {
      max: p.maxSubnets,
    });
  }
  if (!TASK_TYPE_RE.test(taskType)) {
    throw chainError(ChainErrorCode.BAD_TASK_TYPE, 'task type must be 1–32 of [a-z0-9._-]', {
      taskType: taskType.slice(0, 40),
    });
  }
  if (model !== null) checkSubnetModel(model);
  const cost = lockCost(
    d.s.lastLockCost,
    d.s.lastLockBlock,
    height,
    p.minLockCost,
    p.lockReductionInterval,
  );
  if (cost > maxLock) {
    throw chainError(ChainErrorCode.LOCK_ABOVE_LIMIT, 'lock cost above the accepted maximum', {
      cost: cost.toString(),
      max: maxLock.toString(),
    });
  }
  d.claimHotkey(hotkey, coldkey);
  d.debit(coldkey, cost);
  let netuid = 1;
  const used = new Set(existing.map((s) => s.netuid));
  while (used.has(netuid)) netuid++;
  const owner = { ...freshNeuron(0, hotkey, coldkey, height), validatorPermit: true };
  d.setSubnet({
    netuid,
    owner: coldkey,
    ownerHotkey: hotkey,
    taskType,
    model,
    createdAt: height,
    locked: cost,
    params: p.subnetDefaults,
    burn: initialBurn(p.subnetDefaults),
    lastRegistrationBlock: 0,
    registrationsInBlock: 0,
    pending: 0n,
    lastEpochBlock: height,
    epochCount: 0,
    neurons: [owner],
  });
  d.s.lastLockCost = cost;
  d.s.lastLockBlock = height;
}

type CommitProofCall = Extract<TxCall, { kind: 'commit_proof' }>;

/**
 * A validator's interaction-log commitment (proof of intelligence). The secret chain: each
 * commit promises H(next secret) and the following commit must reveal exactly that secret, so
 * the seeds of an epoch's tasks were fixed before the epoch and anyone can recompute them after.
 */
function commitProof(d: StateDraft, hotkey: Hex, call: CommitProofCall, height: number): void {
  const s = d.requireSubnet(call.netuid);
  const n = neuronOf(s, hotkey);
  if (!n.validatorPermit) {
    throw chainError(ChainErrorCode.NO_VALIDATOR_PERMIT, 'proof commits need a validator permit', {
      netuid: s.netuid,
      uid: n.uid,
    });
  }
  if (call.epoch > s.epochCount) {
    throw chainError(ChainErrorCode.PROOF_EPOCH_AHEAD, 'the subnet has not reached this epoch', {
      epoch: call.epoch,
      epochCount: s.epochCount,
    });
  }
  if (call.entries > MAX_PROOF_ENTRIES) {
    throw chainError(ChainErrorCode.PROOF_BAD_ENTRIES, 'too many log entries', {
      entries: call.entries,
      max: MAX_PROOF_ENTRIES,
    });
  }
  if ((call.entries === 0) !== (call.root === ZERO_HASH)) {
    throw chainError(
      ChainErrorCode.PROOF_BAD_ROOT,
      'the root must be all zero exactly when the log is empty',
      { entries: call.entries },
    );
  }
  const previous = n.proof;
  if (previous !== null) {
    if (call.epoch <= previous.epoch) {
      throw chainError(ChainErrorCode.PROOF_EPOCH_NOT_AFTER, 'this epoch is already committed', {
        epoch: call.epoch,
        previous: previous.epoch,
      });
    }
    // A commit may leave the reveal out (a validator that lost its secrets file would otherwise
    // never commit again); the gap stays visible: the earlier commit's secret never arrives.
    const actual = call.reveal === null ? null : toHex(hash256(fromHex(call.reveal)));
    if (actual !== null && actual !== previous.secretHash) {
      throw chainError(
        ChainErrorCode.PROOF_REVEAL_MISMATCH,
        'the revealed secret does not match the promised hash',
        { expected: previous.secretHash, actual },
      );
    }
  } else if (call.reveal !== null) {
    throw chainError(
      ChainErrorCode.PROOF_REVEAL_UNEXPECTED,
      'a first commit has no promised secret to reveal',
      { netuid: s.netuid },
    );
  }
  const proof = {
    epoch: call.epoch,
    root: call.root,
    entries: call.entries,
    secretHash: call.secretHash,
    block: height,
  };
  d.setSubnet(withNeuron(s, { ...n, proof }));
}

export { isImmune };
