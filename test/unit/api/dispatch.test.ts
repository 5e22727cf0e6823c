import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiErrorCode, dispatch, validateCall } from '../../../electron/node/api/dispatch.ts';
import { methodNames, methods, type ApiHandlers } from '../../../electron/node/api/contract.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';

function recordingHandlers(calls: string[]): ApiHandlers {
  return new Proxy({} as ApiHandlers, {
    get: (_target, name: string) => async (input: unknown) => {
      calls.push(name);
      return { name, input };
    },
  });
}

test('every contract method has a schema and a summary', () => {
  assert.ok(methodNames.length >= 5);
  for (const name of methodNames) {
    assert.equal(typeof methods[name].input.safeParse, 'function', name);
    assert.ok(methods[name].summary.length > 10, name);
  }
});

test('an unknown method is refused before any handler runs', async () => {
  const calls: string[] = [];
  await assert.rejects(
    dispatch(recordingHandlers(calls), 'node.explode', {}),
    (error) =>
      isNoesisError(error, ApiErrorCode.UNKNOWN_METHOD) && /node\.explode/.test(error.message),
  );
  assert.deepEqual(calls, []);
});

test('a prototype property is not a method', () => {
  assert.throws(
    () => validateCall('toString', {}),
    (error) => isNoesisError(error, ApiErrorCode.UNKNOWN_METHOD),
  );
  assert.throws(
    () => validateCall('__proto__', {}),
    (error) => isNoesisError(error, ApiErrorCode.UNKNOWN_METHOD),
  );
});

test('a malformed parameter is refused with its field named, and no handler runs', async () => {
  const calls: string[] = [];
  await assert.rejects(
    dispatch(recordingHandlers(calls), 'logs.recent', { limit: 'many' }),
    (error) =>
      isNoesisError(error, ApiErrorCode.BAD_INPUT) &&
      error.data.field === 'limit' &&
      /"limit"/.test(error.message),
  );
  await assert.rejects(
    dispatch(recordingHandlers(calls), 'logs.recent', { limit: 0 }),
    (error) => isNoesisError(error, ApiErrorCode.BAD_INPUT) && error.data.field === 'limit',
  );
  assert.deepEqual(calls, []);
});

test('an unexpected extra field is refused and named', async () => {
  const calls: string[] = [];
  await assert.rejects(
    dispatch(recordingHandlers(calls), 'node.start', { force: true }),
    (error) => isNoesisError(error, ApiErrorCode.BAD_INPUT) && error.data.field === 'force',
  );
  assert.deepEqual(calls, []);
});

test('valid input reaches the handler after parsing; missing input counts as {}', async () => {
  const calls: string[] = [];
  const result = await dispatch(recordingHandlers(calls), 'logs.recent', { limit: 5 });
  assert.deepEqual(result, { name: 'logs.recent', input: { limit: 5 } });
  await dispatch(recordingHandlers(calls), 'node.status', undefined);
  assert.deepEqual(calls, ['logs.recent', 'node.status']);
});
