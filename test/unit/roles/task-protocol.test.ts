import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { encodeCanonical } from '../../../electron/node/chain/codec.ts';
import { fromHex, publicKeyOf, signMessage, toHex } from '../../../electron/node/chain/crypto.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';
import { receiptProblem, TaskNonceClock } from '../../../electron/node/roles/task-client.ts';
import {
  buildTaskReceipt,
  decodeTaskFrame,
  decodeTaskRequest,
  encodeTaskFrame,
  encodeTaskRequest,
  encodeTaskRequestBody,
  MAX_TASK_FRAME_BYTES,
  signTaskReceipt,
  signTaskRequest,
  taskAnswerHash,
  taskProtocolId,
  taskReceiptSignBytes,
  taskRequestHash,
  taskRequestSignBytes,
  verifyTaskReceipt,
  verifyTaskRequest,
  type TaskFrame,
  type TaskRequestBody,
} from '../../../electron/node/roles/task-protocol.ts';
import { peerIdFromPublicKey } from '../../../electron/node/wallet/peer-id.ts';
import { body, signed, TASK_CHAIN_ID, testKey } from './task-fixtures.ts';

const validator = testKey(1);
const miner = testKey(2);

function refusalOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    assert.ok(isNoesisError(error), `a NoesisError, got ${String(error)}`);
    return error.data.refusal;
  }
  assert.fail('expected a throw');
}

/** The request body as its canonical array, to forge frames the encoder would refuse. */
function rawBody(b: TaskRequestBody, overrides: Record<number, unknown> = {}): unknown[] {
  const a: unknown[] = [
    1,
    fromHex(b.taskId),
    b.netuid,
    fromHex(b.validator),
    fromHex(b.miner),
    fromHex(b.modelSha256),
    b.prompt,
    b.maxTokens,
    b.nonce,
    b.timeoutMs,
  ];
  for (const [i, v] of Object.entries(overrides)) a[Number(i)] = v;
  return a;
}

describe('task protocol: requests', () => {
  it('uses /noesis/<chainId>/task/1', () => {
    assert.equal(taskProtocolId('devnet'), '/noesis/devnet/task/1');
  });

  it('round-trips a signed request and verifies it only on its own chain', () => {
    const req = signed(validator, miner);
    const bytes = encodeTaskRequest(req);
    const back = decodeTaskRequest(bytes);
    assert.deepEqual(back, req);
    assert.equal(verifyTaskRequest(TASK_CHAIN_ID, back), true);
    assert.equal(verifyTaskRequest('otherchain', back), false, 'the chain id is signed');
  });

  it('a signature covers every body field', () => {
    const req = signed(validator, miner);
    const mutations: Array<Partial<TaskRequestBody>> = [
      { taskId: '00'.repeat(32) },
      { netuid: 2 },
      { miner: validator.publicKey },
      { modelSha256: 'cd'.repeat(32) },
      { prompt: [1, 15, 27, 4] },
      { maxTokens: 9 },
      { nonce: req.body.nonce + 1 },
      { timeoutMs: req.body.timeoutMs + 1 },
    ];
    for (const m of mutations) {
      const forged = { body: { ...req.body, ...m }, signature: req.signature };
      assert.equal(verifyTaskRequest(TASK_CHAIN_ID, forged), false, JSON.stringify(m));
    }
    const other = signTaskRequest(TASK_CHAIN_ID, req.body, (b) => signMessage(miner.secretKey, b));
    assert.equal(verifyTaskRequest(TASK_CHAIN_ID, other), false, 'signed by another key');
  });

  it('refuses to sign with a key that is not body.validator', () => {
    assert.equal(
      refusalOf(() => signTaskRequest(TASK_CHAIN_ID, body(validator, miner), miner)),
      'MALFORMED',
    );
  });

  it('decoding refuses malformed and oversized requests with the code to answer', () => {
    const b = body(validator, miner);
    const sig = new Uint8Array(64);
    const frame = (a: unknown[], s: unknown = sig) => encodeCanonical([a, s]);
    assert.equal(
      refusalOf(() => decodeTaskRequest(Uint8Array.of(0xff, 0x00))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(encodeCanonical([1, 2, 3]))),
      'MALFORMED',
    );
    // Not canonical: a trailing byte, and a non-minimal integer (netuid 1 as 0x1801).
    const good = frame(rawBody(b));
    assert.equal(
      refusalOf(() => decodeTaskRequest(Uint8Array.from([...good, 0]))),
      'MALFORMED',
    );
    // [ body=[ 1, taskId(2-byte header + 32), netuid ...: netuid sits at byte 2 + 1 + 34.
    const at = 2 + 1 + 34;
    assert.equal(good[at], 1);
    const nonMinimal = Uint8Array.from([
      ...good.subarray(0, at),
      0x18,
      0x01,
      ...good.subarray(at + 1),
    ]);
    assert.equal(
      refusalOf(() => decodeTaskRequest(nonMinimal)),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 0: 2 })))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 1: new Uint8Array(31) })))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 6: [] })))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 6: [1, 2 ** 32] })))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 6: [1, -1] })))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 7: 0 })))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 9: 0 })))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 9: 300_001 })))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b), new Uint8Array(63)))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 6: new Array(4097).fill(1) })))),
      'TOO_LARGE',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(frame(rawBody(b, { 7: 4097 })))),
      'TOO_LARGE',
    );
    assert.equal(
      refusalOf(() => decodeTaskRequest(new Uint8Array(MAX_TASK_FRAME_BYTES + 1))),
      'TOO_LARGE',
    );
    // The largest legal prompt still fits one frame.
    const big = signed(validator, miner, { prompt: new Array(4096).fill(0xffff_ffff) });
    assert.ok(encodeTaskRequest(big).length < MAX_TASK_FRAME_BYTES);
  });

  it('the sign bytes are the documented layout', () => {
    const b = body(validator, miner, { nonce: 0x0102030405, timeoutMs: 0x0a0b });
    const bytes = taskRequestSignBytes('abc', b);
    const prefix = new TextEncoder().encode('noesis-task-request/1\u0000abc\u0000');
    assert.deepEqual(bytes.subarray(0, prefix.length), prefix);
    let at = prefix.length;
    assert.equal(toHex(bytes.subarray(at, at + 32)), taskRequestHash(b));
    at += 32;
    assert.equal(toHex(bytes.subarray(at, at + 8)), '0000000102030405');
    at += 8;
    assert.equal(toHex(bytes.subarray(at, at + 32)), b.miner);
    at += 32;
    assert.equal(toHex(bytes.subarray(at)), '00000a0b');
  });
});

