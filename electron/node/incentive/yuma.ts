// Yuma consensus: one subnet's epoch, as subtensor's `epoch_mechanism` computes it.
//
// Owns: the pure map from (stakes, permits, activity, registrations, weights, bonds,
// hyper-parameters, subnet emission) to (consensus, incentive, dividends, validator trust, new
// bonds, new permits, emission per uid). Mirrors opentensor/subtensor@14bc6f9f9
// `pallets/subtensor/src/epoch/run_epoch.rs` (`epoch_mechanism`, the sparse path production
// runs) and `epoch/math.rs`, operation by operation and in the same order, in the integer
// semantics of substrate-fixed (see ./fixed.ts), so every node computes the same bits.
// Must not touch: I/O, clocks, randomness, anything outside electron/node/incentive/, and floating
// point in the computation (numbers in the output are derived from fixed-point values at the end).
// docs/incentive.md explains each step and the deviations.

import {
  I32F32,
  I64F64,
  ONE32,
  U16_MAX,
  div32,
  fxCheckedDiv,
  fxConvert,
  fxFromInt,
  fxSafeDiv,
  mul32,
  proportionToU16,
  toFloat,
  u16ToProportion,
  vecMaxUpscaleToU16,
} from './fixed.ts';

/** A sparse row as subtensor stores it: `[uid, u16 value]` pairs. */
export type SparseRow = ReadonlyArray<readonly [number, number]>;
/** A dense row: index = uid, value = u16 (0 = no entry). */
export type DenseRow = ArrayLike<number>;
/** Packed sparse row: parallel arrays of uids and u16 values (what the epoch outputs). */
export interface PackedRow {
  uids: ArrayLike<number>;
  values: ArrayLike<number>;
}
/** Any of the three forms; an array whose first element is a number is read as dense. */
export type U16Row = SparseRow | DenseRow | PackedRow;

/** What subtensor's epoch reads about one uid. */
export interface YumaNeuronInput {
  /** Stake weight in rao (subtensor: alpha + root·tao_weight, already combined). */
  stake: bigint;
  /** Validator permit from the previous epoch (`ValidatorPermit` storage). */
  validatorPermit: boolean;
  /** Block of this uid's last weight update (`LastUpdate`). */
  lastUpdate: number;
  /** Block at which the current occupant of this uid registered (`BlockAtRegistration`). */
  registeredAt: number;
  /** This uid's stored weights (u16, as `set_weights` stored them). */
  weights?: U16Row;
  /** This uid's stored bonds (u16, as the previous epoch stored them). */
  bonds?: U16Row;
  /**
   * Commit-reveal: block of this uid's earliest non-expired weight commit, if commit-reveal is
   * enabled on the subnet and such a commit exists. Weights to uids registered after it are
   * masked. Leave undefined when commit-reveal is off or no commit is pending.
   */
  commitBlock?: number;
}

/** Subnet hyper-parameters the epoch uses, in subtensor's storage units. */
export interface YumaParams {
  /** Current block number. */
  currentBlock: number;
  /** Subnet tempo in blocks (only used for the recent-registration bond mask). */
  tempo: number;
  /** Blocks after its last update that a uid still counts as active. */
  activityCutoff: number;
  /** Consensus majority, u16 of 65535 (subtensor default 32767, i.e. 0.49999…). */
  kappa: number;
  /** Bonds moving average, parts per million (default 900000, i.e. EMA alpha 0.1); <= 1e6. */
  bondsMovingAverage: number | bigint;
  /** Bonds penalty, u16 of 65535 (default 65535: bonds follow clipped weights). */
  bondsPenalty: number;
  /** Number of validator permits handed out by stake (subtensor `MaxAllowedValidators`). */
  maxAllowedValidators: number;
  /** Yuma3 bonds (`Yuma3On`): true for subnets subtensor creates today, false = original Yuma. */
  yuma3: boolean;
  /** Minimum stake (rao) for a uid's stake to count; default 0. */
  stakeThreshold?: bigint;
  /** Subnet owner's uid, if the owner's hotkey is registered (keeps its self-weight and permit). */
  ownerUid?: number | null;
  /** Block of the last successful epoch (`LastMechansimStepBlock`); 0 or absent = never. */
  lastEpochBlock?: number;
}

