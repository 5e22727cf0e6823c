/**
 * `noesis subnet ...`: create a subnet naming the model its miners run, list subnets, show one.
 * Like `noesis chain`, the commands go through a running node's API when one runs on the data
 * folder; `list` and `show` otherwise open the chain folder read-only. `create` needs the running
 * node: it signs there when the wallet is unlocked, else the CLI unlocks the wallet here
 * (NOESIS_PASSWORD or --password-file), signs and submits the bytes. The command line is the
 * user's confirmation (the CLI is a trusted client: it passes `confirmed: true`).
 *
 * The model: `--model-file` hashes a GGUF file here (sha256 and exact size); `--catalog` takes
 * the file's sha256 and size from the model catalogue and refuses entries without a sha256.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { callApi } from '../api/http-client.ts';
import type { CreateSubnetInput } from '../api/methods/chain.ts';
import { defaultDataDir } from '../data-dir.ts';
import { isNoesisError, NoesisError } from '../errors.ts';
import { formatTao, parseTao } from '../chain/amount.ts';
import { ChainErrorCode } from '../chain/errors.ts';
import type { SubnetView, TxView } from '../chain/queries.ts';
import {
  checkSubnetModel,
  MODEL_RULE_BOUNDS,
  modelFromInput,
  type SubnetModelInput,
} from '../chain/subnet-model.ts';
import type { SubnetModel } from '../chain/types.ts';
import { loadCatalog } from '../inference/catalog.ts';
import { WalletService } from '../wallet/service.ts';
import {
  print,
  query,
  requireApi,
  signLocallyAndSubmit,
  withCommon,
  type Common,
} from './chain.ts';

function bad(message: string): never {
  throw new NoesisError(ChainErrorCode.MALFORMED, message);
}

function intArg(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    bad(`${what} must be an integer from ${min} to ${max}`);
  }
  return n;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface ModelOptions {
  modelFile?: string;
  catalog?: string;
  maxTokens?: string;
  tauMilli?: string;
}

/**
 * The model named on the command line, or null when neither --model-file nor --catalog is
 * given. `note` says where a figure is approximate (a catalogue size the publisher rounded).
 */
export async function modelFromOptions(
  options: ModelOptions,
): Promise<{ model: SubnetModelInput; note: string | null } | null> {
  if (options.modelFile !== undefined && options.catalog !== undefined) {
    bad('give --model-file or --catalog, not both');
  }
  const rules: Partial<SubnetModelInput> = {
    ...(options.maxTokens !== undefined
      ? {
          maxTokens: intArg(
            options.maxTokens,
            '--max-tokens',
            MODEL_RULE_BOUNDS.maxTokens.min,
            MODEL_RULE_BOUNDS.maxTokens.max,
          ),
        }
      : {}),
    ...(options.tauMilli !== undefined
      ? {
          tauMilli: intArg(
            options.tauMilli,
            '--tau-milli',
            MODEL_RULE_BOUNDS.tauMilli.min,
            MODEL_RULE_BOUNDS.tauMilli.max,
          ),
        }
      : {}),
  };
  if (options.modelFile !== undefined) {
    const file = path.resolve(options.modelFile);
    let size: number;
    try {
      const st = await stat(file);
      if (!st.isFile()) bad(`${file} is not a file`);
      size = st.size;
    } catch (error) {
      if (error instanceof NoesisError) throw error;
      bad(`cannot read ${file}: ${(error as Error).message}`);
    }
    if (size === 0) bad(`${file} is empty`);
    return {
      model: { catalogId: 'custom', sha256: await sha256File(file), sizeBytes: size, ...rules },
      note: null,
    };
  }
  if (options.catalog !== undefined) {
    const catalog = await loadCatalog();
    const entry = catalog.models.find((m) => m.id === options.catalog);
    if (entry === undefined) {
      bad(
        `no model "${options.catalog}" in the catalogue (noesis models catalog lists them): ${catalog.models.map((m) => m.id).join(', ')}`,
      );
    }
    if (entry.sha256 === null) {
      bad(
        `the catalogue gives no sha256 for "${entry.id}": download it and use --model-file instead`,
      );
    }
    return {
      model: { catalogId: entry.id, sha256: entry.sha256, sizeBytes: entry.sizeBytes, ...rules },
      note: entry.sizeExact
        ? null
        : `the catalogue's size of ${entry.id} (${entry.sizeBytes} bytes) is the publisher's rounded figure; the file is identified by its sha256`,
    };
  }
  return null;
}

function describeModel(m: SubnetModel | null): string[] {
  if (m === null) return ['  model       none: miners here cannot be verified'];
  return [
    `  model       ${m.catalogId}  ${m.sizeBytes} bytes`,
    `  sha256      ${m.sha256}`,
    `  answers     greedy, at most ${m.maxTokens} tokens, context ${m.contextSize}, protocol ${m.protocolVersion}`,
    `  verify      tau ${m.tauMilli / 1000} nats, ${m.maxViolations} miss(es) allowed per answer`,
  ];
}

function tao(rao: string): string {
  return `${formatTao(BigInt(rao))} TAO`;
}

function subnetText(s: SubnetView): string {
  return [
    `subnet ${s.netuid} (${s.taskType})`,
    `  owner       ${s.owner}`,
    `  hotkey      ${s.ownerHotkey}`,
    ...describeModel(s.model),
    `  neurons     ${s.neurons}/${s.maxUids}  burn ${tao(s.burn)}  locked ${tao(s.locked)}`,
    `  epochs      ${s.epochCount} (tempo ${s.tempo}, last at block ${s.lastEpochBlock})`,
  ].join('\n');
}

