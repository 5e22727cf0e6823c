/**
 * `noesis gov ...`: list, show, history, params, propose (a parameter, an upgrade, a subnet's model
 * or a text), vote. Like `noesis chain`, given the
 * data folder of a running node the commands go through its API; without one, the read-only
 * commands open the chain folder themselves. Proposing and voting need the running node: the
 * node signs if the wallet is unlocked there, else the CLI unlocks it locally (NOESIS_PASSWORD or
 * --password-file), signs and submits the bytes. The command line is the user's confirmation
 * (the CLI is a trusted client: it passes `confirmed: true`).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { callApi } from '../api/http-client.ts';
import type { ApiFile } from '../api/discovery.ts';
import type { ProposeInput, ProposeResult, VoteResult } from '../api/methods/gov.ts';
import { isNoesisError, NoesisError } from '../errors.ts';
import { formatTao, parseTao } from '../chain/amount.ts';
import { ChainErrorCode } from '../chain/errors.ts';
import {
  GovernanceQueries,
  type ProposalDetailView,
  type ProposalView,
} from '../chain/governance-queries.ts';
import type { ChainQueries } from '../chain/queries.ts';
import type { TxView } from '../chain/queries.ts';
import type { TxCall } from '../chain/tx.ts';
import type { ProposalAction } from '../chain/types.ts';
import { modelFromInput } from '../chain/subnet-model.ts';
import { modelFromOptions, type ModelOptions } from './subnet.ts';
import {
  print,
  query,
  requireApi,
  signLocallyAndSubmit,
  withCommon,
  type Common,
} from './chain.ts';

const gq = (q: ChainQueries) =>
  new GovernanceQueries(
    () => q.state,
    () => q.state.params.blockIntervalMs,
  );

function bad(message: string): never {
  throw new NoesisError(ChainErrorCode.MALFORMED, message);
}

function intArg(text: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n > max) {
    bad(`${what} must be an integer from 0 to ${max}`);
  }
  return n;
}

function tao(rao: string): string {
  return `${formatTao(BigInt(rao))} TAO`;
}

function line(p: ProposalView): string {
  const what =
    p.param !== null
      ? `${p.param.name}${p.param.netuid === null ? '' : `@${p.param.netuid}`} → ${p.param.value}`
      : p.upgrade !== null
        ? `upgrade ${p.upgrade.version} at ${p.upgrade.activationHeight}`
        : p.subnetModel !== null
          ? `model@${p.subnetModel.netuid} → ${p.subnetModel.model.catalogId} ${p.subnetModel.model.sha256.slice(0, 8)}…`
          : 'text';
  return `#${String(p.id).padEnd(4)} ${p.status.padEnd(8)} ${what.padEnd(28)} end ${p.endHeight}  yes ${tao(p.tally.yes)}  no ${tao(p.tally.no)}  "${p.title}"`;
}

function detail(p: ProposalDetailView): string {
  return [
    line(p),
    `  proposer   ${p.proposer}  deposit ${tao(p.deposit)}`,
    `  period     ${p.createdAt} → ${p.endHeight}${p.blocksLeft > 0 ? ` (${p.blocksLeft} blocks left)` : ''}`,
    `  tally      yes ${tao(p.tally.yes)}  no ${tao(p.tally.no)}  abstain ${tao(p.tally.abstain)}`,
    `  quorum     ${tao(p.tally.turnout)} of ${tao(p.tally.quorumNeeded)} needed (${p.quorum / 100} % of ${tao(p.tally.totalStake)} staked)${p.tally.quorumReached ? ' reached' : ''}`,
    `  top ten    ${(p.concentration.top10Bps / 100).toFixed(2)} % of the power; ${p.concentration.decisiveVoters} voter(s) decide`,
    ...(p.param?.oldValue != null
      ? [`  enacted    at ${p.enactedAt}: ${p.param.oldValue} → ${p.param.value}`]
      : p.enactHeight !== null
        ? [`  takes effect at block ${p.enactHeight}`]
        : []),
    ...(p.description ? ['', p.description] : []),
    ...(p.votes.length > 0 ? ['', 'votes:'] : []),
    ...p.votes.map(
      (v) =>
        `  ${v.choice.padEnd(7)} ×${v.conviction === 0 ? '0.1' : v.conviction} ${tao(v.power).padEnd(20)} ${v.voter}${v.lockUntil ? ` locked until ${v.lockUntil}` : ''}`,
    ),
  ].join('\n');
}

interface SendOptions extends Common {
  from: string;
  fee?: string;
  passwordFile?: string;
  wait?: boolean;
}

/**
 * Through the node's wallet if unlocked there; else signs here and submits the bytes.
 * Returns the API result, or the TxView of the locally signed transaction.
 */
