/** The chain's part of the API: thin calls into ChainService, input already validated. */
import type { ApiHandlers, CallContext } from '../api/contract.ts';
import type { ChainService } from './service.ts';
import { modelFromInput } from './subnet-model.ts';

type ChainMethod = Extract<keyof ApiHandlers, `chain.${string}`>;

export function createChainHandlers(chain: ChainService): Pick<ApiHandlers, ChainMethod> {
  const opts = (
    i: { fee?: string | undefined; waitMs?: number | undefined; confirmed?: boolean | undefined },
    context: CallContext | undefined,
  ) => ({
    ...(i.fee !== undefined ? { fee: BigInt(i.fee) } : {}),
    waitMs: i.waitMs ?? 0,
    // The renderer (IPC) can never pre-approve its own request: the user must see it.
    preconfirmed: i.confirmed === true && context?.transport !== 'ipc',
  });
  return {
    'chain.status': async () => chain.status(),
    'chain.balance': async ({ address }) => chain.queries.balance(address),
    'chain.block': ({ height, hash }) =>
      chain.queries.block(height ?? (hash as string).toLowerCase()),
    'chain.blocks': ({ limit, before }) => chain.queries.recentBlocks(limit ?? 20, before),
    'chain.tx': ({ hash }) => chain.queries.tx(hash),
    'chain.history': async ({ address, limit, before }) =>
      chain.queries.history(address, limit ?? 50, before),
    'chain.subnets': async () => chain.queries.subnets(),
    'chain.subnet': async ({ netuid }) => chain.queries.subnet(netuid),
    'chain.proofCommit': async ({ hotkey, netuid, epoch }) =>
      chain.queries.proofCommit(hotkey, netuid, epoch),
    'chain.metagraph': async ({ netuid }) => chain.queries.metagraph(netuid),
    'chain.earnings': async ({ address, role, fromBlock, toBlock }) =>
      chain.queries.earnings(address, role, fromBlock ?? 0, toBlock ?? Number.MAX_SAFE_INTEGER),
    'chain.submit': ({ tx, waitMs }) => chain.submitBytes(tx, waitMs ?? 0),
    'chain.transfer': (i, c) => chain.transfer(i.wallet, i.to, i.amount, opts(i, c)),
    'chain.stake': (i, c) => chain.stake(i.wallet, i.hotkey, i.amount, opts(i, c)),
    'chain.unstake': (i, c) => chain.unstake(i.wallet, i.hotkey, i.amount, opts(i, c)),
    'chain.createSubnet': (i, c) =>
      chain.createSubnet(
        {
          wallet: i.wallet,
          hotkeyIndex: i.hotkeyIndex,
          taskType: i.taskType,
          model: i.model === null ? null : modelFromInput(i.model),
          maxLock: i.maxLock,
        },
        opts(i, c),
      ),
  };
}
