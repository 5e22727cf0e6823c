/**
 * `noesis chain ...`: status, balance, block, tx, metagraph, history, earnings, transfer, stake,
 * unstake. Given the data folder of a running node (`--data-dir`, found through its api.json) the
 * commands go through that node's API. Without a running node, the read-only commands open the
 * chain folder themselves (log replayed in memory, nothing written); the commands that send a
 * transaction need the running node.
 *
 * Sending: the node signs if the wallet is unlocked there; otherwise the CLI unlocks the wallet
 * locally (NOESIS_PASSWORD or --password-file, or a prompt), signs, and submits the signed bytes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { callApi } from '../api/http-client.ts';
import { findRunningApi, type ApiFile } from '../api/discovery.ts';
import type { MethodInput, MethodName, MethodResult } from '../api/contract.ts';
import { defaultDataDir } from '../data-dir.ts';
import { isNoesisError, NoesisError } from '../errors.ts';
import { formatTao, parseTao } from '../chain/amount.ts';
import { encodeSignedTx } from '../chain/codec.ts';
import { toHex } from '../chain/crypto.ts';
import { chainError, ChainErrorCode } from '../chain/errors.ts';
import { genesisState } from '../chain/genesis.ts';
import { ChainQueries, keyOf, type TxView } from '../chain/queries.ts';
import { ChainStore } from '../chain/store/chain-store.ts';
import { txMessage, type TxBody, type TxCall } from '../chain/tx.ts';
import { WalletService } from '../wallet/service.ts';
import { readPassword } from './prompt.ts';
import { addGenesisCommand } from './network.ts';

export interface Common {
  dataDir?: string;
  json?: boolean;
}

export function print(options: Common, value: unknown, text: () => string): void {
  process.stdout.write(options.json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
}

/** A running node's API, or a read-only view of the chain folder. */
export type Target =
  | { kind: 'api'; api: ApiFile }
  | { kind: 'local'; queries: ChainQueries; close: () => Promise<void> };

export async function openTarget(options: Common): Promise<Target> {
  const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
  const api = await findRunningApi(dataDir);
  if (api !== null) return { kind: 'api', api };
  const dir = path.join(dataDir, 'chain');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(ChainStore.files(dir).genesis, 'utf8'));
  } catch {
    throw chainError(
      ChainErrorCode.NOT_RUNNING,
      `no node runs on ${dataDir} and it holds no chain yet`,
      {
        dataDir,
      },
    );
  }
  const store = await ChainStore.open({ dir, genesis: genesisState(raw), readOnly: true });
  return { kind: 'local', queries: new ChainQueries(store), close: () => store.close() };
}

export async function query<M extends MethodName>(
  options: Common,
  method: M,
  input: MethodInput<M>,
  local: (q: ChainQueries) => Promise<MethodResult<M>> | MethodResult<M>,
): Promise<MethodResult<M>> {
  const target = await openTarget(options);
  if (target.kind === 'api') return callApi(target.api, method, input);
  try {
    return await local(target.queries);
  } finally {
    await target.close();
  }
}

export async function requireApi(options: Common): Promise<ApiFile> {
  const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
  const api = await findRunningApi(dataDir);
  if (api === null) {
    throw chainError(
      ChainErrorCode.NOT_RUNNING,
      `no node runs on ${dataDir}: start it with "noesis start"`,
      {
        dataDir,
      },
    );
  }
  return api;
}

export function withCommon(command: Command): Command {
  return command
    .option(
      '--data-dir <dir>',
      'data folder of the node (default: the per-OS application data folder)',
    )
    .option('--json', 'print JSON');
}

function taoOf(rao: string | null): string {
  return rao === null ? '-' : `${formatTao(BigInt(rao))} TAO`;
}

interface SendOptions extends Common {
  from: string;
  amount: string;
  fee?: string;
  passwordFile?: string;
  noWait?: boolean;
}

