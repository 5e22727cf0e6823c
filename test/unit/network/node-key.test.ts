/**
 * The node's libp2p identity: a random key until a role activates a hotkey, then that hotkey's
 * (ADR 0005). The working hotkey reads back with its secret; a file whose recorded hotkey does
 * not match its key is refused rather than used.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  activateHotkey,
  loadOrCreateNodeKey,
  loadWorkingHotkey,
  nodeKeyPath,
} from '../../../electron/node/network/node-key.ts';
import { publicKeyOf, randomSecretKey, toHex } from '../../../electron/node/chain/crypto.ts';
import { peerIdFromPublicKey } from '../../../electron/node/wallet/peer-id.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

test('a fresh node networks under a random key and has no working hotkey', async () => {
  const dir = await tempDir();
  const key = await loadOrCreateNodeKey(dir);
  assert.equal(key.hotkey, null);
  assert.equal((await loadOrCreateNodeKey(dir)).peerId, key.peerId, 'the key is kept');
  assert.equal(await loadWorkingHotkey(dir), null);
  assert.equal((await stat(nodeKeyPath(dir))).mode & 0o777, 0o600);
});

test('activating a hotkey makes its peer id the node identity', async () => {
  const dir = await tempDir();
  const random = await loadOrCreateNodeKey(dir);
  const secret = randomSecretKey();
  const pub = publicKeyOf(secret);
  const first = await activateHotkey(dir, secret, pub);
  assert.equal(first.changed, true);
  assert.equal(first.peerId, peerIdFromPublicKey(pub));
  assert.notEqual(first.peerId, random.peerId);
  const again = await activateHotkey(dir, secret, pub);
  assert.equal(again.changed, false, 'activating the same hotkey changes nothing');
  const node = await loadOrCreateNodeKey(dir);
  assert.equal(node.peerId, peerIdFromPublicKey(pub));
  assert.equal(node.hotkey, toHex(pub));
  const working = await loadWorkingHotkey(dir);
  assert.ok(working !== null);
  assert.equal(working.publicKey, toHex(pub));
  assert.deepEqual(working.secretKey, secret);
  assert.equal((await stat(nodeKeyPath(dir))).mode & 0o777, 0o600);
});

test('a node key whose recorded hotkey is not its key is refused, and left as it is', async () => {
  const dir = await tempDir();
  const secret = randomSecretKey();
  await activateHotkey(dir, secret, publicKeyOf(secret));
  const file = nodeKeyPath(dir);
  const body = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  body.hotkey = toHex(publicKeyOf(randomSecretKey()));
  const tampered = JSON.stringify(body);
  await writeFile(file, tampered);
  await assert.rejects(loadWorkingHotkey(dir), /hotkey does not match/);
  assert.equal(await readFile(file, 'utf8'), tampered);
});