async function send<R>(
  options: SendOptions,
  viaApi: (
    api: ApiFile,
    common: { wallet: string; waitMs: number; confirmed: true; fee?: string },
  ) => Promise<R>,
  call: (api: ApiFile) => Promise<TxCall>,
): Promise<{ result: R } | { tx: TxView; api: ApiFile }> {
  const api = await requireApi(options);
  const fee = options.fee !== undefined ? parseTao(options.fee) : undefined;
  const waitMs = options.wait === false ? 0 : 60_000;
  const common = {
    wallet: options.from,
    waitMs,
    confirmed: true as const,
    ...(fee !== undefined ? { fee: fee.toString() } : {}),
  };
  try {
    return { result: await viaApi(api, common) };
  } catch (error) {
    if (!isNoesisError(error, ChainErrorCode.WALLET_LOCKED)) throw error;
  }
  const tx = await signLocallyAndSubmit(options, api, await call(api), fee, waitMs);
  return { tx, api };
}

function txLine(tx: TxView): string {
  return `${tx.status === 'included' ? `included in block ${tx.height}` : 'pending'}  ${tx.hash}`;
}

const sendOptions = (c: Command) =>
  withCommon(c)
    .requiredOption('--from <wallet>', 'wallet whose coldkey signs')
    .option('--fee <tao>', 'fee in TAO (default: the chain minimum)')
    .option(
      '--password-file <file>',
      'password file, if the wallet is locked in the node (or NOESIS_PASSWORD)',
    )
    .option('--no-wait', 'return once the node accepted it, without waiting for a block');

