import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConfirmationBroker,
  SigningErrorCode,
  requireConfirmation,
  type SigningRequest,
} from '../../../electron/node/wallet/confirm.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';

const action = {
  wallet: 'alice',
  kind: 'transfer',
  title: 'Send TAO',
  lines: [{ label: 'Amount', value: '1.5 TAO' }],
};

function recordingBroker(timeoutMs = 60_000) {
  const requests: SigningRequest[] = [];
  const settled: { id: string; approved: boolean; reason: string }[] = [];
  const broker = new ConfirmationBroker({
    timeoutMs,
    events: { request: (r) => requests.push(r), settled: (s) => settled.push(s) },
  });
  return { broker, requests, settled };
}

test('a request is announced with its lines and resolves with the answer', async () => {
  const { broker, requests, settled } = recordingBroker();
  const answer = broker.confirm(action);
  assert.equal(requests.length, 1);
  assert.deepEqual(requests[0]!.lines, action.lines);
  assert.deepEqual(
    broker.pending().map((r) => r.id),
    [requests[0]!.id],
  );
  broker.respond(requests[0]!.id, true);
  assert.equal(await answer, true);
  assert.deepEqual(settled, [{ id: requests[0]!.id, approved: true, reason: 'approved' }]);
  assert.deepEqual(broker.pending(), []);
});

test('a second answer, or an unknown id, is refused and changes nothing', async () => {
  const { broker, requests } = recordingBroker();
  const answer = broker.confirm(action);
  broker.respond(requests[0]!.id, false);
  assert.equal(await answer, false);
  assert.throws(
    () => broker.respond(requests[0]!.id, true),
    (error) => isNoesisError(error, SigningErrorCode.UNKNOWN_REQUEST),
  );
});

test('an unanswered request expires as rejected', async () => {
  const { broker, settled } = recordingBroker(30);
  assert.equal(await broker.confirm(action), false);
  assert.equal(settled[0]!.reason, 'expired');
});

test('rejectAll answers every pending request with no', async () => {
  const { broker } = recordingBroker();
  const answers = [broker.confirm(action), broker.confirm(action)];
  broker.rejectAll();
  assert.deepEqual(await Promise.all(answers), [false, false]);
});

test('requireConfirmation throws WALLET_SIGNING_REJECTED unless approved or pre-confirmed', async () => {
  let asked = 0;
  const no = { confirm: async () => (asked++, false) };
  await assert.rejects(requireConfirmation(no, action, false), (error) =>
    isNoesisError(error, SigningErrorCode.REJECTED),
  );
  await requireConfirmation(no, action, true);
  assert.equal(asked, 1, 'a pre-confirmed action does not ask again');
  await requireConfirmation({ confirm: async () => true }, action, false);
});
