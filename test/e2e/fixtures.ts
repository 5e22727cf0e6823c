/**
 * A real headless node per test: `noesis start --headless --data-dir <tmp> --port 0`, run as a
 * child process exactly as a user would, with the URL taken from its `web ui:` line (which
 * checks the CLI contract too). Stopped with SIGTERM afterwards, and its data folder removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';
import type { MethodInput, MethodName, MethodResult } from '../../electron/node/api/contract.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const NODE_BIN = path.join(repoRoot, 'node_modules', '.bin', 'node');
const WEB_UI_LINE = /^web ui: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)$/m;

export interface HeadlessNodeOptions {
  /** Whether the node starts by itself (the product default is true). */
  autoStart?: boolean;
  /** Fills the fresh data folder before the node starts (a prepared chain, a config). */
  prepare?: (dataDir: string) => Promise<void>;
}

export interface RunningNode {
  /** The full address printed by the CLI, token included. */
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodResult<M>>;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
}

export async function startHeadlessNode(options: HeadlessNodeOptions = {}): Promise<RunningNode> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'noesis-e2e-'));
  await options.prepare?.(dataDir);
  if (options.autoStart === false) {
    await writeFile(
      path.join(dataDir, 'config.json'),
      JSON.stringify({ node: { autoStart: false } }),
    );
  }
  const child: ChildProcess = spawn(
    NODE_BIN,
    ['bin/noesis.js', 'start', '--headless', '--data-dir', dataDir, '--port', '0'],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "web ui:" line within 20 s; output:\n${output}`));
    }, 20_000);
    const onData = () => {
      const match = WEB_UI_LINE.exec(output);
      if (match?.[1]) {
        cleanup();
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`noesis exited (${code}) before serving; output:\n${output}`));
    };
    function cleanup() {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });

  const parsed = new URL(url);
  const token = parsed.searchParams.get('token') ?? '';
  let stopping: Promise<void> | null = null;
  return {
    url,
    origin: parsed.origin,
    token,
    dataDir,
    output: () => output,
    async call(method, input) {
      const res = await fetch(`${parsed.origin}/api/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const body: unknown = await res.json();
      if (!res.ok) throw new Error(`${method}: HTTP ${res.status} ${JSON.stringify(body)}`);
      return body as MethodResult<typeof method>;
    },
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

export const test = base.extend<{ nodeOptions: HeadlessNodeOptions; node: RunningNode }>({
  nodeOptions: [{ autoStart: false }, { option: true }],
  node: async ({ nodeOptions }, use) => {
    const node = await startHeadlessNode(nodeOptions);
    try {
      await use(node);
    } finally {
      await node.stop();
    }
  },
});

export { expect };

/** The pages of the sidebar, in order, with their English titles. */
export const PAGES = [
  { id: 'node', title: 'Node' },
  { id: 'models', title: 'Models' },
  { id: 'earnings', title: 'Earnings' },
  { id: 'wallet', title: 'Wallet' },
  { id: 'stake', title: 'Stake' },
  { id: 'governance', title: 'Governance' },
  { id: 'explorer', title: 'Explorer' },
  { id: 'network', title: 'Network' },
  { id: 'logs', title: 'Logs' },
  { id: 'settings', title: 'Settings' },
] as const;
