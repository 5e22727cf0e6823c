import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { methodNames } from '../../../electron/node/api/contract.ts';
import { methodInputShape, updateApiDoc } from '../../../electron/node/api/reference.ts';

const page = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');

test('docs/api.md lists every method of the contract, as generated (run npm run docs:api)', () => {
  assert.equal(page, updateApiDoc(page));
  for (const name of methodNames) assert.ok(page.includes(`\`${name}\``), name);
});

test('input shapes list required and optional fields', () => {
  assert.equal(methodInputShape('logs.recent'), '{limit?}');
  assert.equal(methodInputShape('wallet.create'), '{name, words?, password}');
  assert.equal(methodInputShape('confirm.respond'), '{id, approve}');
});
