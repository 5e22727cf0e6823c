/** Contract entries for the network (peers, addresses, reachability, validators, sync). */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import type { NetworkStatusView } from '../../network/service.ts';
import type { AvailableNetwork, JoinResult } from '../../network/available.ts';

export const networkMethods = {
  'network.status': defineMethod<Record<string, never>, NetworkStatusView>(z.object({}).strict(), {
    summary:
      "Peers (latency, direction, agent, score), this node's addresses and reachability, the validator set with voting power, height, last block time and sync progress.",
  }),
  'network.available': defineMethod<Record<string, never>, AvailableNetwork[]>(
    z.object({}).strict(),
    {
      summary:
        'The networks in resources/networks (the local template, and each full genesis file), each with its chain id and whether this data folder is on it.',
    },
  ),
  'network.join': defineMethod<{ id: string }, JoinResult>(
    z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a network id') }).strict(),
    {
      summary:
        'Choose a network for a data folder that has none yet (as `noesis start --genesis`): its genesis is written and the chain opens it when it starts. A folder on another network is refused (NETWORK_OTHER_NETWORK) and left as it is.',
    },
  ),
};
