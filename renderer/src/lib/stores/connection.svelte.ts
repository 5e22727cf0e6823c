/** Whether the app can hear the node right now, as reactive state for the banner and the pages. */
import { accessTokenMissing, api, type ConnectionState } from '../api/index.ts';

const current = $state<{ state: ConnectionState }>({ state: api.connection });

api.onConnection((state) => {
  current.state = state;
});

export const connection = {
  get state(): ConnectionState {
    return current.state;
  },
  /** True once the link dropped (or never came up); false while the first attempt runs. */
  get lost(): boolean {
    return current.state === 'lost';
  },
  get tokenMissing(): boolean {
    return accessTokenMissing;
  },
};
