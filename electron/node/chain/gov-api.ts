/** Governance's part of the API: thin calls into ChainService, input already validated. */
import type { ApiHandlers, CallContext } from '../api/contract.ts';
import type { ProposeInput } from '../api/methods/gov.ts';
import { formatTao } from './amount.ts';
import { chainError, ChainErrorCode } from './errors.ts';
import { keyOf } from './queries.ts';
import type { ChainService, SignOptions } from './service.ts';
import { modelFromInput, type SubnetModelInput } from './subnet-model.ts';
import type { ProposalAction } from './types.ts';

type GovMethod = Extract<keyof ApiHandlers, `gov.${string}`>;

function signOptions(
  i: { fee?: string | undefined; waitMs?: number | undefined; confirmed?: boolean | undefined },
  context: CallContext | undefined,
): SignOptions {
  return {
    ...(i.fee !== undefined ? { fee: BigInt(i.fee) } : {}),
    waitMs: i.waitMs ?? 0,
    // The renderer (IPC) can never pre-approve its own request: the user must see it.
    preconfirmed: i.confirmed === true && context?.transport !== 'ipc',
  };
}

function actionOf(i: ProposeInput): ProposalAction {
  if (i.kind === 'param') {
    return {
      kind: 'param',
      param: i.param as string,
      netuid: i.netuid ?? null,
      value: BigInt(i.value as string),
    };
  }
  if (i.kind === 'subnet_model') {
    return {
      kind: 'subnet_model',
      netuid: i.netuid as number,
      model: modelFromInput(i.model as SubnetModelInput),
    };
  }
  if (i.kind === 'upgrade') {
    return {
      kind: 'upgrade',
      version: i.version as string,
      activationHeight: i.activationHeight as number,
    };
  }
  return { kind: 'text' };
}

export function createGovHandlers(chain: ChainService): Pick<ApiHandlers, GovMethod> {
  return {
    'gov.list': async () => chain.gov.list(),
    'gov.show': async ({ id }) => chain.gov.show(id),
    'gov.history': async () => chain.gov.history(),
    'gov.params': async () => chain.gov.params(),
    'gov.voter': async ({ address }) => chain.gov.voter(address),
    'gov.propose': async (i, context) => {
      const deposit = chain.queries.state.params.proposalDeposit;
      const tx = await chain.signAndSubmit(
        i.wallet,
        {
          kind: 'propose',
          deposit,
          title: i.title,
          description: i.description ?? i.text ?? '',
          action: actionOf(i),
        },
        {
          ...signOptions(i, context),
          details: () => [
            {
              label: 'Deposit rule',
              value: `${formatTao(deposit)} TAO held; refunded if the vote reaches quorum, burned otherwise`,
            },
          ],
        },
      );
      const id =
        tx.status === 'included' && tx.height !== null
          ? chain.gov.createdBy(keyOf(tx.signer), tx.height, i.title)
          : null;
      return { id, tx };
    },
    'gov.vote': async (i, context) => {
      const conviction = i.conviction ?? 0;
      let preview: { stake: bigint; power: bigint; lockUntil: number } | null = null;
      const tx = await chain.signAndSubmit(
        i.wallet,
        { kind: 'vote', proposal: i.proposal, choice: i.choice, conviction },
        {
          ...signOptions(i, context),
          details: (body) => {
            preview = chain.gov.preview(body.signer, i.proposal, conviction);
            if (preview.stake === 0n) {
              throw chainError(ChainErrorCode.GOV_NO_STAKE, 'no stake, so no voting power', {
                voter: body.signer,
              });
            }
            return [
              {
                label: 'Voting power',
                value: `${formatTao(preview.power)} TAO of power (stake ${formatTao(preview.stake)} TAO)`,
              },
              {
                label: 'Lock',
                value:
                  preview.lockUntil === 0
                    ? 'none: the stake stays free to unstake'
                    : `${formatTao(preview.stake)} TAO of stake cannot be unstaked until block ${preview.lockUntil}`,
              },
            ];
          },
        },
      );
      const p = preview as { stake: bigint; power: bigint; lockUntil: number } | null;
      return {
        proposal: i.proposal,
        choice: i.choice,
        conviction,
        power: (p?.power ?? 0n).toString(),
        lockUntil: p?.lockUntil ?? 0,
        tx,
      };
    },
  };
}
