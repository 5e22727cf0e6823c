/**
 * `noesis earnings`: what a wallet's keys earned, per role, with the reason a figure is zero, and
 * the per-epoch series of each key over a time range. Through the running node's API when one
 * runs on the data folder, else read-only from the chain folder (the same target `noesis chain`
 * uses, cli/chain.ts).
 *
 *   noesis earnings [--wallet NAME | --address ADDRESS] [--role hotkey|coldkey]
 *                   [--range 24h|7d|30d|all] [--data-dir DIR] [--json]
 *
 * --wallet (or the only wallet, when there is one): the summary, then a series for the coldkey
 * and each hotkey (or only those of --role). --address: the series of that key, as --role
 * (default coldkey). --json prints { summary, series } (summary null with --address).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { callApi } from '../api/http-client.ts';
import { defaultDataDir } from '../data-dir.ts';
import { NoesisError } from '../errors.ts';
import { formatTao } from '../chain/amount.ts';
import { ChainErrorCode } from '../chain/errors.ts';
import { keyOf } from '../chain/queries.ts';
import {
  EARNINGS_RANGES,
  earningsSeries,
  earningsSummary,
  type EarningsRange,
  type EarningsSeries,
  type EarningsSummary,
  type Figure,
  type WalletKeys,
} from '../incentive/earnings.ts';
import { WalletService } from '../wallet/service.ts';
import { openTarget, print, type Common } from './chain.ts';

interface EarningsOptions extends Common {
  wallet?: string;
  address?: string;
  role?: string;
  range: string;
}

type Role = 'hotkey' | 'coldkey';

const REASON_TEXT: Record<string, string> = {
  NOT_REGISTERED: 'not registered on any subnet',
  NO_EPOCH_YET: 'no epoch has run yet since it joined',
  NO_WEIGHTS_YET: 'no validator has weighted it yet',
  INACTIVE: 'inactive at the last epoch',
  NO_VALIDATOR_PERMIT: 'no validator permit',
  NO_STAKE: 'nothing staked',
  NO_WEIGHTS_SET: 'sets no weights',
  NO_BONDS_YET: 'bonds not built yet',
  NOT_SUBNET_OWNER: 'owns no subnet',
};

const tao = (rao: string) => `${formatTao(BigInt(rao))} TAO`;

function fig(label: string, f: Figure): string {
  const why = f.zeroReason === null ? '' : `  (${REASON_TEXT[f.zeroReason] ?? f.zeroReason})`;
  return `    ${label.padEnd(12)} ${tao(f.paid)}${why}`;
}

function summaryText(s: EarningsSummary): string[] {
  const c = s.coldkey;
  return [
    `wallet ${s.wallet}  block ${s.block}`,
    `  coldkey ${c.address}  total ${tao(c.total)}  staked ${tao(c.staked)}`,
    fig('incentive', c.incentive),
    fig('validating', c.validating),
    fig('delegation', c.delegation),
    fig('owner cut', c.ownerCut),
    ...s.hotkeys.flatMap((h) => [
      `  hotkey ${h.name} ${h.address}${h.subnets.length ? '  ' + h.subnets.map((p) => `subnet ${p.netuid} uid ${p.uid}`).join(', ') : ''}`,
      fig('incentive', h.incentive),
      fig('dividends', h.dividends),
      `    ${'pending'.padEnd(12)} ~${tao(h.estimatedPending)} (estimate, next epoch)`,
    ]),
  ];
}

function seriesText(s: EarningsSeries): string[] {
  return [
    `${s.role} ${s.address}  ${s.range}  blocks ${s.fromBlock}-${s.toBlock}  total ${tao(s.total)}`,
    ...s.points.map(
      (p) =>
        `  block ${String(p.block).padEnd(8)} subnet ${String(p.netuid).padEnd(3)} earned ${tao(p.earned).padEnd(18)} cumulative ${tao(p.cumulative)}${p.rank === null ? '' : `  rank ${p.rank.toFixed(4)} trust ${(p.trust ?? 0).toFixed(4)} incentive ${(p.incentive ?? 0).toFixed(4)}`}`,
    ),
  ];
}

async function localWallets(options: Common): Promise<WalletService> {
  return new WalletService({
    dataDir: path.resolve(options.dataDir ?? defaultDataDir()),
    autoLockMs: 0,
  });
}

export function addEarningsCommands(program: Command): void {
  program
    .command('earnings')
    .description("a wallet's earnings per key and role, and per-epoch series")
    .option('--wallet <name>', 'wallet whose keys to report (default: the only wallet)')
    .option('--address <address>', 'one key instead of a wallet')
    .option('--role <role>', 'hotkey or coldkey')
    .option('--range <range>', '24h, 7d, 30d or all', 'all')
    .option(
      '--data-dir <dir>',
      'data folder of the node (default: the per-OS application data folder)',
    )
    .option('--json', 'print JSON')
    .action(async (options: EarningsOptions) => {
      if (options.wallet !== undefined && options.address !== undefined) {
        throw new NoesisError(ChainErrorCode.MALFORMED, 'give --wallet or --address, not both');
      }
      if (options.role !== undefined && options.role !== 'hotkey' && options.role !== 'coldkey') {
        throw new NoesisError(ChainErrorCode.MALFORMED, '--role must be hotkey or coldkey');
      }
      if (!EARNINGS_RANGES.includes(options.range as EarningsRange)) {
        throw new NoesisError(ChainErrorCode.MALFORMED, '--range must be 24h, 7d, 30d or all');
      }
      const range = options.range as EarningsRange;
      const role = options.role as Role | undefined;
      if (options.address !== undefined) keyOf(options.address);

      const target = await openTarget(options);
      let summary: EarningsSummary | null = null;
      const series: EarningsSeries[] = [];
      try {
        const getSeries = (address: string, r: Role) =>
          target.kind === 'api'
            ? callApi(target.api, 'earnings.series', { address, role: r, range })
            : Promise.resolve(earningsSeries(target.queries, { address, role: r, range }));
        if (options.address !== undefined) {
          series.push(await getSeries(options.address, role ?? 'coldkey'));
        } else {
          let name = options.wallet;
          if (target.kind === 'api') {
            if (name === undefined)
              name = onlyWallet((await callApi(target.api, 'wallet.list', {})).wallets);
            summary = await callApi(target.api, 'earnings.summary', { wallet: name });
          } else {
            const wallets = await localWallets(options);
            try {
              if (name === undefined) name = onlyWallet((await wallets.list()).wallets);
              const w = await wallets.show(name);
              const keys: WalletKeys = { name: w.name, coldkey: w.coldkey, hotkeys: w.hotkeys };
              summary = earningsSummary(target.queries, keys);
            } finally {
              wallets.close();
            }
          }
          if (role !== 'hotkey') series.push(await getSeries(summary.coldkey.address, 'coldkey'));
          if (role !== 'coldkey') {
            for (const h of summary.hotkeys) series.push(await getSeries(h.address, 'hotkey'));
          }
        }
      } finally {
        if (target.kind === 'local') await target.close();
      }
      print(options, { summary, series }, () =>
        [...(summary ? summaryText(summary) : []), ...series.flatMap(seriesText)].join('\n'),
      );
    });
}

function onlyWallet(wallets: ReadonlyArray<{ name: string }>): string {
  if (wallets.length === 1) return (wallets[0] as { name: string }).name;
  throw new NoesisError(
    ChainErrorCode.MALFORMED,
    wallets.length === 0
      ? 'no wallet in this data folder: give --address'
      : `several wallets (${wallets.map((w) => w.name).join(', ')}): give --wallet NAME`,
  );
}
