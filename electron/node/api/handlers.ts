/**
 * The node's implementation of the contract, composed from each domain's handlers. Each entry is
 * thin: it calls the module that owns the work. Input has already been validated by `dispatch`.
 */
import type { ApiHandlers } from './contract.ts';
import type { Config } from '../config.ts';
import type { ConfigPatch } from './methods/config.ts';
import type { AppInfo } from './methods/app.ts';
import type { NoesisNode } from '../node.ts';
import type { LogRing } from '../logger.ts';
import type { ModelsService } from '../inference/models-service.ts';
import { createModelsHandlers } from '../inference/api.ts';
import type { WalletService } from '../wallet/service.ts';
import { createWalletHandlers } from '../wallet/api.ts';
import type { ChainService } from '../chain/service.ts';
import { createChainHandlers } from '../chain/api.ts';
import { createEarningsHandlers } from '../incentive/earnings-api.ts';
import { createGovHandlers } from '../chain/gov-api.ts';
import type { ConfirmationBroker } from '../wallet/confirm.ts';
import type { NetworkService } from '../network/service.ts';
import type { RolesService } from '../roles/service.ts';
import { availableNetworks, joinNetwork } from '../network/available.ts';

export interface HandlerDeps {
  config: { get(): Config; update(patch: ConfigPatch): Promise<Config> };
  info: AppInfo;
  node: NoesisNode;
  logs: LogRing;
  models: ModelsService;
  wallets: WalletService;
  chain: ChainService;
  confirmations: ConfirmationBroker;
  network: NetworkService;
  roles: RolesService;
}

export function createApiHandlers(deps: HandlerDeps): ApiHandlers {
  return {
    'app.info': async () => deps.info,
    'node.status': async () => deps.node.status(),
    'node.start': async () => deps.node.start(),
    'node.stop': async () => deps.node.stop('user'),
    'logs.recent': async ({ limit }) => deps.logs.recent(limit ?? 200),
    ...createModelsHandlers(deps.models),
    ...createWalletHandlers(deps.wallets),
    ...createChainHandlers(deps.chain),
    ...createEarningsHandlers(deps.chain, deps.wallets),
    ...createGovHandlers(deps.chain),
    'network.status': () => deps.network.status(),
    'network.available': () => availableNetworks({ dataDir: deps.info.dataDir }),
    'network.join': ({ id }) => joinNetwork({ dataDir: deps.info.dataDir, id }),
    'roles.status': () => deps.roles.status(),
    'roles.mine.start': (input, context) =>
      deps.roles.startMining(input, input.confirmed === true && context?.transport !== 'ipc'),
    'roles.mine.stop': () => deps.roles.stopMining(),
    'roles.validate.start': (input) => deps.roles.startValidating(input),
    'roles.validate.stop': () => deps.roles.stopValidating(),
    'roles.proof': ({ taskId }) => deps.roles.proof(taskId),
    'config.get': async () => deps.config.get(),
    'config.update': (patch) => deps.config.update(patch),
    'confirm.pending': async () => deps.confirmations.pending(),
    'confirm.respond': async ({ id, approve }) => {
      deps.confirmations.respond(id, approve);
      return { ok: true as const };
    },
  };
}
