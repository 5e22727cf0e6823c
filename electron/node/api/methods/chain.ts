/**
 * Contract entries for the chain: status, balances, blocks, transactions, metagraph, history,
 * earnings; submitting a signed transaction; and transfer / stake / unstake signed by an
 * unlocked wallet's coldkey. Amounts typed by people are TAO decimal strings ("1.5"), parsed
 * exactly; amounts in results are rao as decimal strings.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type {
  BalanceView,
  BlockView,
  ChainStatusView,
  EarningsView,
  MetagraphView,
  TxView,
} from '../../chain/queries.ts';
import type { BlockRow } from '../../chain/store/state-db.ts';

const address = z.string().min(1).max(128);
const wallet = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and -, at most 32');
const tao = z.string().regex(/^\d{1,11}(\.\d{1,9})?$/, 'a TAO amount such as "1.5"');
const hash = z.string().regex(/^[0-9a-fA-F]{64}$/, '32-byte hex hash');
const rao = z.string().regex(/^\d{1,20}$/, 'rao as a decimal string');
const waitMs = z.number().int().min(0).max(120_000).optional();

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
  'chain.metagraph': defineMethod<{ netuid: number }, MetagraphView>(
    z.object({ netuid: z.number().int().min(0).max(65535) }).strict(),
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