export interface YumaInput extends YumaParams {
  /** One entry per uid, index = uid. */
  neurons: ReadonlyArray<YumaNeuronInput>;
  /** Emission (rao) to distribute over this epoch. */
  subnetEmission: bigint;
}

/** A proportion in [0, 1] as subtensor stores it (`u16`, floor of x·65535) and as a number. */
export interface Proportion {
  /** For display; derived from the fixed-point value, never used to compute anything. */
  value: number;
  /** `fixed_proportion_to_u16`, what subtensor stores. */
  u16: number;
}

export interface YumaNeuronOutput {
  uid: number;
  /** Not inactive: `lastUpdate + activityCutoff >= currentBlock`. */
  active: boolean;
  /** New validator permit (top-k non-zero stake), to store for the next epoch. */
  validatorPermit: boolean;
  /** Normalized stake (`StakeWeight`). */
  stakeWeight: Proportion;
  consensus: Proportion;
  /** Normalized rank; equal to incentive (subtensor stopped storing Rank in 2025-10, see docs). */
  rank: Proportion;
  /** Legacy trust: clipped rank / unclipped rank (no longer stored by subtensor). */
  trust: Proportion;
  validatorTrust: Proportion;
  incentive: Proportion;
  dividends: Proportion;
  /** Legacy pruning score: normalized combined emission, max-upscaled to u16. */
  pruningScore: Proportion;
  /** Bonds row to store (u16, ascending uids); empty without a new permit. */
  newBonds: { uids: Uint16Array; values: Uint16Array };
  /** Rao paid to this uid as a miner; the payouts of all uids sum to `subnetEmission`. */
  minerEmission: bigint;
  /** Rao paid to this uid as a validator. */
  validatorEmission: bigint;
  /** minerEmission + validatorEmission. */
  emission: bigint;
  /** subtensor's own floored figures (server, validator, combined), which lose dust. */
  subtensorEmission: { miner: bigint; validator: bigint; combined: bigint };
}

export interface YumaOutput {
  neurons: YumaNeuronOutput[];
  /** Rao not paid to anyone: only non-zero when no uid has stake (nothing to pay it to). */
  unallocated: bigint;
  /** Rao added on top of subtensor's floored amounts so the payouts sum exactly. */
  dust: bigint;
}

/** Hyper-parameters of a subnet newly created by subtensor@14bc6f9f9 (runtime initial values plus `init_new_network`: Yuma3 on, 64 validator permits). */
export const SUBTENSOR_DEFAULTS = {
  tempo: 360,
  activityCutoff: 5000,
  kappa: 32767,
  bondsMovingAverage: 900_000,
  bondsPenalty: 65535,
  maxAllowedValidators: 64,
  yuma3: true,
  stakeThreshold: 0n,
} as const;

// ---------------------------------------------------------------------------------------------
// Internal sparse matrix: per row, ascending column indices and I32F32 bit patterns (exact
// integers held in numbers; see fixed.ts for why that is exact).

interface Row {
  cols: Int32Array;
  vals: Float64Array;
}

const EMPTY: Row = { cols: new Int32Array(0), vals: new Float64Array(0) };

function trimmed(cols: Int32Array, vals: Float64Array, k: number): Row {
  return k === 0 ? EMPTY : { cols: cols.subarray(0, k), vals: vals.subarray(0, k) };
}

function fail(message: string): never {
  throw new RangeError(`yumaEpoch: ${message}`);
}

function checkBlock(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0)
    fail(`${name} must be a non-negative safe integer, got ${v}`);
}

function checkU16(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > U16_MAX) fail(`${name} must be a u16, got ${v}`);
}