/**
 * The CLI's fallback when the wallet is locked inside the running node: unlock it here (the
 * password from NOESIS_PASSWORD, --password-file or a prompt), sign the transaction with the
 * signer's next nonce and the chain's minimum fee unless one was given, and submit the bytes.
 */
export async function signLocallyAndSubmit(
  options: { dataDir?: string; from: string; passwordFile?: string },
  api: ApiFile,
  call: TxCall,
  fee: bigint | undefined,
  waitMs: number,
): Promise<TxView> {
  const wallets = new WalletService({
    dataDir: path.resolve(options.dataDir ?? defaultDataDir()),
    autoLockMs: 0,
  });
  const info = await wallets.unlock(
    options.from,
    await readPassword({
      passwordFile: options.passwordFile,
      label: `Password of ${options.from}`,
    }),
  );
  try {
    const status = await callApi(api, 'chain.status', {});
    const balance = await callApi(api, 'chain.balance', { address: info.coldkey.address });
    const body = {
      chainId: status.chainId as string,
      signer: info.coldkey.publicKey.toLowerCase(),
      nonce: balance.nonce,
      fee: fee ?? BigInt(status.minFee ?? '100000'),
      ...call,
    } as TxBody;
    const signed = wallets.sign(options.from, { kind: 'coldkey', message: txMessage(body) });
    const bytes = encodeSignedTx({ body, signature: toHex(signed.signature) });
    return await callApi(api, 'chain.submit', { tx: toHex(bytes), waitMs });
  } finally {
    wallets.close();
  }
}

/** Sends through the node's wallet if unlocked there, else signs here and submits the bytes. */
async function send(
  options: SendOptions,
  method: 'chain.transfer' | 'chain.stake' | 'chain.unstake',
  extra: { to: string } | { hotkey: string },
  call: (amount: bigint) => TxCall,
): Promise<void> {
  const amount = parseTao(options.amount);
  const api = await requireApi(options);
  const fee = options.fee !== undefined ? parseTao(options.fee) : undefined;
  const waitMs = options.noWait ? 0 : 60_000;
  const common = {
    wallet: options.from,
    amount: options.amount,
    waitMs,
    // The command line the user typed is the confirmation: the CLI is a trusted client.
    confirmed: true,
    ...(fee !== undefined ? { fee: fee.toString() } : {}),
  };
  let result: MethodResult<'chain.transfer'>;
  try {
    result = await callApi(api, method, { ...common, ...extra } as MethodInput<typeof method>);
  } catch (error) {
    if (!isNoesisError(error, ChainErrorCode.WALLET_LOCKED)) throw error;
    result = await signLocallyAndSubmit(options, api, call(amount), fee, waitMs);
  }
  print(options, result, () =>
    [
      `${result.kind} ${taoOf(result.amount)} ${result.status === 'included' ? `included in block ${result.height}` : 'pending'}`,
      `  hash ${result.hash}`,
      `  fee  ${taoOf(result.fee)}`,
    ].join('\n'),
  );
}

