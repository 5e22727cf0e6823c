/**
 * The state root: one blake2b-256 hash that commits to the whole state, so two nodes compare
 * their states by comparing 32 bytes.
 *
 *   root      = H(CBOR["noesis/state/4", chainId, height, lastBlockTime, totalIssuance,
 *                      totalRecycled, lastLockCost, lastLockBlock, params, validators,
 *                      accountsRoot, hotkeysRoot, subnetsRoot, governance [nextProposalId,
 *                      open ids, queued ids], proposalsRoot, votesRoot, locksRoot,
 *                      validator sets [last, next] each [[key, power, priority], ...],
 *                      slashes [[evidence, validator, hotkey, offenceHeight, height, amount,
 *                      removed], ...]])
 *   tableRoot = H(groupHash[0] || … || groupHash[63])
 *   groupHash = H(shardHash[64g] || … || shardHash[64g + 63])  (shard = first 3 hex digits of the key)
 *   shardHash = H(keyBytes || CBOR(value) for each entry, ascending by key)   (keys have a
 *               fixed width per table: 32 bytes, 2 for subnets, 4 for proposals, 36 for votes
 *               (voter then proposal id), so the concatenation is unambiguous)
 * A subnet's value lists H(neuron) per uid instead of the neurons themselves, then its model
 * (or null); a neuron's value ends with its proof commitment (or null). v3 added both. The block hashes
 * (genesis hash, last block hash) are left out: the header chain commits to them through
 * prevHash, and leaving them out lets a block carry the root of the state it produces.
 *
 * Cost: shards and records are immutable and shared between states, so their hashes and
 * encodings are cached (WeakMap) and only the shards a block touched are re-hashed, each in
 * O(entries in the shard). At 100,000 accounts a shard holds ~25 entries; a block of 1,000
 * transfers touches ~1,600 shards (~40,000 entries, ~2 MB hashed), measured at ~100 ms of the
 * block's ~200 ms; an idle block re-hashes only what it touched plus 2 KB per touched group and
 * table (well under 1 ms). The first root of a freshly loaded state encodes and hashes everything once.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { encodeCanonical } from './codec.ts';
import { GROUP_COUNT, GROUP_SIZE, type CowMap } from './cow-map.ts';
import { fromHex, hash256, toHex, type Hex } from './crypto.ts';
import {
  accountArray,
  governanceMetaArray,
  hotkeyArray,
  locksArray,
  neuronArray,
  paramsObject,
  proposalArray,
  slashArray,
  subnetArray,
  validatorSetsArray,
  voteArray,
} from './state-codec.ts';
import type { ChainState, Neuron } from './types.ts';

const EMPTY_SHARD = hash256(new Uint8Array(0));
const shardHashes = new WeakMap<object, Uint8Array>();
const valueBytes = new WeakMap<object, Uint8Array>();

function cachedBytes<V extends object>(value: V, encode: (v: V) => unknown): Uint8Array {
  let bytes = valueBytes.get(value);
  if (bytes === undefined) {
    bytes = encodeCanonical(encode(value));
    valueBytes.set(value, bytes);
  }
  return bytes;
}

const neuronHashes = new WeakMap<Neuron, Uint8Array>();

function neuronHash(n: Neuron): Uint8Array {
  let h = neuronHashes.get(n);
  if (h === undefined) {
    h = hash256(cachedBytes(n, neuronArray));
    neuronHashes.set(n, h);
  }
  return h;
}

const groupHashes = new WeakMap<object, Uint8Array>();

function tableRoot<V extends object>(map: CowMap<V>, encode: (v: V) => unknown): Uint8Array {
  const top = new Uint8Array(32 * GROUP_COUNT);
  map.groups.forEach((group, g) => {
    let gh = groupHashes.get(group);
    if (gh === undefined) {
      const all = new Uint8Array(32 * GROUP_SIZE);
      group.forEach((shard, i) => {
        let h = shard === undefined ? EMPTY_SHARD : shardHashes.get(shard);
        if (h === undefined) {
          h = shardHash(shard as ReadonlyMap<string, V>, encode);
          shardHashes.set(shard as object, h);
        }
        all.set(h, i * 32);
      });
      gh = hash256(all);
      groupHashes.set(group, gh);
    }
    top.set(gh, g * 32);
  });
  return hash256(top);
}

/** H(keyBytes || CBOR(value) for each entry ascending by key), hashed in one call. */
function shardHash<V extends object>(
  shard: ReadonlyMap<string, V>,
  encode: (v: V) => unknown,
): Uint8Array {
  const keys = [...shard.keys()].sort();
  const values = keys.map((k) => cachedBytes(shard.get(k) as V, encode));
  let size = 0;
  for (let i = 0; i < keys.length; i++)
    size += (keys[i] as string).length / 2 + (values[i] as Uint8Array).length;
  const buf = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = 0; i < keys.length; i++) {
    o += buf.write(keys[i] as string, o, 'hex');
    buf.set(values[i] as Uint8Array, o);
    o += (values[i] as Uint8Array).length;
  }
  return blake2b(buf, { dkLen: 32 });
}

export function stateRoot(state: ChainState): Hex {
  const accountsRoot = tableRoot(state.accounts, accountArray);
  const hotkeysRoot = tableRoot(state.hotkeys, hotkeyArray);
  const subnetsRoot = tableRoot(state.subnets, (s) => subnetArray(s, s.neurons.map(neuronHash)));
  const proposalsRoot = tableRoot(state.proposals, proposalArray);
  const votesRoot = tableRoot(state.votes, voteArray);
  const locksRoot = tableRoot(state.locks, locksArray);
  return toHex(
    hash256(
      encodeCanonical([
        'noesis/state/4',
        state.chainId,
        state.height,
        state.lastBlockTime,
        state.totalIssuance,
        state.totalRecycled,
        state.lastLockCost,
        state.lastLockBlock,
        paramsObject(state.params),
        state.validators.map((v) => [fromHex(v.key), fromHex(v.hotkey)]),
        accountsRoot,
        hotkeysRoot,
        subnetsRoot,
        governanceMetaArray(state.governance),
        proposalsRoot,
        votesRoot,
        locksRoot,
        validatorSetsArray(state.validatorSets),
        state.slashes.map(slashArray),
      ]),
    ),
  );
}
