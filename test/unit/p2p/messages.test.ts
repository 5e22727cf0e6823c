import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNoesisError } from '../../../electron/node/errors.ts';
import { P2PErrorCode } from '../../../electron/node/p2p/errors.ts';
import {
  decodeBlockByHash,
  decodeBlockEnvelope,
  decodeBlocksByRange,
  decodeStatus,
  encodeBlockByHash,
  encodeBlockEnvelope,
  encodeBlocksByRange,
  encodeMessage,
  encodeStatus,
} from '../../../electron/node/p2p/messages.ts';
import {
  assertChainId,
  dhtProtocol,
  GOSSIP_TOPIC_NAMES,
  protocolId,
  REQ_RESP_NAMES,
  topicId,
} from '../../../electron/node/p2p/protocols.ts';

const H = 'ab'.repeat(32);
const status = {
  chainId: 'devnet',
  genesisHash: H,
  headHeight: 42,
  headHash: 'cd'.repeat(32),
  finalizedHeight: 42,
};

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isNoesisError(error) ? error.code : 'other';
  }
  return undefined;
}

describe('p2p names', () => {
  it('carry the chain id and a version', () => {
    for (const name of REQ_RESP_NAMES)
      assert.equal(protocolId('devnet', name), `/noesis/devnet/${name}/1`);
    for (const name of GOSSIP_TOPIC_NAMES)
      assert.equal(topicId('devnet', name), `/noesis/devnet/${name}/1`);
    assert.equal(dhtProtocol('devnet'), '/noesis/devnet/kad/1.0.0');
    assert.throws(() => assertChainId('Bad/Id'));
  });
});

describe('p2p messages', () => {
  it('round-trip status, range, hash and envelope', () => {
    assert.deepEqual(decodeStatus(encodeStatus(status)), status);
    assert.deepEqual(decodeBlocksByRange(encodeBlocksByRange({ start: 5, count: 10 })), {
      start: 5,
      count: 10,
    });
    assert.equal(decodeBlockByHash(encodeBlockByHash(H)), H);
    const env = { block: Uint8Array.of(1, 2, 3), commit: Uint8Array.of(4) };
    assert.deepEqual(decodeBlockEnvelope(encodeBlockEnvelope(env)), env);
  });

  it('has a stable status encoding (golden bytes)', () => {
    const bytes = encodeStatus({
      ...status,
      genesisHash: '00'.repeat(32),
      headHash: '11'.repeat(32),
    });
    assert.equal(
      Buffer.from(bytes).toString('hex'),
      '85666465766e65745820' + '00'.repeat(32) + '182a5820' + '11'.repeat(32) + '182a',
    );
  });

  it('rejects malformed and non-canonical bytes', () => {
    assert.equal(
      code(() => decodeStatus(Uint8Array.of(0xff, 0x00))),
      P2PErrorCode.MALFORMED,
    );
    assert.equal(
      code(() => decodeStatus(encodeMessage([1, 2, 3]))),
      P2PErrorCode.MALFORMED,
    );
    // 5 encoded non-minimally (0x18 0x05) is not canonical.
    assert.equal(
      code(() => decodeBlocksByRange(Uint8Array.of(0x82, 0x18, 0x05, 0x01))),
      P2PErrorCode.MALFORMED,
    );
    assert.equal(
      code(() => decodeBlocksByRange(encodeMessage([1, 2, 3]))),
      P2PErrorCode.MALFORMED,
    );
    assert.equal(
      code(() => decodeBlocksByRange(encodeMessage([1, -2]))),
      P2PErrorCode.MALFORMED,
    );
    assert.equal(
      code(() => decodeBlockByHash(encodeMessage([Uint8Array.of(1)]))),
      P2PErrorCode.MALFORMED,
    );
    assert.equal(
      code(() => decodeStatus(encodeStatus({ ...status, finalizedHeight: 43 }))),
      P2PErrorCode.MALFORMED,
    );
    assert.equal(
      code(() => decodeBlockEnvelope(encodeMessage(['a', 'b']))),
      P2PErrorCode.MALFORMED,
    );
  });

  it('bounds blocks_by_range', () => {
    assert.equal(
      code(() => decodeBlocksByRange(encodeBlocksByRange({ start: 0, count: 1 }))),
      P2PErrorCode.INVALID_REQUEST,
    );
    assert.equal(
      code(() => decodeBlocksByRange(encodeBlocksByRange({ start: 1, count: 0 }))),
      P2PErrorCode.INVALID_REQUEST,
    );
    assert.equal(
      code(() => decodeBlocksByRange(encodeBlocksByRange({ start: 1, count: 257 }))),
      P2PErrorCode.INVALID_REQUEST,
    );
    assert.equal(
      code(() => decodeBlocksByRange(encodeBlocksByRange({ start: 1, count: 256 }))),
      undefined,
    );
  });
});