export function addGovCommands(program: Command): void {
  const gov = program
    .command('gov')
    .description('governance: propose protocol changes and vote on them with your stake');

  withCommon(gov.command('list').description('every proposal, newest first')).action(
    async (options: Common) => {
      const list = await query(options, 'gov.list', {}, (q) => gq(q).list());
      print(options, list, () => list.map(line).join('\n') || '(no proposals)');
    },
  );

  withCommon(gov.command('show <id>').description('a proposal with its tally and votes')).action(
    async (idText: string, options: Common) => {
      const id = intArg(idText, 'ID', 2 ** 32 - 1);
      const p = await query(options, 'gov.show', { id }, (q) => gq(q).show(id));
      print(options, p, () => detail(p));
    },
  );

  withCommon(
    gov.command('history').description('every enacted change: proposer, tally, block, old → new'),
  ).action(async (options: Common) => {
    const list = await query(options, 'gov.history', {}, (q) => gq(q).history());
    print(options, list, () => list.map(line).join('\n') || '(no enacted changes)');
  });

  withCommon(
    gov.command('params').description('the parameters governance can change, with bounds'),
  ).action(async (options: Common) => {
    const v = await query(options, 'gov.params', {}, (q) => gq(q).params());
    print(options, v, () =>
      [
        `voting period ${v.votingPeriod} blocks, quorum ${v.quorum / 100} %, enactment ${v.enactmentDelay} blocks, deposit ${tao(v.proposalDeposit)}`,
        ...v.params.map(
          (p) =>
            `  ${p.name.padEnd(26)} ${p.scope.padEnd(7)} ${p.current.padStart(16)}  [${p.min}, ${p.max}] ${p.unit}  ${p.summary}`,
        ),
      ].join('\n'),
    );
  });

  sendOptions(
    gov
      .command('propose')
      .description(
        "propose a parameter change (--param), an upgrade (--upgrade), a subnet's model (--subnet-model) or a text (--text)",
      )
      .requiredOption('--title <text>', 'title (at most 120 characters)')
      .option('--param <name>', 'parameter to change (see "noesis gov params")')
      .option('--value <n>', 'new value: an integer in the parameter unit (rao for amounts)')
      .option(
        '--netuid <n>',
        'subnet whose parameter changes (default: the defaults of new subnets)',
      )
      .option('--upgrade <version>', 'protocol upgrade signal: the version x.y.z')
      .option('--activation-height <h>', 'block at which the upgrade activates')
      .option(
        '--subnet-model <netuid>',
        'the model subnet NETUID runs: with --model-file or --catalog, --max-tokens, --tau-milli',
      )
      .option('--model-file <file>', '--subnet-model: the GGUF file miners must run')
      .option('--catalog <id>', '--subnet-model: a catalogue model (sha256 and size from it)')
      .option('--max-tokens <n>', '--subnet-model: most new tokens per answer (default 32)')
      .option('--tau-milli <n>', '--subnet-model: verification margin, milli-nats (default 100)')
      .option('--text <text>', 'a text proposal with this body')
      .option('--description-file <file>', 'description (at most 2000 characters)'),
  ).action(
    async (
      options: SendOptions &
        ModelOptions & {
          title: string;
          subnetModel?: string;
          param?: string;
          value?: string;
          netuid?: string;
          upgrade?: string;
          activationHeight?: string;
          text?: string;
          descriptionFile?: string;
        },
    ) => {
      const forms = [
        options.param !== undefined,
        options.upgrade !== undefined,
        options.subnetModel !== undefined,
        options.text !== undefined,
      ];
      if (forms.filter(Boolean).length !== 1)
        bad('give exactly one of --param, --upgrade, --subnet-model or --text');
      const description =
        options.descriptionFile !== undefined
          ? (await readFile(options.descriptionFile, 'utf8')).trimEnd()
          : undefined;
      let input: Omit<ProposeInput, 'wallet'>;
      let action: ProposalAction;
      if (options.param !== undefined) {
        if (options.value === undefined) bad('--param needs --value');
        const value = options.value.trim();
        if (!/^\d{1,20}$/.test(value)) bad('--value must be an unsigned integer');
        const netuid =
          options.netuid !== undefined ? intArg(options.netuid, '--netuid', 65535) : undefined;
        input = {
          kind: 'param',
          param: options.param,
          value,
          title: options.title,
          ...(netuid !== undefined ? { netuid } : {}),
        };
        action = {
          kind: 'param',
          param: options.param,
          netuid: netuid ?? null,
          value: BigInt(value),
        };
      } else if (options.subnetModel !== undefined) {
        const netuid = intArg(options.subnetModel, '--subnet-model', 65535);
        const named = await modelFromOptions(options);
        if (named === null) bad('--subnet-model needs --model-file or --catalog');
        if (named.note !== null && options.json !== true) {
          process.stderr.write(`note: ${named.note}\n`);
        }
        input = { kind: 'subnet_model', netuid, model: named.model, title: options.title };
        action = { kind: 'subnet_model', netuid, model: modelFromInput(named.model) };
      } else if (options.upgrade !== undefined) {
        if (options.activationHeight === undefined) bad('--upgrade needs --activation-height');
        const activationHeight = intArg(options.activationHeight, '--activation-height');
        input = {
          kind: 'upgrade',
          version: options.upgrade,
          activationHeight,
          title: options.title,
        };
        action = { kind: 'upgrade', version: options.upgrade, activationHeight };
      } else {
        input = { kind: 'text', text: options.text, title: options.title };
        action = { kind: 'text' };
      }
      if (description !== undefined) input = { ...input, description };
      const sent = await send<ProposeResult>(
        options,
        (api, common) => callApi(api, 'gov.propose', { ...input, ...common }),
        async (api) => {
          const params = await callApi(api, 'gov.params', {});
          return {
            kind: 'propose',
            deposit: BigInt(params.proposalDeposit),
            title: options.title,
            description: description ?? options.text ?? '',
            action,
          };
        },
      );
      let result: ProposeResult;
      if ('result' in sent) result = sent.result;
      else {
        let id: number | null = null;
        if (sent.tx.status === 'included') {
          const list = await callApi(sent.api, 'gov.list', {});
          const mine = list.filter(
            (p) =>
              p.proposer === sent.tx.signer &&
              p.createdAt === sent.tx.height &&
              p.title === options.title,
          );
          id = mine[0]?.id ?? null;
        }
        result = { id, tx: sent.tx };
      }
      print(options, result, () =>
        [`proposal ${result.id ?? '(pending)'}`, `  ${txLine(result.tx)}`].join('\n'),
      );
    },
  );

  sendOptions(
    gov
      .command('vote')
      .description('vote on a proposal; a later vote replaces it until the period ends')
      .requiredOption('--proposal <id>', 'proposal id')
      .requiredOption('--choice <choice>', 'yes, no or abstain')
      .option('--conviction <n>', '0 (×0.1, no lock) to 6 (×6, locked for 32 voting periods)', '0'),
  ).action(
    async (options: SendOptions & { proposal: string; choice: string; conviction: string }) => {
      const proposal = intArg(options.proposal, '--proposal', 2 ** 32 - 1);
      const conviction = intArg(options.conviction, '--conviction', 6);
      const choice = options.choice;
      if (choice !== 'yes' && choice !== 'no' && choice !== 'abstain') {
        bad('--choice must be yes, no or abstain');
      }
      const sent = await send<VoteResult>(
        options,
        (api, common) => callApi(api, 'gov.vote', { proposal, choice, conviction, ...common }),
        async () => ({ kind: 'vote', proposal, choice, conviction }),
      );
      const result: VoteResult =
        'result' in sent
          ? sent.result
          : { proposal, choice, conviction, power: '0', lockUntil: 0, tx: sent.tx };
      print(options, result, () =>
        [
          `vote ${choice} on #${proposal} with conviction ${conviction}: ${tao(result.power)} of power${result.lockUntil ? `, stake locked until block ${result.lockUntil}` : ''}`,
          `  ${txLine(result.tx)}`,
        ].join('\n'),
      );
    },
  );
}
