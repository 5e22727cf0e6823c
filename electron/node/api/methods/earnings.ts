/**
 * Contract entries for earnings and the metagraph: a wallet's earnings per key and role with the
 * reason a figure is zero, per-epoch series of one key over a time range, the delegators'
 * estimated yearly return per validator (with formula and inputs), and the metagraph of a subnet
 * with the caller's neurons marked. Amounts are rao decimal strings; ratios are numbers.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type {
  ApyView,
  EarningsRange,
  EarningsSeries,
  EarningsSummary,
  MetagraphWithOwn,
  SubnetSummary,
} from '../../incentive/earnings.ts';

const wallet = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and -, at most 32');
const netuid = z.number().int().min(0).max(65535);

export const earningsMethods = {
  'earnings.summary': defineMethod<{ wallet: string }, EarningsSummary>(
    z.object({ wallet }).strict(),
    {
      summary:
        "A wallet's earnings per key and role (incentive, dividends, delegation, owner cut), pending estimates, and why a figure is zero.",
    },
  ),
  'earnings.series': defineMethod<
    {
      address: string;
      role: 'hotkey' | 'coldkey';
      range: EarningsRange;
      netuid?: number | undefined;
      maxPoints?: number | undefined;
    },
    EarningsSeries
  >(
    z
      .object({
        address: z.string().min(1).max(128),
        role: z.enum(['hotkey', 'coldkey']),
        range: z.enum(['24h', '7d', '30d', 'all']),
        netuid: netuid.optional(),
        maxPoints: z.number().int().min(10).max(10_000).optional(),
      })
      .strict(),
    {
      summary:
        'Per-epoch points of a hotkey or coldkey over 24h, 7d, 30d or all: earned, cumulative, rank, trust, incentive, dividends.',
    },
  ),
  'earnings.apy': defineMethod<{ netuid: number; epochs?: number | undefined }, ApyView>(
    z.object({ netuid, epochs: z.number().int().min(1).max(500).optional() }).strict(),
    {
      summary:
        "Per validator of a subnet: the delegators' estimated yearly return from its recent epochs, with the formula and inputs.",
    },
  ),
  'metagraph.get': defineMethod<{ netuid: number; wallet?: string | undefined }, MetagraphWithOwn>(
    z.object({ netuid, wallet: wallet.optional() }).strict(),
    { summary: "A subnet's neurons (the chain's metagraph), the given wallet's own marked." },
  ),
  'metagraph.subnets': defineMethod<Record<string, never>, SubnetSummary[]>(z.object({}).strict(), {
    summary: 'Every subnet: size, tempo, next epoch, pending emission, burn, owner.',
  }),
};