function netuidArg(text: string): number {
  return intArg(text, 'NETUID', 0, 65535);
}

interface CreateOptions extends Common, ModelOptions {
  taskType: string;
  maxLock?: string;
  wallet?: string;
  hotkeyIndex: string;
  passwordFile?: string;
  wait?: boolean;
}

export function addSubnetCommands(program: Command): void {
  const subnet = program
    .command('subnet')
    .description('subnets: create one naming the model its miners run, list them, show one');

  withCommon(subnet.command('list').description('every subnet with its model')).action(
    async (options: Common) => {
      const list = await query(options, 'chain.subnets', {}, (q) => q.subnets());
      print(
        options,
        list,
        () =>
          list
            .map(
              (s) =>
                `${String(s.netuid).padEnd(5)} ${s.taskType.padEnd(18)} ${String(s.neurons).padStart(4)}/${String(s.maxUids).padEnd(5)} ${s.model === null ? '(no model)' : `${s.model.catalogId} ${s.model.sha256.slice(0, 12)}…`}`,
            )
            .join('\n') || '(no subnets)',
      );
    },
  );

  withCommon(
    subnet.command('show <netuid>').description('one subnet: owner, model, rules, epochs'),
  ).action(async (netuidText: string, options: Common) => {
    const netuid = netuidArg(netuidText);
    const s = await query(options, 'chain.subnet', { netuid }, (q) => q.subnet(netuid));
    print(options, s, () => subnetText(s));
  });

  withCommon(
    subnet
      .command('create')
      .description('create a subnet (locks TAO) owned by a hotkey of your wallet')
      .requiredOption('--task-type <type>', 'task type, e.g. text-generation')
      .option('--model-file <file>', 'the GGUF file miners must run (hashed here)')
      .option('--catalog <id>', 'a catalogue model (sha256 and size from the catalogue)')
      .option('--max-tokens <n>', 'most new tokens per answer (default 32)')
      .option('--tau-milli <n>', 'verification margin in milli-nats (default 100)')
      .option('--max-lock <tao>', 'most TAO to lock (default: the lock cost now)')
      .option('--wallet <name>', 'wallet whose coldkey signs (default: the first wallet)')
      .option('--hotkey-index <i>', "the wallet's hotkey that owns the subnet", '0')
      .option(
        '--password-file <file>',
        'password file, if the wallet is locked in the node (or NOESIS_PASSWORD)',
      )
      .option('--no-wait', 'return once the node accepted it, without waiting for a block'),
  ).action(async (options: CreateOptions) => {
    if (options.modelFile === undefined && options.catalog === undefined) {
      bad('give the model miners must run: --model-file FILE.gguf or --catalog ID');
    }
    const hotkeyIndex = intArg(options.hotkeyIndex, '--hotkey-index', 0, 1_000_000);
    if (options.maxLock !== undefined) parseTao(options.maxLock);
    const named = (await modelFromOptions(options))!;
    const model = modelFromInput(named.model);
    checkSubnetModel(model);
    if (named.note !== null && options.json !== true) process.stderr.write(`note: ${named.note}\n`);
    const api = await requireApi(options);
    const waitMs = options.wait === false ? 0 : 60_000;
    const input: CreateSubnetInput = {
      taskType: options.taskType,
      model: named.model,
      hotkeyIndex,
      waitMs,
      confirmed: true,
      ...(options.wallet !== undefined ? { wallet: options.wallet } : {}),
      ...(options.maxLock !== undefined ? { maxLock: options.maxLock } : {}),
    };
    let tx: TxView;
    try {
      tx = await callApi(api, 'chain.createSubnet', input);
    } catch (error) {
      if (!isNoesisError(error, ChainErrorCode.WALLET_LOCKED)) throw error;
      const from = options.wallet ?? (error.data.wallet as string | undefined);
      if (from === undefined) throw error;
      tx = await signLocally({ ...options, from }, api, hotkeyIndex, model, waitMs);
    }
    const created =
      tx.status === 'included'
        ? (await callApi(api, 'chain.subnets', {})).find(
            (s) => s.createdAt === tx.height && s.owner === tx.signer,
          )
        : undefined;
    const result = { netuid: created?.netuid ?? null, subnet: created ?? null, tx };
    print(options, result, () =>
      [
        created !== undefined
          ? subnetText(created)
          : `subnet creation ${tx.status === 'included' ? `included in block ${tx.height}` : 'pending'}`,
        `  tx          ${tx.hash}`,
      ].join('\n'),
    );
  });
}

async function signLocally(
  options: CreateOptions & { from: string },
  api: Awaited<ReturnType<typeof requireApi>>,
  hotkeyIndex: number,
  model: SubnetModel,
  waitMs: number,
): Promise<TxView> {
  const wallets = new WalletService({
    dataDir: path.resolve(options.dataDir ?? defaultDataDir()),
    autoLockMs: 0,
  });
  let hotkey: string;
  try {
    const info = await wallets.show(options.from);
    const hk = info.hotkeys.find((h) => h.index === hotkeyIndex);
    if (hk === undefined) bad(`wallet "${options.from}" has no hotkey ${hotkeyIndex}`);
    hotkey = hk.publicKey.toLowerCase();
  } finally {
    wallets.close();
  }
  const status = await callApi(api, 'chain.status', {});
  const maxLock =
    options.maxLock !== undefined
      ? parseTao(options.maxLock)
      : BigInt(status.subnetLockCost ?? '0');
  return signLocallyAndSubmit(
    options,
    api,
    { kind: 'create_subnet', hotkey, taskType: options.taskType, maxLock, model },
    undefined,
    waitMs,
  );
}
