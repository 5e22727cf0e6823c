/**
 * What both roles need from the rest of the node, and the small chain reads and hotkey-signed
 * submissions they share. Roles never reach for a global: the service hands them this context.
 */
import type { ChainService } from '../chain/service.ts';
import type { NetworkService } from '../network/service.ts';
import type { ModelsService } from '../inference/models-service.ts';
import type { WalletService } from '../wallet/service.ts';
import type { ChainState, Neuron, Subnet, SubnetModel } from '../chain/types.ts';
import { netuidKey } from '../chain/types.ts';
import type { TxCall, TxBody, SignedTx } from '../chain/tx.ts';
import { signTx } from '../chain/tx.ts';
import type { WorkingHotkey } from '../network/node-key.ts';
import type { RoleReason, RoleReasonCode, RoleStanding } from '../api/methods/roles.ts';
import type { Logger } from '../logger.ts';
import { NoesisError } from '../errors.ts';

export interface RolesContext {
  dataDir: string;
  chain: ChainService;
  network: NetworkService;
  models: ModelsService;
  wallets: WalletService;
  logger: Logger;
}

/** A role could not start; `code` is the reason the UI shows. */
export class RoleError extends NoesisError {
  readonly reason: RoleReasonCode;
  constructor(reason: RoleReasonCode, message: string, data: Record<string, unknown> = {}) {
    super(`ROLE_${reason}`, message, { ...data, reason });
    this.reason = reason;
  }
}

export function reasonOf(error: unknown): RoleReason {
  if (error instanceof RoleError) return { code: error.reason, message: error.message };
  return { code: 'FAILED', message: error instanceof Error ? error.message : String(error) };
}

export function stateOf(ctx: RolesContext): ChainState {
  const store = ctx.chain.openStore;
  if (store === null) throw new RoleError('NODE_STOPPED', 'the chain is not open: start the node');
  return store.state;
}

export function subnetOf(state: ChainState, netuid: number): Subnet {
  const subnet = state.subnets.get(netuidKey(netuid));
  if (subnet === undefined) {
    throw new RoleError('NO_SUBNET', `subnet ${netuid} does not exist on this network`, { netuid });
  }
  return subnet;
}

export function modelOf(subnet: Subnet): SubnetModel {
  if (subnet.model === null) {
    throw new RoleError(
      'NO_SUBNET_MODEL',
      `subnet ${subnet.netuid} names no model, so its answers cannot be verified`,
      { netuid: subnet.netuid },
    );
  }
  return subnet.model;
}

export function neuronOf(subnet: Subnet, hotkey: string): Neuron | null {
  return subnet.neurons.find((n) => n.hotkey === hotkey) ?? null;
}

const U16 = 65535;

export function standingOf(state: ChainState, subnet: Subnet, hotkey: string): RoleStanding {
  const n = neuronOf(subnet, hotkey);
  const stake = state.hotkeys.get(hotkey)?.totalStake ?? 0n;
  if (n === null) {
    return {
      uid: null,
      rank: 0,
      trust: 0,
      incentive: 0,
      dividends: 0,
      emission: '0',
      validatorPermit: false,
      stake: stake.toString(),
    };
  }
  return {
    uid: n.uid,
    rank: n.rank / U16,
    trust: n.trust / U16,
    incentive: n.incentive / U16,
    dividends: n.dividends / U16,
    emission: n.emission.toString(),
    validatorPermit: n.validatorPermit,
    stake: stake.toString(),
  };
}

/**
 * Signs `call` with the working hotkey and submits it (hotkey-signed kinds need no fee and no
 * confirmation: they move no funds). Resolves once included when `waitMs` > 0.
 */
export async function submitAsHotkey(
  ctx: RolesContext,
  hotkey: WorkingHotkey,
  call: TxCall,
  waitMs = 0,
): Promise<SignedTx> {
  const state = stateOf(ctx);
  const body = {
    chainId: state.chainId,
    signer: hotkey.publicKey,
    nonce: ctx.chain.mempool.nextNonce(hotkey.publicKey, state),
    fee: 0n,
    ...call,
  } as TxBody;
  const tx = signTx(body, hotkey.secretKey);
  await ctx.chain.submitTx(tx, waitMs);
  return tx;
}

/**
 * Makes sure the engine holds `file` (the subnet's model), loading it again when someone loaded
 * another model in its place or the engine process crashed and came back empty: a role must
 * never answer, or judge, with another model than the one the subnet names.
 */
export async function ensureModel(
  ctx: RolesContext,
  file: string,
  options: { contextSize: number; threads?: number | undefined },
): Promise<void> {
  if (ctx.models.engineStatus().model?.path === file) return;
  ctx.logger.info({ model: file }, 'roles: loading the subnet model');
  await ctx.models.load({
    path: file,
    contextSize: options.contextSize,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
}
