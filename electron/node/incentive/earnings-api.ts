/** The earnings and metagraph part of the API: thin calls into incentive/earnings.ts. */
import type { ApiHandlers } from '../api/contract.ts';
import type { ChainService } from '../chain/service.ts';
import type { WalletService } from '../wallet/service.ts';
import {
  earningsSeries,
  earningsSummary,
  metagraphWithOwn,
  subnetList,
  validatorApy,
  type WalletKeys,
} from './earnings.ts';

type EarningsMethod = Extract<keyof ApiHandlers, `earnings.${string}` | `metagraph.${string}`>;

export function createEarningsHandlers(
  chain: ChainService,
  wallets: Pick<WalletService, 'show'>,
): Pick<ApiHandlers, EarningsMethod> {
  const keys = async (name: string): Promise<WalletKeys> => {
    const w = await wallets.show(name);
    return { name: w.name, coldkey: w.coldkey, hotkeys: w.hotkeys };
  };
  return {
    'earnings.summary': async ({ wallet }) => earningsSummary(chain.queries, await keys(wallet)),
    'earnings.series': async (input) => earningsSeries(chain.queries, input),
    'earnings.apy': async ({ netuid, epochs }) =>
      validatorApy(chain.queries, netuid, epochs, chain.status().blockIntervalMs ?? undefined),
    'metagraph.get': async ({ netuid, wallet }) =>
      metagraphWithOwn(chain.queries, netuid, wallet === undefined ? null : await keys(wallet)),
    'metagraph.subnets': async () => subnetList(chain.queries),
  };
}
