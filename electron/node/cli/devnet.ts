/**
 * `noesis devnet --nodes N [--validators V] [--base-port P] [--data-dir DIR]`: a development
 * network on this machine. Starts N nodes as separate `noesis start --headless` processes on
 * 127.0.0.1 with one fresh genesis in which the first V nodes (default: all N) are validators with
 * equal stake (electron/node/network/devnet.ts); node i keeps its data in `DIR/node<i>` (a
 * temporary folder, removed on exit, without --data-dir); with --base-port P node i's web UI is on
 * port P+i and its p2p listener on P+100+i (free ports otherwise). Prints
 * `node<i> web ui: http://127.0.0.1:PORT/?token=TOKEN` once each listens, and stops them all on
 * Ctrl-C or SIGTERM. A node that exits before listening stops the rest: one line, exit code 1.
 *
 * `--miners M --model FILE.gguf` adds proof of intelligence: subnet 1 names FILE, the first V
 * nodes validate it and the next M register and mine it, with a tempo of 20 blocks (`--tempo`).
 */
import { access } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DevnetStartError, startDevnet, type RunningDevnet } from '../network/devnet.ts';
import { parsePort } from './main.ts';

function parseCountOrZero(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 64) {
    throw new InvalidArgumentError('must be a whole number from 0 to 64');
  }
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 64) {
    throw new InvalidArgumentError('must be a whole number from 1 to 64');
  }
  return n;
}

export interface DevnetCliOptions {
  nodes: number;
  validators?: number | undefined;
  basePort?: number | undefined;
  dataDir?: string | undefined;
  miners?: number | undefined;
  model?: string | undefined;
  tempo?: number | undefined;
}

export async function runDevnet(options: DevnetCliOptions): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`noesis devnet: ${message}\n`);
    return 1;
  };
  const validators = options.validators ?? options.nodes;
  if (validators > options.nodes) {
    return fail(`--validators ${validators} is more than --nodes ${options.nodes}`);
  }
  const miners = options.miners ?? 0;
  if (validators + miners > options.nodes) {
    return fail(
      `--validators ${validators} and --miners ${miners} need at least ${validators + miners} nodes`,
    );
  }
  if (miners > 0 && options.model === undefined) {
    return fail('--miners needs --model FILE.gguf (the model subnet 1 names)');
  }
  if (options.model !== undefined) {
    const model = options.model;
    const readable = await access(model).then(
      () => true,
      () => false,
    );
    if (!readable) return fail(`--model ${model}: no such file`);
  }
  if (options.basePort !== undefined && options.basePort + 100 + options.nodes - 1 > 65535) {
    return fail(`--base-port ${options.basePort} leaves no room for ${options.nodes} p2p ports`);
  }
  const temporary = options.dataDir === undefined;
  const root = path.resolve(
    options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'noesis-devnet-'))),
  );
  const cleanup = async () => {
    if (temporary) await rm(root, { recursive: true, force: true }).catch(() => undefined);
  };

  const abort = new AbortController();
  let devnet: RunningDevnet | null = null;
  let stopping = false;
  let stopped: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = () => {
    if (stopping) return;
    stopping = true;
    abort.abort();
    if (devnet === null) return; // startDevnet stops what it started
    devnet.stop().then(stopped, stopped);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    devnet = await startDevnet(root, {
      nodes: options.nodes,
      validators,
      basePort: options.basePort,
      miners,
      model: options.model,
      tempo: options.tempo,
      password: process.env.NOESIS_PASSWORD,
      ...(options.model !== undefined ? { blockIntervalMs: 500 } : {}),
      signal: abort.signal,
    });
  } catch (error) {
    await cleanup();
    if (stopping) return 0;
    if (error instanceof DevnetStartError) {
      const lines = error.output.trim().split('\n');
      const last = (
        lines.find((l) => /^(\w*Error\b|noesis:)/.test(l)) ??
        lines.at(-1) ??
        ''
      ).trim();
      return fail(`${error.message}${last ? `: ${last}` : ''}`);
    }
    return fail((error as Error).message);
  }
  process.stdout.write(
    `devnet: ${options.nodes} nodes, ${validators} validators${miners > 0 ? `, ${miners} miners` : ''}, data in ${root}${temporary ? ' (temporary)' : ''}\n`,
  );
  if (options.model !== undefined) {
    const where =
      process.env.NOESIS_PASSWORD === undefined
        ? `the password in ${path.join(root, 'password')}`
        : 'the password in NOESIS_PASSWORD';
    process.stdout.write(`devnet: each node's wallet "devnet" opens with ${where}\n`);
  }
  for (const n of devnet.nodes) {
    process.stdout.write(`node${n.index} web ui: ${n.url}\n`);
    void n.exited.then((code) => {
      if (!stopping)
        process.stderr.write(`noesis devnet: node${n.index} exited with code ${code}\n`);
    });
  }
  await done;
  await cleanup();
  return 0;
}

export function addDevnetCommand(program: Command): void {
  program
    .command('devnet')
    .description('run a development network of N nodes on 127.0.0.1 (Ctrl-C stops them all)')
    .requiredOption('--nodes <n>', 'how many nodes', parseCount)
    .option(
      '--validators <v>',
      'the first V nodes are genesis validators (default: all)',
      parseCount,
    )
    .option(
      '--base-port <p>',
      'node i: web UI on P+i, p2p on P+100+i (default: free ports)',
      parsePort,
    )
    .option(
      '--miners <m>',
      'the next M nodes register on subnet 1 and mine --model',
      parseCountOrZero,
    )
    .option('--model <file>', 'GGUF file that subnet 1 names; validators and miners run it')
    .option('--tempo <blocks>', 'blocks per epoch (default with --model: 20)', parseCount)
    .option(
      '--data-dir <dir>',
      'node i keeps its data in DIR/node<i> (default: a temporary folder)',
    )
    .action(async (options: DevnetCliOptions) => {
      process.exitCode = await runDevnet(options);
    });
}
