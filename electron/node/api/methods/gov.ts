/**
 * Contract entries for governance: proposals (list, one with its votes, the history of enacted
 * changes), the parameter table with bounds (for the proposal wizard), a voter's power and locks,
 * and `gov.propose` / `gov.vote` signed by an unlocked wallet's coldkey through the same signing
 * path as `chain.transfer` (the user approves a confirmation that shows the voting power and the
 * lock end; trusted HTTP clients may pass `confirmed: true`, ignored over IPC).
 * Power and amounts in results are rao as decimal strings; `value` is an integer in the
 * parameter's unit (rao for amounts).
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type {
  GovParamsView,
  ProposalDetailView,
  ProposalView,
  VoterView,
} from '../../chain/governance-queries.ts';
import type { TxView } from '../../chain/queries.ts';
import { SubnetModelInputSchema, type SubnetModelInput } from '../../chain/subnet-model.ts';

const wallet = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and -, at most 32');
const rao = z.string().regex(/^\d{1,20}$/, 'rao as a decimal string');
const waitMs = z.number().int().min(0).max(120_000).optional();
const proposalId = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);

export type ProposeKind = 'param' | 'upgrade' | 'subnet_model' | 'text';

export interface ProposeInput {
  wallet: string;
  kind: ProposeKind;
  param?: string | undefined;
  netuid?: number | undefined;
  value?: string | undefined;
  title: string;
  description?: string | undefined;
  version?: string | undefined;
  activationHeight?: number | undefined;
  /** subnet_model: the model subnet `netuid` would run (rules left out take the defaults). */
  model?: SubnetModelInput | undefined;
  /** The body of a text proposal (used as its description when none is given). */
  text?: string | undefined;
  fee?: string | undefined;
  waitMs?: number | undefined;
  confirmed?: boolean | undefined;
}

export interface VoteInput {
  wallet: string;
  proposal: number;
  choice: 'yes' | 'no' | 'abstain';
  conviction?: number | undefined;
  fee?: string | undefined;
  waitMs?: number | undefined;
  confirmed?: boolean | undefined;
}

export interface ProposeResult {
  /** The new proposal's id once the transaction is in a block (null while pending). */
  id: number | null;
  tx: TxView;
}

export interface VoteResult {
  proposal: number;
  choice: 'yes' | 'no' | 'abstain';
  conviction: number;
  /** Voting power of this vote (rao) and the block its lock ends (0 = no lock). */
  power: string;
  lockUntil: number;
  tx: TxView;
}

const ProposeSchema = z
  .object({
    wallet,
    kind: z.enum(['param', 'upgrade', 'subnet_model', 'text']),
    param: z.string().min(1).max(64).optional(),
    netuid: z.number().int().min(0).max(65535).optional(),
    value: z
      .string()
      .regex(/^\d{1,20}$/, 'an unsigned integer')
      .optional(),
    title: z.string().min(1).max(120),
    description: z.string().max(2000).optional(),
    version: z.string().max(32).optional(),
    activationHeight: z.number().int().min(1).optional(),
    model: SubnetModelInputSchema.optional(),
    text: z.string().max(2000).optional(),
    fee: rao.optional(),
    waitMs,
    confirmed: z.boolean().optional(),
  })
  .strict()
  .refine((v) => v.kind !== 'param' || (v.param !== undefined && v.value !== undefined), {
    message: 'a parameter change needs param and value',
    path: ['param'],
  })
  .refine(
    (v) => v.kind !== 'upgrade' || (v.version !== undefined && v.activationHeight !== undefined),
    { message: 'an upgrade needs version and activationHeight', path: ['version'] },
  )
  .refine((v) => v.kind !== 'subnet_model' || (v.netuid !== undefined && v.model !== undefined), {
    message: 'a subnet model change needs netuid and model',
    path: ['model'],
  });

export const govMethods = {
  'gov.list': defineMethod<Record<string, never>, ProposalView[]>(z.object({}).strict(), {
    summary:
      'Every proposal, newest first: kind, status, live tally, quorum, time left, concentration.',
  }),
  'gov.show': defineMethod<{ id: number }, ProposalDetailView>(
    z.object({ id: proposalId }).strict(),
    { summary: 'One proposal with every vote (choice, conviction, stake, delegated, power).' },
  ),
  'gov.history': defineMethod<Record<string, never>, ProposalView[]>(z.object({}).strict(), {
    summary: 'Every enacted change, oldest first: proposer, tally, block, old and new value.',
  }),
  'gov.params': defineMethod<Record<string, never>, GovParamsView>(z.object({}).strict(), {
    summary: 'The governed parameters with their bounds and current values; voting period, quorum.',
  }),
  'gov.voter': defineMethod<{ address: string }, VoterView>(
    z.object({ address: z.string().min(1).max(128) }).strict(),
    {
      summary: "A coldkey's voting power per conviction, its lock, its votes, what it can vote on.",
    },
  ),
  'gov.propose': defineMethod<ProposeInput, ProposeResult>(
    ProposeSchema as unknown as z.ZodType<ProposeInput>,
    {
      summary:
        "Propose a parameter change, an upgrade signal, a subnet's model or a text, with the deposit.",
    },
  ),
  'gov.vote': defineMethod<VoteInput, VoteResult>(
    z
      .object({
        wallet,
        proposal: proposalId,
        choice: z.enum(['yes', 'no', 'abstain']),
        conviction: z.number().int().min(0).max(6).optional(),
        fee: rao.optional(),
        waitMs,
        confirmed: z.boolean().optional(),
      })
      .strict(),
    { summary: 'Vote yes, no or abstain with a conviction 0–6; a later vote replaces it.' },
  ),
};