/** Reads a stored u16 row: drops zeros and uids >= n (as `get_weights_sparse` drops them). */
function readRow(row: U16Row | undefined, n: number, what: string, uid: number): Row {
  if (row === undefined) return EMPTY;
  if (!('length' in row)) return readPairs(row.uids, row.values, n, what, uid);
  if (row.length === 0) return EMPTY;
  if (typeof row[0] === 'number') {
    const dense = row as DenseRow;
    const m = Math.min(dense.length, n);
    const cols = new Int32Array(m);
    const vals = new Float64Array(m);
    let k = 0;
    for (let j = 0; j < m; j++) {
      const w = dense[j] as number;
      if (w !== 0) {
        checkU16(`${what}[${uid}][${j}]`, w);
        cols[k] = j;
        vals[k++] = w;
      }
    }
    return trimmed(cols, vals, k);
  }
  const sparse = row as SparseRow;
  const len = sparse.length;
  const us = new Array<number>(len);
  const ws = new Array<number>(len);
  for (let t = 0; t < len; t++) {
    const pair = sparse[t];
    if (pair === undefined || pair.length !== 2)
      fail(`${what}[${uid}] entry ${t} is not a [uid, value] pair`);
    us[t] = pair[0];
    ws[t] = pair[1];
  }
  return readPairs(us, ws, n, what, uid);
}

function readPairs(
  us: ArrayLike<number>,
  ws: ArrayLike<number>,
  n: number,
  what: string,
  uid: number,
): Row {
  const len = us.length;
  if (ws.length !== len) fail(`${what}[${uid}] has ${len} uids but ${ws.length} values`);
  if (len === 0) return EMPTY;
  const cols = new Int32Array(len);
  const vals = new Float64Array(len);
  let k = 0;
  let sorted = true;
  let prev = -1;
  for (let t = 0; t < len; t++) {
    const j = us[t] as number;
    const w = ws[t] as number;
    if (!Number.isInteger(j) || j < 0 || j > U16_MAX) fail(`${what}[${uid}] has invalid uid ${j}`);
    checkU16(`${what}[${uid}][${j}]`, w);
    if (j >= n || w === 0) continue;
    if (j === prev) fail(`${what}[${uid}] lists uid ${j} twice`);
    if (j < prev) sorted = false;
    prev = j;
    cols[k] = j;
    vals[k++] = w;
  }
  if (!sorted) {
    const order = Array.from({ length: k }, (_, t) => t).sort(
      (a, b) => (cols[a] as number) - (cols[b] as number),
    );
    const sc = new Int32Array(k);
    const sv = new Float64Array(k);
    for (let t = 0; t < k; t++) {
      sc[t] = cols[order[t] as number] as number;
      sv[t] = vals[order[t] as number] as number;
      if (t > 0 && sc[t] === sc[t - 1]) fail(`${what}[${uid}] lists uid ${sc[t]} twice`);
    }
    return { cols: sc, vals: sv };
  }
  return trimmed(cols, vals, k);
}

function sum(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] as number;
  return s;
}

/** `inplace_normalize`: x_i = safe_div(x_i, Σx) unless Σx == 0. */
function normalize(x: number[]): void {
  const s = sum(x);
  if (s === 0) return;
  for (let i = 0; i < x.length; i++) x[i] = div32(x[i] as number, s);
}

/** `inplace_col_normalize_sparse` (column sums skip zero columns). */
function colNormalize(rows: Row[], n: number): void {
  const colSum = new Float64Array(n);
  for (const r of rows)
    for (let k = 0; k < r.cols.length; k++) colSum[r.cols[k] as number]! += r.vals[k] as number;
  for (const r of rows) {
    for (let k = 0; k < r.cols.length; k++) {
      const d = colSum[r.cols[k] as number] as number;
      if (d !== 0) r.vals[k] = div32(r.vals[k] as number, d);
    }
  }
}

/** `scalar_vec_mask_sparse_matrix(.., last_tempo, block_at_registration, last_tempo <= reg)`. */
function maskRecentlyRegistered(rows: Row[], lastTempo: number, registeredAt: number[]): Row[] {
  return rows.map((r) => {
    if (r.cols.length === 0) return EMPTY;
    const cols = new Int32Array(r.cols.length);
    const vals = new Float64Array(r.cols.length);
    let k = 0;
    for (let t = 0; t < r.cols.length; t++) {
      const j = r.cols[t] as number;
      if (!(lastTempo <= (registeredAt[j] as number))) {
        cols[k] = j;
        vals[k++] = r.vals[t] as number;
      }
    }
    return k === r.cols.length ? r : trimmed(cols, vals, k);
  });
}

/**
 * `mat_ema_sparse(new, old, alpha)`: per row alpha·new + (1 − alpha)·old on the union of
 * columns, keeping strictly positive results, ascending by column.
 */
