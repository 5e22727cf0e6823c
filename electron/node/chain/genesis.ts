/**
 * Genesis: the network file (`resources/networks/<name>.json`, or the local network's own
 * `<dataDir>/chain/genesis.json`) turned into the state at height 0.
 *
 * File format (every amount is TAO as a decimal string, parsed exactly):
 * {
 *   "chainId": "noesis-local-3f9a…",        printable ASCII, ≤ 64 characters
 *   "genesisTime": 1767225600000,          ms since the Unix epoch
 *   "params": { "minFee": "0.0001", "votingPeriod": 30, "subnetDefaults": { "tempo": 20 } },
 *                                          partial overrides (governance: votingPeriod, quorum in
 *                                          basis points, enactmentDelay, proposalDeposit;
 *                                          slashing: slashFraction in basis points,
 *                                          evidenceMaxAge in blocks)
 *   "accounts": [{ "address": "5…", "balance": "1000" }],
 *   "validators": [{ "consensusKey": "<hex>", "hotkey": "5…", "coldkey": "5…", "stake": "100" }],
 *   "subnets": [{ "netuid": 1, "owner": "5…", "ownerHotkey": "5…", "taskType": "text-generation",
 *                 "model": { "catalogId": "smollm2-135m-instruct-q8_0", "sha256": "<hex>",
 *                            "sizeBytes": 145000000, "maxTokens": 32 } }]
 * }
 * A subnet's `model` is optional (null on chain without it); with it, `sha256` and `sizeBytes`
 * are required, `catalogId` defaults to "custom" and the rules not given take
 * DEFAULT_MODEL_RULES (subnet-model.ts).
 * Each validator's stake is staked by its coldkey on its hotkey; every validator hotkey and
 * every subnet owner hotkey is registered (uid order: owner first) with a validator permit.
 * The genesis hash is H(CBOR["noesis/genesis/1", chainId, genesisTime, stateRoot]).
 */
import { z } from 'zod';
import { decodeAddress } from '../wallet/address.ts';
import { formatTao, parseTao } from './amount.ts';
import { encodeCanonical } from './codec.ts';
import { CowMap } from './cow-map.ts';
import { hash256, isHex, toHex, ZERO_HASH, type Hex } from './crypto.ts';
import { genesisValidatorSets } from './validators.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import { freshNeuron, initialBurn } from './registration.ts';
import {
  checkSubnetModel,
  DEFAULT_MODEL_RULES,
  modelFromInput,
  SubnetModelInputSchema,
} from './subnet-model.ts';

export { initialBurn, DEFAULT_MODEL_RULES };
import { stateRoot } from './state-root.ts';
import { EMPTY_GOVERNANCE } from './state-codec.ts';
import {
  netuidKey,
  type Account,
  type ChainParams,
  type ChainState,
  type HotkeyRecord,
  type Neuron,
  type Subnet,
  type SubnetParams,
} from './types.ts';

const TAO = 1_000_000_000n;

/** subtensor's values where it has one (runtime initial / init_new_network), scaled for desktops. */
export const DEFAULT_SUBNET_PARAMS: SubnetParams = Object.freeze({
  tempo: 360,
  maxUids: 256,
  maxValidators: 64,
  minAllowedWeights: 1,
  immunityPeriod: 5000,
  weightsRateLimit: 100,
  commitReveal: false,
  revealPeriodEpochs: 1,
  activityCutoff: 5000,
  kappa: 32767,
  bondsMovingAverage: 900_000,
  bondsPenalty: 65535,
  yuma3: true,
  minBurn: 500_000n,
  maxBurn: 100n * TAO,
  burnHalfLife: 360,
  burnIncreaseNum: 126,
  burnIncreaseDen: 100,
  maxRegistrationsPerBlock: 1,
});

export const DEFAULT_PARAMS: ChainParams = Object.freeze({
  blockEmission: TAO,
  maxSupply: 21_000_000n * TAO,
  minFee: 100_000n,
  minTransfer: 500n,
  minStake: 500_000n,
  defaultTake: 11796,
  minTake: 0,
  maxTake: 11796,
  takeRateLimit: 216_000,
  subnetOwnerCut: 11796,
  minLockCost: 100n * TAO,
  lockReductionInterval: 100_800,
  maxSubnets: 32,
  servingRateLimit: 50,
  blockIntervalMs: 12_000,
  // Governance: a week to vote, a day before a passed change takes effect (12 s blocks).
  votingPeriod: 50_400,
  quorum: 2_000,
  enactmentDelay: 7_200,
  proposalDeposit: 10n * TAO,
  // Slashing: 5 % of a double-signer's stake; evidence up to two weeks old (12 s blocks).
  slashFraction: 500,
  evidenceMaxAge: 100_800,
  subnetDefaults: DEFAULT_SUBNET_PARAMS,
});

const taoString = z.string().regex(/^\d{1,11}(\.\d{1,9})?$/, 'a TAO amount such as "12.5"');
const count = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40);