describe('task protocol: response frames and receipts', () => {
  const req = signed(validator, miner);

  it('round-trips each frame type', () => {
    const receipt = signTaskReceipt(
      TASK_CHAIN_ID,
      buildTaskReceipt(req.body, [5, 6], 'eos'),
      miner,
    );
    const frames: TaskFrame[] = [
      { type: 'tokens', tokens: [0, 1, 0xffff_ffff] },
      { type: 'receipt', receipt },
      { type: 'error', code: 'BUSY', message: 'queue full' },
    ];
    for (const frame of frames) {
      assert.deepEqual(decodeTaskFrame(encodeTaskFrame(frame)), frame);
    }
  });

  it('rejects empty token frames, unknown types and unknown codes', () => {
    assert.equal(
      refusalOf(() => decodeTaskFrame(encodeCanonical([0, []]))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskFrame(encodeCanonical([9, [1]]))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskFrame(encodeCanonical([2, 'NOPE', 'x']))),
      'MALFORMED',
    );
    assert.equal(
      refusalOf(() => decodeTaskFrame(encodeCanonical([2, 'BUSY', 'x'.repeat(257)]))),
      'MALFORMED',
    );
  });

  it('cuts long error messages to 256 bytes on a character boundary', () => {
    const frame = decodeTaskFrame(
      encodeTaskFrame({ type: 'error', code: 'INTERNAL', message: 'é'.repeat(200) }),
    );
    assert.equal(frame.type, 'error');
    if (frame.type === 'error') assert.equal(frame.message, 'é'.repeat(128));
  });

  it('the answer hash binds task, tokens and stop', () => {
    const h = taskAnswerHash(req.body.taskId, [1, 2], 'eos');
    assert.notEqual(h, taskAnswerHash(req.body.taskId, [1, 2], 'maxTokens'));
    assert.notEqual(h, taskAnswerHash(req.body.taskId, [2, 1], 'eos'));
    assert.notEqual(h, taskAnswerHash('00'.repeat(32), [1, 2], 'eos'));
  });

  it('a receipt verifies against the miner key and the tokens, and nothing else', () => {
    const tokens = [7, 8, 9];
    const good = signTaskReceipt(TASK_CHAIN_ID, buildTaskReceipt(req.body, tokens, 'eos'), miner);
    assert.equal(verifyTaskReceipt(TASK_CHAIN_ID, good), true);
    assert.equal(receiptProblem(TASK_CHAIN_ID, req, good, tokens), null);
    assert.match(receiptProblem(TASK_CHAIN_ID, req, good, [7, 8, 10]) ?? '', /answerHash/);
    assert.match(receiptProblem(TASK_CHAIN_ID, req, good, [7, 8]) ?? '', /counts 3/);
    assert.match(receiptProblem('otherchain', req, good, tokens) ?? '', /signature/);
    const byValidator = signTaskReceipt(
      TASK_CHAIN_ID,
      buildTaskReceipt(req.body, tokens, 'eos'),
      validator,
    );
    assert.match(receiptProblem(TASK_CHAIN_ID, req, byValidator, tokens) ?? '', /signature/);
    const otherRequest = signed(validator, miner);
    assert.match(receiptProblem(TASK_CHAIN_ID, otherRequest, good, tokens) ?? '', /taskId/);
    const earlyMax = signTaskReceipt(
      TASK_CHAIN_ID,
      buildTaskReceipt(req.body, tokens, 'maxTokens'),
      miner,
    );
    assert.match(receiptProblem(TASK_CHAIN_ID, req, earlyMax, tokens) ?? '', /maxTokens/);
    assert.equal(
      toHex(taskReceiptSignBytes(TASK_CHAIN_ID, good.receipt)).startsWith(
        toHex(new TextEncoder().encode('noesis-task-receipt/1\u0000tasktest\u0000')),
      ),
      true,
    );
  });

  it('nonces from the clock strictly increase', () => {
    let t = 1000;
    const clock = new TaskNonceClock(() => t);
    assert.equal(clock.next(), 1000);
    assert.equal(clock.next(), 1001);
    t = 900;
    assert.equal(clock.next(), 1002);
    t = 5000;
    assert.equal(clock.next(), 5000);
  });
});

