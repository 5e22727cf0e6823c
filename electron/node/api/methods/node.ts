/** Contract entries for the node's lifecycle: status, start, stop, recent logs. */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type { NodeStatus } from '../../node-status.ts';
import type { LogLine } from '../../logger.ts';

export const nodeMethods = {
  'node.status': defineMethod<Record<string, never>, NodeStatus>(z.object({}).strict(), {
    summary: 'The node state (stopped, starting, running, stopping, error) with its services.',
  }),
  'node.start': defineMethod<Record<string, never>, NodeStatus>(z.object({}).strict(), {
    summary: 'Start the node. Starting a running node is not an error; it returns the status.',
  }),
  'node.stop': defineMethod<Record<string, never>, NodeStatus>(z.object({}).strict(), {
    summary: 'Stop the node, recording that the user stopped it so a restart leaves it stopped.',
  }),
  'logs.recent': defineMethod<{ limit?: number | undefined }, LogLine[]>(
    z.object({ limit: z.number().int().min(1).max(2000).optional() }).strict(),
    { summary: 'The most recent structured log lines, oldest first.' },
  ),
};
