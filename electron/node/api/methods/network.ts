/** Contract entries for the network (peers, addresses, reachability, validators, sync). */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type { NetworkStatusView } from '../../network/service.ts';

export const networkMethods = {
  'network.status': defineMethod<Record<string, never>, NetworkStatusView>(z.object({}).strict(), {
    summary:
      "Peers (latency, direction, agent, score), this node's addresses and reachability, the validator set with voting power, height, last block time and sync progress.",
  }),
};
