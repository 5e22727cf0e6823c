/**
 * Child process of chain-crash.test.ts: runs the real ChainService on a data folder with fast
 * blocks and a stream of transfers, and prints "final <height> <hash>" for every block once the
 * store has made it durable (log append + fsync returned). The parent SIGKILLs it at random.
 */
import { ChainService } from '../../electron/node/chain/service.ts';
import { txHash } from '../../electron/node/chain/tx.ts';
import { alice, carol, tx } from '../unit/chain/fixtures.ts';

const dataDir = process.argv[2] as string;
const chain = new ChainService({ dataDir, blockIntervalMs: 4, snapshotEvery: 5 });
chain.on('block', (b) => process.stdout.write(`final ${b.height} ${b.hash}\n`));
await chain.start(new AbortController().signal);
process.stdout.write(`opened ${chain.status().height} ${chain.status().stateRoot}\n`);
setInterval(() => {
  try {
    const state = chain.queries.state;
    const nonce = chain.mempool.nextNonce(alice.hex, state);
    const t = tx(state, alice, { kind: 'transfer', to: carol.hex, amount: 1_000_000n }, { nonce });
    void chain.submitTx(t).catch(() => undefined);
    void txHash;
  } catch {
    // the chain may be between blocks; the next tick tries again
  }
}, 2);
