/**
 * Runs a suite that mocks `electron` with node:test's `mock.module`, which exists only under
 * `--experimental-test-module-mocks`. With the flag, the suite is imported and its tests report
 * one by one; without it, the suite runs in a child Node that has the flag and this reports one
 * test, with the child's output when it fails, so the suite never silently skips.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mock, test } from 'node:test';

export async function runWithModuleMocks(suite: URL, name: string): Promise<void> {
  if (typeof mock.module === 'function') {
    await import(suite.href);
    return;
  }
  test(`${name} (in a child with --experimental-test-module-mocks)`, () => {
    const child = spawnSync(
      process.execPath,
      ['--experimental-test-module-mocks', '--test', '--test-reporter=spec', fileURLToPath(suite)],
      // Without NODE_TEST_CONTEXT the child reports as a test run of its own, not to our runner.
      { encoding: 'utf8', timeout: 120_000, env: withoutTestContext(process.env) },
    );
    assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
    assert.match(child.stdout, /^ℹ pass [1-9]\d*$/m, child.stdout);
    assert.match(child.stdout, /^ℹ fail 0$/m, child.stdout);
  });
}

function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_TEST_CONTEXT;
  return copy;
}