function emaSparse(fresh: Row[], old: Row[], alpha: number, oneMinusAlpha: number): Row[] {
  const out: Row[] = new Array(fresh.length);
  for (let i = 0; i < fresh.length; i++) {
    const a = fresh[i] as Row;
    const b = old[i] ?? EMPTY;
    if (a.cols.length === 0 && b.cols.length === 0) {
      out[i] = EMPTY;
      continue;
    }
    const cols = new Int32Array(a.cols.length + b.cols.length);
    const vals = new Float64Array(a.cols.length + b.cols.length);
    let k = 0;
    let p = 0;
    let q = 0;
    while (p < a.cols.length || q < b.cols.length) {
      const ja = p < a.cols.length ? (a.cols[p] as number) : Infinity;
      const jb = q < b.cols.length ? (b.cols[q] as number) : Infinity;
      let v = 0;
      let j: number;
      if (ja <= jb) {
        j = ja;
        v += mul32(alpha, a.vals[p] as number);
        p++;
      } else {
        j = jb;
      }
      if (jb === j) {
        v += mul32(oneMinusAlpha, b.vals[q] as number);
        q++;
      }
      if (v > 0) {
        cols[k] = j;
        vals[k++] = v;
      }
    }
    out[i] = trimmed(cols, vals, k);
  }
  return out;
}

/**
 * `weighted_median` (exported for tests): mid-pivot partition search for the stake-weighted median of one column.
 * `score` is read at `offset + k` for the k-th positive-stake validator. Buffers are reused.
 */
export function weightedMedian(
  stake: Float64Array,
  score: Float64Array,
  offset: number,
  m: number,
  minority: number,
  stakeSum: number,
  bufs: [Int32Array, Int32Array, Int32Array],
): number {
  let cur = bufs[0];
  let lower = bufs[1];
  let upper = bufs[2];
  for (let k = 0; k < m; k++) cur[k] = k;
  let len = m;
  let lo = 0;
  let hi = stakeSum;
  let iterations = 0;
  for (;;) {
    if (len === 0) return 0;
    if (len === 1) return score[offset + (cur[0] as number)] as number;
    const pivot = score[offset + (cur[len >> 1] as number)] as number;
    let loStake = 0;
    let hiStake = 0;
    let nl = 0;
    let nu = 0;
    for (let k = 0; k < len; k++) {
      const idx = cur[k] as number;
      const s = score[offset + idx] as number;
      if (s === pivot) continue;
      if (s < pivot) {
        loStake += stake[idx] as number;
        lower[nl++] = idx;
      } else {
        hiStake += stake[idx] as number;
        upper[nu++] = idx;
      }
    }
    if (minority < lo + loStake && nl > 0) {
      hi = lo + loStake;
      const t = cur;
      cur = lower;
      lower = t;
      len = nl;
    } else if (hi - hiStake <= minority && nu > 0) {
      lo = hi - hiStake;
      const t = cur;
      cur = upper;
      upper = t;
      len = nu;
    } else {
      return pivot;
    }
    iterations++;
    if (iterations > m) return 0;
  }
}

function packBonds(r: Row): { uids: Uint16Array; values: Uint16Array } {
  const uids = Uint16Array.from(r.cols);
  const values = new Uint16Array(r.cols.length);
  for (let t = 0; t < r.vals.length; t++) values[t] = proportionToU16(r.vals[t] as number);
  return { uids, values };
}

function proportion(bits: number): Proportion {
  return { value: toFloat(bits), u16: proportionToU16(bits) };
}

/** EMA alpha from the bonds moving average: 1 − I32F32(I64F64(bma) / 1e6). */
function emaAlpha(bma: bigint): number {
  const ratio64 = fxSafeDiv(I64F64, fxFromInt(I64F64, bma), fxFromInt(I64F64, 1_000_000n));
  const ratio32 = Number(fxConvert(I64F64, I32F32, ratio64));
  return ONE32 - ratio32;
}

/**
 * Runs one epoch of Yuma consensus for one subnet. Pure and deterministic: the same input gives
 * the same output bits on every machine. Throws a RangeError on malformed input.
 */
