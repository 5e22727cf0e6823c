/**
 * `npm test`: the whole suite, or the files given (`npm test -- test/unit/api/http.test.ts`).
 * Node's test runner takes the unit and integration tests, Playwright the browser tests
 * (`*.spec.ts`); one closing line sums both: `tests: N passed, N failed, N skipped`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const NODE_TEST_FLAGS = [
  '--experimental-test-module-mocks',
  '--test-timeout=300000',
  '--import=./test/setup.ts',
];
const DEFAULT_NODE_TESTS = ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'];

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

// Nodes started by the tests keep their networking on 127.0.0.1: no LAN multicast (mDNS), no
// router requests (UPnP), no listener on other interfaces.
process.env.NOESIS_LOOPBACK_ONLY = '1';

const args = process.argv.slice(2);
const browserFiles = args.filter((file) => file.endsWith('.spec.ts'));
const nodeFiles = args.filter((file) => !file.endsWith('.spec.ts'));
const runAll = args.length === 0;
const work = mkdtempSync(path.join(os.tmpdir(), 'noesis-test-report-'));
const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;

function add(counts: Counts): void {
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}

function runNodeTests(files: string[]): void {
  const tap = path.join(work, 'node.tap');
  const result = spawnSync(
    process.execPath,
    [
      ...NODE_TEST_FLAGS,
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) exitCode = 1;
  const text = readFileSync(tap, 'utf8');
  const count = (name: string) =>
    Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  add({
    passed: count('pass'),
    failed: count('fail') + count('cancelled'),
    skipped: count('skipped') + count('todo'),
  });
}

function runBrowserTests(files: string[]): void {
  const json = path.join(work, 'playwright.json');
  const result = spawnSync(
    path.join('node_modules', '.bin', 'playwright'),
    ['test', '-c', 'test/e2e/playwright.config.ts', '--reporter=list,json', ...files],
    { stdio: 'inherit', env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: json } },
  );
  if (result.status !== 0) exitCode = 1;
  try {
    const stats = (
      JSON.parse(readFileSync(json, 'utf8')) as {
        stats: { expected: number; unexpected: number; skipped: number; flaky: number };
      }
    ).stats;
    add({
      passed: stats.expected + stats.flaky,
      failed: stats.unexpected,
      skipped: stats.skipped,
    });
  } catch {
    totals.failed += 1;
    exitCode = 1;
  }
}

if (runAll || nodeFiles.length > 0) runNodeTests(runAll ? DEFAULT_NODE_TESTS : nodeFiles);
if (runAll || browserFiles.length > 0) runBrowserTests(browserFiles);
rmSync(work, { recursive: true, force: true });
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
if (totals.passed === 0) exitCode = 1;
process.exit(exitCode);
