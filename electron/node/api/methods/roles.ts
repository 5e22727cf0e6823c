/**
 * Contract entries for the node's roles on a subnet: Mine (answer tasks from the local model) and
 * Validate (send tasks, verify and score the answers, set weights, commit the interaction log).
 * See docs/proof-of-intelligence.md.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';

export type RoleState = 'stopped' | 'starting' | 'running' | 'stopping' | 'error';

/** Why a role is not (fully) working, in codes the UI translates into plain words. */
export type RoleReasonCode =
  /** The wallet that holds the hotkey is locked; unlock it to start. */
  | 'WALLET_LOCKED'
  /** The subnet does not exist on this chain. */
  | 'NO_SUBNET'
  /** The subnet names no model, so nobody can verify its answers. */
  | 'NO_SUBNET_MODEL'
  /** The hotkey holds no uid on the subnet (never registered). */
  | 'NOT_REGISTERED'
  /** The hotkey held a uid and lost it to a new registration. */
  | 'DEREGISTERED'
  /** Validating needs a validator permit (enough stake, among the top stakers). */
  | 'NO_PERMIT'
  /** The subnet's model file is not on this computer; download it first. */
  | 'MODEL_MISSING'
  /** A model is on disk but its hash is not the one the subnet names. */
  | 'MODEL_NOT_ACCEPTED'
  /** The model is not loaded in the engine (loading, crashed, or unloaded). */
  | 'MODEL_NOT_LOADED'
  /** Other nodes cannot dial this one (AutoNAT); validators may not reach it. */
  | 'NOT_REACHABLE'
  /** The node (chain or network) is not running. */
  | 'NODE_STOPPED'
  /** The subnet has no serving miners to send tasks to. */
  | 'NO_MINERS'
  /** The other role runs as another hotkey: a node works as one hotkey at a time. */
  | 'HOTKEY_IN_USE'
  /** The last attempt failed; `message` says why. */
  | 'FAILED';

export interface RoleReason {
  code: RoleReasonCode;
  message: string;
}

/** The on-chain standing of the role's hotkey (u16 figures scaled to 0..1). */
export interface RoleStanding {
  uid: number | null;
  rank: number;
  trust: number;
  incentive: number;
  dividends: number;
  /** rao paid at the last epoch, decimal string. */
  emission: string;
  validatorPermit: boolean;
  /** rao staked on the hotkey, decimal string. */
  stake: string;
}

export interface MinerFigures {
  tasksServed: number;
  tasksRefused: number;
  /** Tokens per second of the last answers, measured here; null before the first task. */
  tokensPerSecond: number | null;
  lastTaskAt: number | null;
  /** Validators that sent tasks in the current epoch. */
  validatorsThisEpoch: number;
}

export interface ValidatorMinerView {
  uid: number;
  hotkey: string;
  ema: number;
  lastScore: number | null;
  sent: number;
  checked: number;
  failed: number;
  lastResult: string | null;
  /**
   * The miner's last task in the latest epoch whose log root this validator has committed on
   * chain: a task `roles.proof` can prove (null until the first commit).
   */
  provableTaskId: string | null;
}

export interface ValidatorFigures {
  tasksSent: number;
  answersChecked: number;
  /** Share of checked answers that passed (0..1), null before any check. */
  passRate: number | null;
  averageScore: number | null;
  /** Tokens per second received from miners (median of the epoch). */
  tokensPerSecond: number | null;
  lastWeightsBlock: number | null;
  lastProofEpoch: number | null;
  epoch: number | null;
  miners: ValidatorMinerView[];
}

export interface MinerStatusView {
  state: RoleState;
  netuid: number | null;
  wallet: string | null;
  /** SS58 address of the hotkey that mines. */
  hotkey: string | null;
  /** The model file the miner runs (catalogue id or 'custom') and whether it is loaded. */
  model: { catalogId: string; sha256: string; loaded: boolean } | null;
  reasons: RoleReason[];
  standing: RoleStanding | null;
  figures: MinerFigures;
}

export interface ValidatorStatusView {
  state: RoleState;
  netuid: number | null;
  wallet: string | null;
  hotkey: string | null;
  reasons: RoleReason[];
  standing: RoleStanding | null;
  figures: ValidatorFigures;
}

export interface RolesStatusView {
  miner: MinerStatusView;
  validator: ValidatorStatusView;
}

export interface InteractionProofView {
  taskId: string;
  netuid: number;
  epoch: number;
  entry: {
    minerUid: number;
    minerHotkey: string;
    answerHash: string;
    result: string;
    score: number;
    at: number;
  };
  leaf: string;
  index: number;
  leafCount: number;
  siblings: string[];
  /** The root recomputed from the leaf and the path. */
  root: string;
  /** The root this validator committed on chain for that epoch, or null if not committed yet. */
  committed: { block: number; txHash: string; root: string } | null;
  /** True when the path leads to the committed root. */
  valid: boolean;
}

const Netuid = z.number().int().min(0).max(65535);
const RoleStart = z
  .object({
    netuid: Netuid.optional(),
    wallet: z.string().min(1).max(64).optional(),
    hotkeyIndex: z.number().int().min(0).max(1023).optional(),
    /** The caller already showed the registration burn (trusted clients; ignored over IPC). */
    confirmed: z.boolean().optional(),
  })
  .strict();
export type RoleStartInput = z.infer<typeof RoleStart>;

export const rolesMethods = {
  'roles.status': defineMethod<Record<string, never>, RolesStatusView>(z.object({}).strict(), {
    summary:
      'The Mine and Validate roles: state, hotkey, model, live figures, on-chain standing and plain reasons when something stops.',
  }),
  'roles.mine.start': defineMethod<RoleStartInput, RolesStatusView>(RoleStart, {
    summary:
      "Start mining on a subnet (default 1) with a wallet's hotkey: registers it if needed (the burn is confirmed first), publishes its addresses with a serve transaction, loads the subnet's model and answers tasks.",
  }),
  'roles.mine.stop': defineMethod<Record<string, never>, RolesStatusView>(z.object({}).strict(), {
    summary: 'Stop mining (the registration stays; the miner stops answering).',
  }),
  'roles.validate.start': defineMethod<RoleStartInput, RolesStatusView>(RoleStart, {
    summary:
      "Start validating a subnet (default 1) with a wallet's hotkey that holds a validator permit: send tasks, verify and score answers, set weights, commit the interaction log.",
  }),
  'roles.validate.stop': defineMethod<Record<string, never>, RolesStatusView>(
    z.object({}).strict(),
    { summary: 'Stop validating.' },
  ),
  'roles.proof': defineMethod<{ taskId: string }, InteractionProofView>(
    z.object({ taskId: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
    {
      summary:
        "Prove one interaction of this validator's log against the Merkle root it committed on chain.",
    },
  ),
};
