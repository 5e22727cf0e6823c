/** electron/main.ts and electron/preload.ts with `electron` mocked: see main.suite.ts. */
import { runWithModuleMocks } from './with-module-mocks.ts';

await runWithModuleMocks(new URL('./main.suite.ts', import.meta.url), 'electron main process');