describe('docs/task-protocol.md', () => {
  it('its byte-level example is what the code produces', () => {
    const doc = readFileSync(new URL('../../../docs/task-protocol.md', import.meta.url), 'utf8');
    const flat = doc.replace(/[^0-9a-zA-Z]+/g, '');
    const vs = new Uint8Array(32).fill(1);
    const ms = new Uint8Array(32).fill(2);
    const v = { publicKey: toHex(publicKeyOf(vs)), sign: (b: Uint8Array) => signMessage(vs, b) };
    const m = { publicKey: toHex(publicKeyOf(ms)), sign: (b: Uint8Array) => signMessage(ms, b) };
    const chainId = 'noesis-example';
    const b: TaskRequestBody = {
      taskId: '11'.repeat(32),
      netuid: 1,
      validator: v.publicKey,
      miner: m.publicKey,
      modelSha256: 'ab'.repeat(32),
      prompt: [1, 15043, 3186],
      maxTokens: 4,
      nonce: 1767225600000,
      timeoutMs: 15000,
    };
    const req = signTaskRequest(chainId, b, v);
    const receipt = signTaskReceipt(chainId, buildTaskReceipt(b, [450, 4996, 2], 'eos'), m);
    const expected = {
      validatorPeer: peerIdFromPublicKey(publicKeyOf(vs)),
      minerPeer: peerIdFromPublicKey(publicKeyOf(ms)),
      validatorKey: v.publicKey,
      minerKey: m.publicKey,
      body: toHex(encodeTaskRequestBody(b)),
      requestHash: taskRequestHash(b),
      signBytes: toHex(taskRequestSignBytes(chainId, b)),
      requestFrame: toHex(encodeTaskRequest(req)),
      tokens1: toHex(encodeTaskFrame({ type: 'tokens', tokens: [450] })),
      tokens2: toHex(encodeTaskFrame({ type: 'tokens', tokens: [4996, 2] })),
      answerHash: receipt.receipt.answerHash,
      receiptSignBytes: toHex(taskReceiptSignBytes(chainId, receipt.receipt)),
      receiptFrame: toHex(encodeTaskFrame({ type: 'receipt', receipt })),
      errorFrame: toHex(encodeTaskFrame({ type: 'error', code: 'BUSY', message: 'queue full' })),
    };
    for (const [what, value] of Object.entries(expected)) {
      assert.ok(flat.includes(value), `the doc shows ${what} = ${value}`);
    }
  });
});