const SubnetParamsSchema = z
  .object({
    tempo: z.number().int().min(1).max(50_400),
    maxUids: z.number().int().min(1).max(4096),
    maxValidators: z.number().int().min(1).max(4096),
    minAllowedWeights: z.number().int().min(0).max(4096),
    immunityPeriod: count,
    weightsRateLimit: count,
    commitReveal: z.boolean(),
    revealPeriodEpochs: z.number().int().min(1).max(100),
    activityCutoff: count,
    kappa: z.number().int().min(0).max(65535),
    bondsMovingAverage: z.number().int().min(0).max(1_000_000),
    bondsPenalty: z.number().int().min(0).max(65535),
    yuma3: z.boolean(),
    minBurn: taoString,
    maxBurn: taoString,
    burnHalfLife: z.number().int().min(1).max(1_000_000),
    burnIncreaseNum: z.number().int().min(1).max(1_000_000),
    burnIncreaseDen: z.number().int().min(1).max(1_000_000),
    maxRegistrationsPerBlock: z.number().int().min(1).max(1000),
  })
  .strict()
  .partial();

const ParamsSchema = z
  .object({
    blockEmission: taoString,
    maxSupply: taoString,
    minFee: taoString,
    minTransfer: taoString,
    minStake: taoString,
    defaultTake: z.number().int().min(0).max(65535),
    minTake: z.number().int().min(0).max(65535),
    maxTake: z.number().int().min(0).max(65535),
    takeRateLimit: count,
    subnetOwnerCut: z.number().int().min(0).max(65535),
    minLockCost: taoString,
    lockReductionInterval: count,
    maxSubnets: z.number().int().min(1).max(1024),
    servingRateLimit: count,
    blockIntervalMs: z.number().int().min(10).max(600_000),
    votingPeriod: z.number().int().min(1).max(10_000_000),
    quorum: z.number().int().min(1).max(10_000),
    enactmentDelay: count,
    proposalDeposit: taoString,
    slashFraction: z.number().int().min(0).max(10_000),
    evidenceMaxAge: z.number().int().min(1).max(10_000_000),
    subnetDefaults: SubnetParamsSchema,
  })
  .strict()
  .partial();