export function yumaEpoch(input: YumaInput): YumaOutput {
  const neurons = input.neurons;
  const n = neurons.length;
  if (n > 32767) fail(`at most 32767 uids are supported, got ${n}`);
  checkBlock('currentBlock', input.currentBlock);
  checkBlock('tempo', input.tempo);
  checkBlock('activityCutoff', input.activityCutoff);
  checkU16('kappa', input.kappa);
  checkU16('bondsPenalty', input.bondsPenalty);
  if (!Number.isInteger(input.maxAllowedValidators) || input.maxAllowedValidators < 0) {
    fail(`maxAllowedValidators must be a non-negative integer`);
  }
  const bma = BigInt(input.bondsMovingAverage);
  if (bma < 0n || bma > 1_000_000n)
    fail(`bondsMovingAverage must be within [0, 1000000], got ${bma}`);
  const emission = input.subnetEmission;
  if (emission < 0n || emission > 0xffff_ffff_ffff_ffffn) fail(`subnetEmission must be a u64`);
  const threshold = input.stakeThreshold ?? 0n;
  const owner = input.ownerUid ?? -1;
  const lastEpochBlock = input.lastEpochBlock ?? 0;
  checkBlock('lastEpochBlock', lastEpochBlock);
  const currentBlock = input.currentBlock;

  // == Active & updated ==
  const lastUpdate = new Array<number>(n);
  const registeredAt = new Array<number>(n);
  const active = new Array<boolean>(n);
  let stakeTotal = 0n;
  for (let i = 0; i < n; i++) {
    const nr = neurons[i] as YumaNeuronInput;
    checkBlock(`neurons[${i}].lastUpdate`, nr.lastUpdate);
    checkBlock(`neurons[${i}].registeredAt`, nr.registeredAt);
    if (nr.commitBlock !== undefined) checkBlock(`neurons[${i}].commitBlock`, nr.commitBlock);
    if (typeof nr.stake !== 'bigint' || nr.stake < 0n)
      fail(`neurons[${i}].stake must be a non-negative bigint`);
    stakeTotal += nr.stake;
    lastUpdate[i] = nr.lastUpdate;
    registeredAt[i] = nr.registeredAt;
    // `updated.saturating_add(activity_cutoff) < current_block`, exact for safe integers.
    active[i] = !(nr.lastUpdate + input.activityCutoff < currentBlock);
  }
  if (stakeTotal >= 1n << 63n) fail(`total stake must stay below 2^63 rao`);

  // == Stake: I64F64 normalization, then truncation to I32F32 ==
  const filtered = new Array<bigint>(n);
  let filteredSum = 0n;
  for (let i = 0; i < n; i++) {
    const s = (neurons[i] as YumaNeuronInput).stake;
    const keep = owner === i || s >= threshold;
    filtered[i] = keep ? s : 0n;
    filteredSum += filtered[i] as bigint;
  }
  const stake = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const bits = filtered[i] as bigint; // integer rao, I64F64 bits = rao << 64
    if (filteredSum === 0n) {
      stake[i] = Number(fxConvert(I64F64, I32F32, fxFromInt(I64F64, bits)));
    } else {
      const q = fxCheckedDiv(I64F64, bits << 64n, filteredSum << 64n) ?? 0n;
      stake[i] = Number(fxConvert(I64F64, I32F32, q));
    }
  }

  // == Validator permits ==
  const oldPermit = neurons.map((nr, i) => nr.validatorPermit === true || i === owner);
  const newPermit = stake.map((s) => s !== 0);
  const k = input.maxAllowedValidators;
  if (!(n < k)) {
    // Stable ascending sort by stake; the first n − k lose their permit (ties: lower uid loses).
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => (stake[a] as number) - (stake[b] as number) || a - b,
    );
    for (let t = 0; t < n - k; t++) newPermit[order[t] as number] = false;
  }
  if (owner >= 0 && owner < n) newPermit[owner] = true;

  // == Active stake ==
  const activeStake = stake.map((s, i) => (active[i] && oldPermit[i] ? s : 0));
  normalize(activeStake);

  // == Weights: permit mask, diagonal, outdated, commit-reveal, row normalization ==
  const weights: Row[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const nr = neurons[i] as YumaNeuronInput;
    const raw = readRow(nr.weights, n, 'weights', i);
    if (!oldPermit[i] || raw.cols.length === 0) {
      weights[i] = EMPTY;
      continue;
    }
    const lu = lastUpdate[i] as number;
    const cb = nr.commitBlock;
    const cols = new Int32Array(raw.cols.length);
    const vals = new Float64Array(raw.cols.length);
    let k = 0;
    let rowSum = 0;
    for (let t = 0; t < raw.cols.length; t++) {
      const j = raw.cols[t] as number;
      if (j === i && i !== owner) continue;
      const reg = registeredAt[j] as number;
      if (lu <= reg) continue;
      if (cb !== undefined && cb < reg) continue;
      cols[k] = j;
      vals[k++] = raw.vals[t] as number;
      rowSum += raw.vals[t] as number;
    }
    // safe_div(fx(w), fx(Σw)) == div32(w, Σw): the 2^32 scale cancels.
    if (rowSum > 0) for (let t = 0; t < k; t++) vals[t] = div32(vals[t] as number, rowSum);
    weights[i] = trimmed(cols, vals, k);
  }

  // == Consensus: stake-weighted median per column at kappa ==
  const kappa = div32(input.kappa, U16_MAX);
  const useIdx: number[] = [];
  for (let i = 0; i < n; i++) if ((activeStake[i] as number) > 0) useIdx.push(i);
  const m = useIdx.length;
  const useStake = useIdx.map((i) => activeStake[i] as number);
  normalize(useStake);
  const stakeSum = sum(useStake);
  const minority = stakeSum - kappa;
  const consensus = new Array<number>(n).fill(0);
  if (m > 0) {
    const stakeVec = Float64Array.from(useStake);
    const scores = new Float64Array(n * m); // column-major: scores[j * m + k]
    for (let k2 = 0; k2 < m; k2++) {
      const r = weights[useIdx[k2] as number] as Row;
      for (let t = 0; t < r.cols.length; t++)
        scores[(r.cols[t] as number) * m + k2] = r.vals[t] as number;
    }
    const bufs: [Int32Array, Int32Array, Int32Array] = [
      new Int32Array(m),
      new Int32Array(m),
      new Int32Array(m),
    ];
    for (let j = 0; j < n; j++) {
      consensus[j] = weightedMedian(stakeVec, scores, j * m, m, minority, stakeSum, bufs);
    }
  } else {
    // No validator with stake: every column's partition is empty, the median is 0.
  }

  // == Clip to consensus, validator trust, ranks, (legacy) trust, incentive ==
  const clipped: Row[] = new Array(n);
  const validatorTrust = new Array<number>(n).fill(0);
  const ranks = new Array<number>(n).fill(0);
  const preranks = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const r = weights[i] as Row;
    if (r.cols.length === 0) {
      clipped[i] = EMPTY;
      continue;
    }
    const s = activeStake[i] as number;
    const cols = new Int32Array(r.cols.length);
    const vals = new Float64Array(r.cols.length);
    let k = 0;
    let vt = 0;
    for (let t = 0; t < r.cols.length; t++) {
      const j = r.cols[t] as number;
      const w = r.vals[t] as number;
      const c = consensus[j] as number;
      preranks[j]! += mul32(s, w);
      let v: number;
      if (c < w) {
        if (!(c > 0)) continue;
        v = c;
      } else {
        v = w;
      }
      cols[k] = j;
      vals[k++] = v;
      vt += v;
      ranks[j]! += mul32(s, v);
    }
    clipped[i] = trimmed(cols, vals, k);
    validatorTrust[i] = vt;
  }
  const trust = ranks.map((r, j) => div32(r, preranks[j] as number));
  normalize(ranks);
  const incentive = ranks;

  // == Weights for bonds: W + penalty·(clipped − W) ==
  const penalty = div32(input.bondsPenalty, U16_MAX);
  let weightsForBonds: Row[];
  if (penalty === 0) {
    weightsForBonds = weights;
  } else if (penalty === ONE32) {
    weightsForBonds = clipped;
  } else {
    weightsForBonds = weights.map((r, i) => {
      if (r.cols.length === 0) return EMPTY;
      const c = clipped[i] as Row;
      const cols = new Int32Array(r.cols.length);
      const vals = new Float64Array(r.cols.length);
      let k = 0;
      let q = 0;
      for (let t = 0; t < r.cols.length; t++) {
        const j = r.cols[t] as number;
        const v1 = r.vals[t] as number;
        let v2 = 0;
        while (q < c.cols.length && (c.cols[q] as number) < j) q++;
        if (q < c.cols.length && c.cols[q] === j) v2 = c.vals[q] as number;
        const v = v1 + mul32(penalty, v2 - v1);
        if (v > 0) {
          cols[k] = j;
          vals[k++] = v;
        }
      }
      return trimmed(cols, vals, k);
    });
  }

  // == Bonds and dividends ==
  const lastTempo =
    lastEpochBlock === 0 ? Math.max(0, currentBlock - input.tempo) : lastEpochBlock + 1;
  const alpha = emaAlpha(bma);
  const oneMinusAlpha = ONE32 - alpha;
  const dividends = new Array<number>(n).fill(0);
  let emaBonds: Row[];
  let storedBonds: Row[];
  if (input.yuma3) {
    // Stored bonds are proportions u16/65535.
    let bonds: Row[] = neurons.map((nr, i) => {
      const r = readRow(nr.bonds, n, 'bonds', i);
      return r.cols.length === 0 ? EMPTY : { cols: r.cols, vals: r.vals.map(u16ToProportion) };
    });
    bonds = maskRecentlyRegistered(bonds, lastTempo, registeredAt);
    emaBonds = emaSparse(weightsForBonds, bonds, alpha, oneMinusAlpha);
    const norm: Row[] = emaBonds.map((r) =>
      r.cols.length === 0 ? EMPTY : { cols: r.cols, vals: r.vals.slice() },
    );
    colNormalize(norm, n);
    for (let i = 0; i < n; i++) {
      const r = norm[i] as Row;
      let tb = 0;
      for (let t = 0; t < r.cols.length; t++)
        tb += mul32(r.vals[t] as number, incentive[r.cols[t] as number] as number);
      dividends[i] = mul32(tb, activeStake[i] as number);
    }
    normalize(dividends);
    storedBonds = emaBonds;
  } else {
    // Original Yuma: stored bonds are column-max-upscaled u16, read as raw integers.
    let bonds: Row[] = neurons.map((nr, i) => readRow(nr.bonds, n, 'bonds', i));
    bonds = maskRecentlyRegistered(bonds, lastTempo, registeredAt);
    // Column normalization of raw u16 values: div32(b, Σb) is safe_div(fx(b), fx(Σb)).
    bonds = bonds.map((r) =>
      r.cols.length === 0 ? EMPTY : { cols: r.cols, vals: r.vals.slice() },
    );
    colNormalize(bonds, n);
    const delta: Row[] = weightsForBonds.map((r, i) => {
      if (r.cols.length === 0) return EMPTY;
      const s = activeStake[i] as number;
      return { cols: r.cols, vals: r.vals.map((v) => mul32(v, s)) };
    });
    colNormalize(delta, n);
    emaBonds = emaSparse(delta, bonds, alpha, oneMinusAlpha);
    colNormalize(emaBonds, n);
    for (let i = 0; i < n; i++) {
      const r = emaBonds[i] as Row;
      let d = 0;
      for (let t = 0; t < r.cols.length; t++)
        d += mul32(incentive[r.cols[t] as number] as number, r.vals[t] as number);
      dividends[i] = d;
    }
    normalize(dividends);
    // `inplace_col_max_upscale_sparse` for storage.
    const colMax = new Float64Array(n);
    for (const r of emaBonds) {
      for (let t = 0; t < r.cols.length; t++) {
        const j = r.cols[t] as number;
        if ((colMax[j] as number) < (r.vals[t] as number)) colMax[j] = r.vals[t] as number;
      }
    }
    storedBonds = emaBonds.map((r) => {
      if (r.cols.length === 0) return EMPTY;
      return {
        cols: r.cols,
        vals: r.vals.map((v, t) => {
          const mx = colMax[r.cols[t] as number] as number;
          return mx !== 0 ? div32(v, mx) : v;
        }),
      };
    });
  }

  // == Emission ==
  const combined = incentive.map((x, i) => x + (dividends[i] as number));
  const emissionSum = sum(combined);
  const serverNorm = incentive.slice();
  let validatorNorm = dividends.slice();
  let combinedNorm = combined.slice();
  if (emissionSum !== 0) {
    for (let i = 0; i < n; i++) {
      serverNorm[i] = div32(serverNorm[i] as number, emissionSum);
      validatorNorm[i] = div32(validatorNorm[i] as number, emissionSum);
    }
  }
  normalize(combinedNorm);
  if (emissionSum === 0) {
    // No usable weights: emission goes to validators by (active) stake.
    const src = sum(activeStake) === 0 ? stake : activeStake;
    validatorNorm = src.slice();
    combinedNorm = src.slice();
  }
  const pruning = vecMaxUpscaleToU16(combinedNorm);

  // subtensor: I96F32(x) · I96F32(rao) floored to u64, i.e. floor(x_bits · rao / 2^32).
  const floorRao = (bits: number): bigint => {
    const v = (BigInt(bits) * emission) >> 32n;
    return v < 0n ? 0n : v > 0xffff_ffff_ffff_ffffn ? 0xffff_ffff_ffff_ffffn : v;
  };

  // Payout that sums exactly to subnetEmission: each part gets its exact share of the emission
  // relative to the sum of all parts (floored), and the few rao left go one each to the parts
  // with the largest remainders (ties: miner parts first, then lower uid).
  const parts: bigint[] = new Array(2 * n);
  let partsTotal = 0n;
  for (let i = 0; i < n; i++) {
    parts[i] = BigInt(serverNorm[i] as number);
    parts[n + i] = BigInt(validatorNorm[i] as number);
    partsTotal += (parts[i] as bigint) + (parts[n + i] as bigint);
  }
  const paid: bigint[] = new Array(2 * n).fill(0n);
  let unallocated = 0n;
  let dust = 0n;
  if (partsTotal === 0n) {
    unallocated = emission;
  } else {
    const remainders: Array<[bigint, number]> = [];
    let given = 0n;
    for (let p = 0; p < 2 * n; p++) {
      const num = (parts[p] as bigint) * emission;
      const a = num / partsTotal;
      paid[p] = a;
      given += a;
      const rem = num - a * partsTotal;
      if (rem > 0n) remainders.push([rem, p]);
    }
    let left = emission - given;
    remainders.sort((x, y) => (x[0] > y[0] ? -1 : x[0] < y[0] ? 1 : x[1] - y[1]));
    for (let t = 0; left > 0n && t < remainders.length; t++, left--) {
      const p = (remainders[t] as [bigint, number])[1];
      paid[p] = (paid[p] as bigint) + 1n;
    }
  }

  const out: YumaNeuronOutput[] = new Array(n);
  let subtensorTotal = 0n;
  for (let i = 0; i < n; i++) {
    const sMiner = floorRao(serverNorm[i] as number);
    const sValidator = floorRao(validatorNorm[i] as number);
    const sCombined = floorRao(combinedNorm[i] as number);
    subtensorTotal += sMiner + sValidator;
    const miner = paid[i] as bigint;
    const validator = paid[n + i] as bigint;
    const stored = storedBonds[i] as Row;
    const prune = pruning[i] as number;
    out[i] = {
      uid: i,
      active: active[i] as boolean,
      validatorPermit: newPermit[i] as boolean,
      stakeWeight: proportion(stake[i] as number),
      consensus: proportion(consensus[i] as number),
      rank: proportion(incentive[i] as number),
      trust: proportion(trust[i] as number),
      validatorTrust: proportion(validatorTrust[i] as number),
      incentive: proportion(incentive[i] as number),
      dividends: proportion(dividends[i] as number),
      pruningScore: { value: prune / U16_MAX, u16: prune },
      newBonds: newPermit[i]
        ? packBonds(stored)
        : { uids: new Uint16Array(0), values: new Uint16Array(0) },
      minerEmission: miner,
      validatorEmission: validator,
      emission: miner + validator,
      subtensorEmission: { miner: sMiner, validator: sValidator, combined: sCombined },
    };
  }
  if (partsTotal !== 0n) dust = emission - subtensorTotal;
  return { neurons: out, unallocated, dust };
}
