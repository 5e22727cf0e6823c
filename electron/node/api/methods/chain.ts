/**
 * Contract entries for the chain: status, balances, blocks, transactions, subnets, metagraph,
 * history, earnings, validators' proof commitments; submitting a signed transaction; and
 * transfer / stake / unstake / createSubnet signed by an unlocked wallet's coldkey. Amounts
 * typed by people are TAO decimal strings ("1.5"), parsed exactly; amounts in results are rao as
 * decimal strings.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type {
  BalanceView,
  BlockView,
  ChainStatusView,
  EarningsView,
  MetagraphView,
  ProofCommitView,
  SubnetView,
  TxView,
} from '../../chain/queries.ts';
import { SubnetModelInputSchema, type SubnetModelInput } from '../../chain/subnet-model.ts';
import type { BlockRow } from '../../chain/store/state-db.ts';

const address = z.string().min(1).max(128);
const wallet = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and -, at most 32');
const tao = z.string().regex(/^\d{1,11}(\.\d{1,9})?$/, 'a TAO amount such as "1.5"');
const hash = z.string().regex(/^[0-9a-fA-F]{64}$/, '32-byte hex hash');
const rao = z.string().regex(/^\d{1,20}$/, 'rao as a decimal string');
const waitMs = z.number().int().min(0).max(120_000).optional();
const netuid = z.number().int().min(0).max(65535);

const signedAction = z
  .object({
    wallet,
    amount: tao,
    fee: rao.optional(),
    waitMs,
    /** Trusted HTTP clients (the CLI) that showed the action to the user; ignored over IPC. */
    confirmed: z.boolean().optional(),
  })
  .strict();

export interface CreateSubnetInput {
  /** Default: the earliest-created wallet. */
  wallet?: string | undefined;
  /** The wallet's hotkey that owns the subnet (default 0). */
  hotkeyIndex?: number | undefined;
  taskType: string;
  /** The model miners must run (rules left out take the defaults); null: none. */
  model: SubnetModelInput | null;
  /** Most TAO to lock (default: the lock cost now). */
  maxLock?: string | undefined;
  fee?: string | undefined;
  waitMs?: number | undefined;
  confirmed?: boolean | undefined;
}

type SignedAction = {
  wallet: string;
  amount: string;
  fee?: string | undefined;
  waitMs?: number | undefined;
  confirmed?: boolean | undefined;
};

export const chainMethods = {
  'chain.status': defineMethod<Record<string, never>, ChainStatusView>(z.object({}).strict(), {
    summary: 'Chain state (running, waiting for a wallet…), height, state root, tip, mempool size.',
  }),
  'chain.balance': defineMethod<{ address: string }, BalanceView>(z.object({ address }).strict(), {
    summary: 'Free and staked rao of an address, its nonce, and its stake per hotkey.',
  }),
  'chain.block': defineMethod<
    { height?: number | undefined; hash?: string | undefined },
    BlockView
  >(
    z
      .object({ height: z.number().int().min(1).optional(), hash: hash.optional() })
      .strict()
      .refine((v) => (v.height === undefined) !== (v.hash === undefined), 'give height or hash'),
    { summary: 'A block by height or hash: header, transactions, last commit and its own commit.' },
  ),
  'chain.blocks': defineMethod<
    { limit?: number | undefined; before?: number | undefined },
    BlockRow[]
  >(
    z
      .object({
        limit: z.number().int().min(1).max(200).optional(),
        before: z.number().int().min(1).optional(),
      })
      .strict(),
    { summary: 'The latest blocks (or those below `before`), newest first, headers only.' },
  ),
  'chain.tx': defineMethod<{ hash: string }, TxView>(z.object({ hash }).strict(), {
    summary: 'An included transaction by hash.',
  }),
  'chain.history': defineMethod<
    { address: string; limit?: number | undefined; before?: number | undefined },
    TxView[]
  >(
    z
      .object({
        address,
        limit: z.number().int().min(1).max(500).optional(),
        before: z.number().int().min(1).optional(),
      })
      .strict(),
    { summary: 'Transactions an address signed or received, newest first.' },
  ),
  'chain.subnets': defineMethod<Record<string, never>, SubnetView[]>(z.object({}).strict(), {
    summary:
      'Every subnet: owner, task type, model and verification rules, tempo, epochs, neurons, burn.',
  }),
  'chain.subnet': defineMethod<{ netuid: number }, SubnetView>(z.object({ netuid }).strict(), {
    summary: 'One subnet: owner, task type, model and verification rules, tempo, epochs, burn.',
  }),
  'chain.proofCommit': defineMethod<
    { hotkey: string; netuid: number; epoch: number },
    ProofCommitView | null
  >(
    z
      .object({
        hotkey: address,
        netuid,
        epoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      })
      .strict(),
    {
      summary:
        "A validator's interaction-log commitment for a subnet's epoch (root, entries, secrets), or null.",
    },
  ),
  'chain.createSubnet': defineMethod<CreateSubnetInput, TxView>(
    z
      .object({
        wallet: wallet.optional(),
        hotkeyIndex: z.number().int().min(0).max(1_000_000).optional(),
        taskType: z.string().min(1).max(64),
        model: SubnetModelInputSchema.nullable(),
        maxLock: tao.optional(),
        fee: rao.optional(),
        waitMs,
        confirmed: z.boolean().optional(),
      })
      .strict() as unknown as z.ZodType<CreateSubnetInput>,
    {
      summary:
        "Create a subnet (locking TAO) owned by a wallet's hotkey, naming the model its miners run.",
    },
  ),
  'chain.metagraph': defineMethod<{ netuid: number }, MetagraphView>(
    z.object({ netuid }).strict(),
    { summary: "A subnet's neurons with stake, Yuma results, permits and addresses." },
  ),
  'chain.earnings': defineMethod<
    {
      address: string;
      role: 'hotkey' | 'coldkey';
      fromBlock?: number | undefined;
      toBlock?: number | undefined;
    },
    EarningsView
  >(
    z
      .object({
        address,
        role: z.enum(['hotkey', 'coldkey']),
        fromBlock: z.number().int().min(0).optional(),
        toBlock: z.number().int().min(0).optional(),
      })
      .strict(),
    { summary: 'Per-epoch results and payouts of a hotkey or coldkey over a block range.' },
  ),
  'chain.submit': defineMethod<{ tx: string; waitMs?: number | undefined }, TxView>(
    z
      .object({
        tx: z
          .string()
          .regex(/^[0-9a-fA-F]+$/)
          .max(2 * 8192),
        waitMs,
      })
      .strict(),
    {
      summary: 'Submit a signed transaction (canonical CBOR, hex); optionally wait for inclusion.',
    },
  ),
  'chain.transfer': defineMethod<SignedAction & { to: string }, TxView>(
    signedAction.extend({ to: address }).strict(),
    { summary: 'Send TAO from an unlocked wallet to an address.' },
  ),
  'chain.stake': defineMethod<SignedAction & { hotkey: string }, TxView>(
    signedAction.extend({ hotkey: address }).strict(),
    { summary: "Stake TAO from an unlocked wallet's coldkey to a hotkey." },
  ),
  'chain.unstake': defineMethod<SignedAction & { hotkey: string }, TxView>(
    signedAction.extend({ hotkey: address }).strict(),
    { summary: "Unstake TAO from a hotkey back to an unlocked wallet's coldkey." },
  ),
};