export const GenesisSchema = z
  .object({
    chainId: z.string().regex(/^[\x21-\x7e]{1,64}$/, 'printable ASCII, 1–64 characters'),
    genesisTime: z.number().int().min(0),
    params: ParamsSchema.default({}),
    accounts: z.array(z.object({ address: z.string(), balance: taoString }).strict()).default([]),
    validators: z
      .array(
        z
          .object({
            consensusKey: z.string(),
            hotkey: z.string(),
            coldkey: z.string(),
            stake: taoString,
          })
          .strict(),
      )
      .min(1),
    subnets: z
      .array(
        z
          .object({
            netuid: z.number().int().min(1).max(65535),
            owner: z.string(),
            ownerHotkey: z.string(),
            taskType: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,31}$/),
            params: SubnetParamsSchema.optional(),
            model: SubnetModelInputSchema.optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type GenesisDoc = z.input<typeof GenesisSchema>;

function bad(field: string, message: string): never {
  throw chainError(ChainErrorCode.BAD_GENESIS, `genesis: ${field}: ${message}`, { field });
}

function key(address: string, field: string): Hex {
  try {
    return toHex(decodeAddress(address));
  } catch {
    return bad(field, `"${address.slice(0, 60)}" is not an SS58 address`);
  }
}

function mergeSubnetParams(
  base: SubnetParams,
  o: z.infer<typeof SubnetParamsSchema> | undefined,
): SubnetParams {
  if (o === undefined) return base;
  const { minBurn, maxBurn, ...rest } = o;
  return {
    ...base,
    ...rest,
    ...(minBurn !== undefined ? { minBurn: parseTao(minBurn) } : {}),
    ...(maxBurn !== undefined ? { maxBurn: parseTao(maxBurn) } : {}),
  };
}

function mergeParams(o: z.infer<typeof ParamsSchema>): ChainParams {
  const {
    blockEmission,
    maxSupply,
    minFee,
    minTransfer,
    minStake,
    minLockCost,
    proposalDeposit,
    subnetDefaults,
    ...rest
  } = o;
  const amounts = {
    blockEmission,
    maxSupply,
    minFee,
    minTransfer,
    minStake,
    minLockCost,
    proposalDeposit,
  };
  const parsed: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(amounts)) if (v !== undefined) parsed[k] = parseTao(v);
  return {
    ...DEFAULT_PARAMS,
    ...rest,
    ...parsed,
    subnetDefaults: mergeSubnetParams(DEFAULT_SUBNET_PARAMS, subnetDefaults),
  };
}

function modelOf(m: z.infer<typeof SubnetModelInputSchema>, field: string) {
  const model = modelFromInput(m);
  try {
    checkSubnetModel(model); // the chain's own check: an all-zero hash, for one
  } catch (error) {
    bad(field, (error as Error).message);
  }
  return model;
}

export function parseGenesis(raw: unknown): z.infer<typeof GenesisSchema> {
  const parsed = GenesisSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    bad(issue?.path.map(String).join('.') || '(root)', issue?.message ?? 'invalid');
  }
  return parsed.data;
}

export interface Genesis {
  state: ChainState;
  hash: Hex;
  doc: z.infer<typeof GenesisSchema>;
}

export function genesisState(raw: unknown): Genesis {
  const doc = parseGenesis(raw);
  const params = mergeParams(doc.params);
  if (params.minTake > params.maxTake || params.defaultTake > params.maxTake) {
    bad('params.defaultTake', 'takes must satisfy minTake ≤ defaultTake ≤ maxTake');
  }
  const accounts = new Map<Hex, Account>();
  const hotkeys = new Map<Hex, HotkeyRecord>();
  let issuance = 0n;
  doc.accounts.forEach((a, i) => {
    const k = key(a.address, `accounts.${i}.address`);
    const amount = parseTao(a.balance);
    const prev = accounts.get(k)?.free ?? 0n;
    accounts.set(k, { free: prev + amount, nonce: 0 });
    issuance += amount;
  });
  const validators = doc.validators.map((v, i) => {
    if (!isHex(v.consensusKey, 32))
      bad(`validators.${i}.consensusKey`, '32 bytes of lower-case hex');
    const hotkey = key(v.hotkey, `validators.${i}.hotkey`);
    const coldkey = key(v.coldkey, `validators.${i}.coldkey`);
    const stake = parseTao(v.stake);
    const rec = hotkeys.get(hotkey);
    if (rec !== undefined && rec.owner !== coldkey)
      bad(`validators.${i}.coldkey`, 'hotkey owned twice');
    const stakes = new Map(rec?.stakes ?? []);
    stakes.set(coldkey, (stakes.get(coldkey) ?? 0n) + stake);
    const sorted = [...stakes.entries()]
      .filter(([, s]) => s > 0n)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    hotkeys.set(hotkey, {
      owner: coldkey,
      take: params.defaultTake,
      lastTakeIncrease: 0,
      totalStake: (rec?.totalStake ?? 0n) + stake,
      stakes: sorted,
    });
    issuance += stake;
    return { key: v.consensusKey, hotkey };
  });
  const subnets: Array<[string, Subnet]> = [];
  const seen = new Set<number>();
  doc.subnets.forEach((s, i) => {
    if (seen.has(s.netuid)) bad(`subnets.${i}.netuid`, 'netuid repeated');
    seen.add(s.netuid);
    const owner = key(s.owner, `subnets.${i}.owner`);
    const ownerHotkey = key(s.ownerHotkey, `subnets.${i}.ownerHotkey`);
    const rec = hotkeys.get(ownerHotkey);
    if (rec !== undefined && rec.owner !== owner)
      bad(`subnets.${i}.owner`, 'owner hotkey belongs to another coldkey');
    if (rec === undefined) {
      hotkeys.set(ownerHotkey, {
        owner,
        take: params.defaultTake,
        lastTakeIncrease: 0,
        totalStake: 0n,
        stakes: [],
      });
    }
    const p = mergeSubnetParams(params.subnetDefaults, s.params);
    const members = [
      ownerHotkey,
      ...validators.map((v) => v.hotkey).filter((h) => h !== ownerHotkey),
    ];
    const unique = [...new Set(members)].slice(0, p.maxUids);
    const neurons: Neuron[] = unique.map((hk, uid) => ({
      ...freshNeuron(uid, hk, (hotkeys.get(hk) as HotkeyRecord).owner, 0),
      validatorPermit: true,
    }));
    subnets.push([
      netuidKey(s.netuid),
      {
        netuid: s.netuid,
        owner,
        ownerHotkey,
        taskType: s.taskType,
        model: s.model === undefined ? null : modelOf(s.model, `subnets.${i}.model`),
        createdAt: 0,
        locked: 0n,
        params: p,
        burn: initialBurn(p),
        lastRegistrationBlock: 0,
        registrationsInBlock: 0,
        pending: 0n,
        lastEpochBlock: 0,
        epochCount: 0,
        neurons,
      },
    ]);
  });
  if (issuance > params.maxSupply) {
    bad('accounts', `genesis supply ${formatTao(issuance)} TAO exceeds the cap`);
  }
  const base: ChainState = {
    chainId: doc.chainId,
    genesisHash: ZERO_HASH,
    height: 0,
    lastBlockHash: ZERO_HASH,
    lastBlockTime: doc.genesisTime,
    totalIssuance: issuance,
    totalRecycled: 0n,
    lastLockCost: params.minLockCost,
    lastLockBlock: 0,
    params,
    validators,
    accounts: CowMap.from(accounts),
    hotkeys: CowMap.from(hotkeys),
    subnets: CowMap.from(subnets),
    governance: EMPTY_GOVERNANCE,
    proposals: CowMap.empty(),
    votes: CowMap.empty(),
    locks: CowMap.empty(),
    validatorSets: genesisValidatorSets(validators, (h) => hotkeys.get(h)?.totalStake ?? 0n),
    slashes: [],
  };
  const root = stateRoot(base);
  const hash = toHex(
    hash256(encodeCanonical(['noesis/genesis/1', doc.chainId, doc.genesisTime, root])),
  );
  return { state: { ...base, genesisHash: hash, lastBlockHash: hash }, hash, doc };
}
