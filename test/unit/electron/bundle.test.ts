/** The built dist/electron bundles with `electron` mocked: see bundle.suite.ts. */
import { runWithModuleMocks } from './with-module-mocks.ts';

await runWithModuleMocks(new URL('./bundle.suite.ts', import.meta.url), 'electron bundles');