export function addChainCommands(program: Command): void {
  const chain = program
    .command('chain')
    .description('the ledger: balances, blocks, transfers, stake');
  addGenesisCommand(chain);

  withCommon(chain.command('status').description('height, state root and tip of the chain')).action(
    async (options: Common) => {
      const status = await query(options, 'chain.status', {}, (q) => ({
        state: 'stopped' as const,
        message: 'read from the data folder (node not running)',
        network: null,
        chainId: q.state.chainId,
        genesisHash: q.state.genesisHash,
        height: q.state.height,
        stateRoot: q.stateRoot(),
        lastBlockHash: q.state.lastBlockHash,
        lastBlockTime: q.state.lastBlockTime,
        producing: false,
        validator: null,
        mempool: 0,
        totalIssuance: q.state.totalIssuance.toString(),
        blockIntervalMs: null,
        minFee: q.state.params.minFee.toString(),
        subnetLockCost: q.subnetLockCost().toString(),
      }));
      print(options, status, () =>
        [
          `chain ${status.chainId ?? '-'} (${status.state})`,
          `  height      ${status.height}`,
          `  state root  ${status.stateRoot ?? '-'}`,
          `  last block  ${status.lastBlockHash ?? '-'}${status.lastBlockTime ? ` at ${new Date(status.lastBlockTime).toISOString()}` : ''}`,
          `  issuance    ${taoOf(status.totalIssuance)}`,
          `  mempool     ${status.mempool}`,
        ].join('\n'),
      );
    },
  );

  withCommon(
    chain.command('balance <address>').description('free and staked balance of an address'),
  ).action(async (address: string, options: Common) => {
    keyOf(address);
    const b = await query(options, 'chain.balance', { address }, (q) => q.balance(address));
    print(options, b, () =>
      [
        b.address,
        `  free    ${taoOf(b.free)}`,
        `  staked  ${taoOf(b.staked)}`,
        ...b.stakes.map((s) => `    ${s.hotkey}  ${taoOf(s.amount)}`),
        `  nonce   ${b.nonce}`,
      ].join('\n'),
    );
  });

  withCommon(chain.command('block <ref>').description('a block by height or hash')).action(
    async (ref: string, options: Common) => {
      const byHeight = /^\d+$/.test(ref);
      if (!byHeight && !/^[0-9a-fA-F]{64}$/.test(ref)) {
        throw new NoesisError(ChainErrorCode.MALFORMED, 'give a block height or a 64-digit hash');
      }
      const key: number | string = byHeight ? Number(ref) : ref.toLowerCase();
      const input = typeof key === 'number' ? { height: key } : { hash: key };
      const b = await query(options, 'chain.block', input, (q) => q.block(key));
      print(options, b, () =>
        [
          `block ${b.height}  ${b.hash}`,
          `  time        ${new Date(b.time).toISOString()}`,
          `  prev        ${b.prevHash}`,
          `  state root  ${b.stateRoot}`,
          `  proposer    ${b.proposer}`,
          `  txs         ${b.txCount}`,
          ...b.txs.map(
            (t) => `    ${t.hash}  ${t.kind} ${t.signer}${t.amount ? ' ' + taoOf(t.amount) : ''}`,
          ),
        ].join('\n'),
      );
    },
  );

  withCommon(chain.command('tx <hash>').description('an included transaction')).action(
    async (hash: string, options: Common) => {
      const t = await query(options, 'chain.tx', { hash }, (q) => q.tx(hash));
      print(options, t, () =>
        [
          `${t.kind}  ${t.hash}`,
          `  block   ${t.height} (#${t.index})`,
          `  signer  ${t.signer}  nonce ${t.nonce}`,
          ...(t.target ? [`  target  ${t.target}`] : []),
          ...(t.amount ? [`  amount  ${taoOf(t.amount)}`] : []),
          `  fee     ${taoOf(t.fee)}`,
        ].join('\n'),
      );
    },
  );

  withCommon(chain.command('metagraph <netuid>').description("a subnet's neurons")).action(
    async (netuidText: string, options: Common) => {
      const netuid = Number(netuidText);
      if (!Number.isInteger(netuid) || netuid < 0 || netuid > 65535) {
        throw new NoesisError(
          ChainErrorCode.MALFORMED,
          'NETUID must be an integer from 0 to 65535',
        );
      }
      const m = await query(options, 'chain.metagraph', { netuid }, (q) => q.metagraph(netuid));
      print(options, m, () =>
        [
          `subnet ${m.netuid} (${m.taskType})  block ${m.block}  n ${m.n}/${m.maxUids}  tempo ${m.tempo}  burn ${taoOf(m.burn)}`,
          'uid  stake            incentive  dividends  consensus  permit  hotkey',
          ...m.neurons.map(
            (n) =>
              `${String(n.uid).padEnd(4)} ${taoOf(n.stake).padEnd(16)} ${n.incentive.toFixed(4).padEnd(10)} ${n.dividends.toFixed(4).padEnd(10)} ${n.consensus.toFixed(4).padEnd(10)} ${(n.validatorPermit ? 'yes' : 'no').padEnd(7)} ${n.hotkey}`,
          ),
        ].join('\n'),
      );
    },
  );

  withCommon(
    chain
      .command('history <address>')
      .description('transactions of an address, newest first')
      .option('--limit <n>', 'at most N', '20'),
  ).action(async (address: string, options: Common & { limit: string }) => {
    const limit = Math.max(1, Math.min(500, Number(options.limit) || 20));
    const rows = await query(options, 'chain.history', { address, limit }, (q) =>
      q.history(address, limit),
    );
    print(
      options,
      rows,
      () =>
        rows
          .map((t) => `${t.height}  ${t.kind.padEnd(13)} ${taoOf(t.amount).padEnd(16)} ${t.hash}`)
          .join('\n') || '(none)',
    );
  });

  withCommon(
    chain
      .command('earnings <address>')
      .description('per-epoch results and payouts of a hotkey or coldkey')
      .option('--role <role>', 'hotkey or coldkey', 'coldkey')
      .option('--from <block>', 'first block', '0')
      .option('--to <block>', 'last block'),
  ).action(
    async (address: string, options: Common & { role: string; from: string; to?: string }) => {
      const role = options.role === 'hotkey' ? 'hotkey' : 'coldkey';
      const fromBlock = Number(options.from) || 0;
      const toBlock = options.to !== undefined ? Number(options.to) : Number.MAX_SAFE_INTEGER;
      const e = await query(options, 'chain.earnings', { address, role, fromBlock, toBlock }, (q) =>
        q.earnings(address, role, fromBlock, toBlock),
      );
      print(options, e, () =>
        [
          `${e.address} (${e.role})  total ${taoOf(e.total)}`,
          ...e.payouts.map(
            (p) => `  block ${p.block}  subnet ${p.netuid}  ${p.kind.padEnd(9)} ${taoOf(p.amount)}`,
          ),
        ].join('\n'),
      );
    },
  );

  const sendOptions = (c: Command) =>
    withCommon(c)
      .requiredOption('--from <wallet>', 'wallet whose coldkey signs')
      .requiredOption('--amount <tao>', 'amount in TAO, e.g. 1.5')
      .option('--fee <tao>', 'fee in TAO (default: the chain minimum)')
      .option(
        '--password-file <file>',
        'password file, if the wallet is locked in the node (or NOESIS_PASSWORD)',
      )
      .option('--no-wait', 'return once the node accepted it, without waiting for a block');

  sendOptions(
    chain.command('transfer').description('send TAO').requiredOption('--to <address>', 'recipient'),
  ).action(async (options: SendOptions & { to: string; wait?: boolean }) => {
    const to = keyOf(options.to);
    await send(
      { ...options, noWait: options.wait === false },
      'chain.transfer',
      { to: options.to },
      (amount) => ({
        kind: 'transfer',
        to,
        amount,
      }),
    );
  });

  sendOptions(
    chain
      .command('stake')
      .description('stake TAO to a hotkey')
      .requiredOption('--hotkey <address>', 'hotkey to stake to'),
  ).action(async (options: SendOptions & { hotkey: string; wait?: boolean }) => {
    const hotkey = keyOf(options.hotkey);
    await send(
      { ...options, noWait: options.wait === false },
      'chain.stake',
      { hotkey: options.hotkey },
      (amount) => ({
        kind: 'add_stake',
        hotkey,
        amount,
      }),
    );
  });

  sendOptions(
    chain
      .command('unstake')
      .description('unstake TAO from a hotkey')
      .requiredOption('--hotkey <address>', 'hotkey to unstake from'),
  ).action(async (options: SendOptions & { hotkey: string; wait?: boolean }) => {
    const hotkey = keyOf(options.hotkey);
    await send(
      { ...options, noWait: options.wait === false },
      'chain.unstake',
      { hotkey: options.hotkey },
      (amount) => ({
        kind: 'remove_stake',
        hotkey,
        amount,
      }),
    );
  });
}
