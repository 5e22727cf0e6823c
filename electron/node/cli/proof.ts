/**
 * `noesis proof TASK_ID [--json] [--data-dir DIR]`: proves one interaction of the running node's
 * validator log (task id, miner hotkey, answer hash, verification result, score) against the
 * Merkle root the validator committed on chain for that epoch (roles.proof). Exit code 0 when the
 * proof leads to the committed root, 1 otherwise (not committed yet, or it does not match).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { callApi } from '../api/http-client.ts';
import { findRunningApi } from '../api/discovery.ts';
import { defaultDataDir } from '../data-dir.ts';
import { NoesisError } from '../errors.ts';
import { print, withCommon, type Common } from './chain.ts';

export function addProofCommand(program: Command): void {
  withCommon(
    program
      .command('proof <taskId>')
      .description(
        "prove one task of this validator's interaction log against the root it committed on chain",
      ),
  ).action(async (taskId: string, options: Common) => {
    if (!/^[0-9a-f]{64}$/.test(taskId)) {
      throw new NoesisError('CLI_BAD_TASK_ID', 'a task id is 64 lowercase hex characters');
    }
    const dataDir = path.resolve(options.dataDir ?? defaultDataDir());
    const api = await findRunningApi(dataDir);
    if (api === null) {
      throw new NoesisError('NODE_NOT_RUNNING', `no node is running with data folder ${dataDir}`);
    }
    const p = await callApi(api, 'roles.proof', { taskId });
    print(options, p, () =>
      [
        `task ${p.taskId} (subnet ${p.netuid}, epoch ${p.epoch})`,
        `  miner        uid ${p.entry.minerUid} ${p.entry.minerHotkey}`,
        `  answer hash  ${p.entry.answerHash}`,
        `  result       ${p.entry.result}, score ${p.entry.score.toFixed(4)}`,
        `  leaf         ${p.leaf} (${p.index + 1} of ${p.leafCount})`,
        `  root         ${p.root}`,
        p.committed === null
          ? '  committed    not yet (the root goes on chain when the epoch ends)'
          : `  committed    block ${p.committed.block}, tx ${p.committed.txHash}`,
        `  valid        ${p.valid ? 'yes: the path leads to the committed root' : 'NO'}`,
      ].join('\n'),
    );
    if (!p.valid) process.exitCode = 1;
  });
}
