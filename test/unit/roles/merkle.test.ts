/**
 * The Merkle tree: roots of 1, 2, 3, 5 and 8 leaves match the formulas written out by hand and
 * pinned vectors; every proof verifies; a tampered leaf, sibling, index or count fails; an odd
 * node is promoted, so [a, b, c] and [a, b, c, c] differ (CVE-2012-2459).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCanonical } from '../../../electron/node/chain/codec.ts';
import { fromHex, hash256, toHex, ZERO_HASH } from '../../../electron/node/chain/crypto.ts';
import { isNoesisError } from '../../../electron/node/errors.ts';
import {
  interactionLeaf,
  MerkleErrorCode,
  merkleProof,
  merkleRoot,
  verifyMerkleProof,
  type MerkleProof,
} from '../../../electron/node/roles/merkle.ts';

const L = (x: Uint8Array) => hash256(Uint8Array.of(0, ...x));
const N = (a: Uint8Array, b: Uint8Array) => hash256(Uint8Array.of(1, ...a, ...b));
const leaves = (n: number) => Array.from({ length: n }, (_, i) => Uint8Array.of(i));

test('the empty tree is 32 zero bytes and one leaf is its leaf hash', () => {
  assert.equal(merkleRoot([]), ZERO_HASH);
  const [a] = leaves(1) as [Uint8Array];
  assert.equal(merkleRoot([a]), toHex(L(a)));
  assert.notEqual(merkleRoot([a]), toHex(hash256(a)), 'the leaf is domain-separated');
});

test('roots of 2, 3, 5 and 8 leaves follow the formulas (odd node promoted)', () => {
  const [a, b, c, d, e, f, g, h] = leaves(8).map(L) as Uint8Array[] as [
    Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array,
  ]; // prettier-ignore
  assert.equal(merkleRoot(leaves(2)), toHex(N(a, b)));
  assert.equal(merkleRoot(leaves(3)), toHex(N(N(a, b), c)));
  assert.equal(merkleRoot(leaves(5)), toHex(N(N(N(a, b), N(c, d)), e)));
  assert.equal(merkleRoot(leaves(8)), toHex(N(N(N(a, b), N(c, d)), N(N(e, f), N(g, h)))));
});

test('pinned vectors (leaves are the single bytes 0, 1, 2, …)', () => {
  assert.deepEqual(
    [1, 2, 3, 5, 8].map((n) => merkleRoot(leaves(n))),
    PINNED,
  );
});
const PINNED = [
  '9ee6dfb61a2fb903df487c401663825643bb825d41695e63df8af6162ab145a6',
  '47f61e4f4620e9946a8831b8c717a76f36982b82d88e005bc4635a1b21c73eff',
  '8926efdc0a3a501b9a98e046861bf1303acf7bd2191f0a5fd21c003c9557c1b9',
  'd189ac817a2f095408bea113eb0c5b6ba55cbafea7cd71378de9152f3b5d3246',
  '4ba07b279e4b38ac43030e643df2838f441574aaa3fe3d33187d240df776424b',
];

test('a repeated last entry changes the root (CVE-2012-2459)', () => {
  const abc = leaves(3);
  assert.notEqual(merkleRoot(abc), merkleRoot([...abc, abc[2] as Uint8Array]));
  const five = leaves(5);
  assert.notEqual(merkleRoot(five), merkleRoot([...five, five[4] as Uint8Array]));
});

test('every proof of trees of 1 to 33 leaves verifies, and only at its own index', () => {
  for (let n = 1; n <= 33; n++) {
    const ls = leaves(n);
    const root = merkleRoot(ls);
    for (let i = 0; i < n; i++) {
      const proof = merkleProof(ls, i);
      assert.equal(proof.leafCount, n);
      assert.ok(proof.siblings.length <= Math.ceil(Math.log2(n)));
      assert.equal(verifyMerkleProof(ls[i] as Uint8Array, proof, root), true, `${n}/${i}`);
      assert.equal(verifyMerkleProof(toHex(ls[i] as Uint8Array), proof, root), true);
      if (n > 1) {
        const j = (i + 1) % n;
        assert.equal(verifyMerkleProof(ls[j] as Uint8Array, proof, root), false, 'other leaf');
        assert.equal(verifyMerkleProof(ls[i] as Uint8Array, { ...proof, index: j }, root), false);
      }
    }
  }
});

test('a tampered leaf, sibling, index, count or root fails', () => {
  for (const n of [2, 3, 5, 8]) {
    const ls = leaves(n);
    const root = merkleRoot(ls);
    for (let i = 0; i < n; i++) {
      const proof = merkleProof(ls, i);
      const leaf = ls[i] as Uint8Array;
      const bad: Array<[Uint8Array, MerkleProof, string]> = [
        [Uint8Array.of(leaf[0]! ^ 1), proof, root],
        [leaf, { ...proof, index: i ^ 1 }, root],
        [leaf, { ...proof, index: -1 }, root],
        [leaf, { ...proof, index: n }, root],
        [leaf, { ...proof, leafCount: 0 }, root],
        [leaf, { ...proof, siblings: [...proof.siblings, ZERO_HASH] }, root],
        [leaf, { ...proof, siblings: proof.siblings.slice(1) }, root],
        [leaf, { ...proof, siblings: ['zz'.repeat(32), ...proof.siblings.slice(1)] }, root],
        [leaf, proof, ZERO_HASH],
        [leaf, proof, 'not hex'],
      ];
      for (let k = 0; k < proof.siblings.length; k++) {
        const s = fromHex(proof.siblings[k] as string);
        s[0] = (s[0] as number) ^ 0x80;
        const siblings = [...proof.siblings];
        siblings[k] = toHex(s);
        bad.push([leaf, { ...proof, siblings }, root]);
      }
      for (const [l, p, r] of bad) {
        // index ^ 1 may be the promoted last node's own slot, which is outside the tree.
        assert.equal(verifyMerkleProof(l, p, r), false, `${n}/${i}: ${JSON.stringify(p)}`);
      }
    }
  }
  assert.equal(verifyMerkleProof('abc', merkleProof(leaves(2), 0), merkleRoot(leaves(2))), false);
});

test('the root does not commit the leaf count: compare proof.leafCount with the committed count', () => {
  // In [a, b, c] the promoted c sits where [a, b, c, d] has N(c, d): a proof of a can claim 4
  // leaves. It cannot move a or forge another entry (leaf and node hashes are separated), but
  // only the count committed beside the root says how many entries there are.
  const ls = leaves(3);
  const proof = merkleProof(ls, 0);
  assert.equal(
    verifyMerkleProof(ls[0] as Uint8Array, { ...proof, leafCount: 4 }, merkleRoot(ls)),
    true,
  );
  // A count that changes the path's shape fails.
  const last = merkleProof(leaves(5), 4);
  assert.equal(
    verifyMerkleProof(Uint8Array.of(4), { ...last, leafCount: 6 }, merkleRoot(leaves(5))),
    false,
  );
});

test('a proof for an index outside the tree is refused', () => {
  for (const i of [-1, 3, 1.5]) {
    assert.throws(
      () => merkleProof(leaves(3), i),
      (e: unknown) => isNoesisError(e, MerkleErrorCode.BAD_INPUT),
    );
  }
});

test('the interaction leaf is the hash of the CBOR of its five fields', () => {
  const entry = {
    taskId: '11'.repeat(32),
    minerHotkey: '22'.repeat(32),
    answerHash: '33'.repeat(32),
    result: 'pass' as const,
    score: 0.8125,
  };
  const expected = hash256(
    encodeCanonical([
      fromHex(entry.taskId),
      fromHex(entry.minerHotkey),
      fromHex(entry.answerHash),
      'pass',
      812500,
    ]),
  );
  assert.equal(toHex(interactionLeaf(entry)), toHex(expected));
  assert.equal(
    toHex(interactionLeaf({ ...entry, score: 0.81250000001 })),
    toHex(expected),
    'the score is hashed in millionths',
  );
  assert.notEqual(toHex(interactionLeaf({ ...entry, result: 'fail' })), toHex(expected));
  const isBad = (e: unknown) => isNoesisError(e, MerkleErrorCode.BAD_INPUT);
  assert.throws(() => interactionLeaf({ ...entry, taskId: 'AB'.repeat(32) }), isBad);
  assert.throws(() => interactionLeaf({ ...entry, result: 'ok' as 'pass' }), isBad);
  assert.throws(() => interactionLeaf({ ...entry, score: 2 }), isBad);
});
