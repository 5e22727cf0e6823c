/**
 * A copy-on-write map for chain state: 4096 shards keyed by the first 12 bits (3 hex digits) of
 * a hex key. A finished
 * map is never changed; edits go to a draft (a change list over a base) and `finish` builds a new
 * map that shares every shard it did not touch. Drafts nest: a transaction's draft sits on its
 * block's draft and is either committed into it or dropped, which is how a failed transaction
 * leaves no trace and `applyBlock` never mutates its input.
 *
 * Costs: get O(1) (one extra map lookup per draft level); finish O(touched shards × shard size);
 * the unchanged shards are shared, so memory per new state is that of the touched shards.
 */
export const SHARD_COUNT = 4096;

export function shardOf(key: string): number {
  const s = parseInt(key.slice(0, 3), 16);
  return Number.isNaN(s) ? 0 : s;
}

const DELETED = Symbol('deleted');
type Slot<V> = V | typeof DELETED;

export class CowMap<V> {
  readonly shards: ReadonlyArray<ReadonlyMap<string, V> | undefined>;
  readonly size: number;

  constructor(shards: ReadonlyArray<ReadonlyMap<string, V> | undefined>, size: number) {
    this.shards = shards;
    this.size = size;
  }

  static empty<V>(): CowMap<V> {
    return new CowMap<V>(new Array(SHARD_COUNT).fill(undefined), 0);
  }

  static from<V>(entries: Iterable<readonly [string, V]>): CowMap<V> {
    const d = CowMap.empty<V>().draft();
    for (const [k, v] of entries) d.set(k, v);
    return d.finish();
  }

  get(key: string): V | undefined {
    return this.shards[shardOf(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.shards[shardOf(key)]?.has(key) ?? false;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const shard of this.shards) if (shard) yield* shard.entries();
  }

  /** Entries in ascending key order (the order every commitment and encoding uses). */
  sortedEntries(): Array<[string, V]> {
    return [...this.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  draft(): MapDraft<V> {
    return new MapDraft<V>(this);
  }
}

export class MapDraft<V> {
  private readonly base: CowMap<V> | MapDraft<V>;
  private readonly changes = new Map<string, Slot<V>>();
  private sizeDelta = 0;

  constructor(base: CowMap<V> | MapDraft<V>) {
    this.base = base;
  }

  get size(): number {
    return this.base.size + this.sizeDelta;
  }

  get(key: string): V | undefined {
    const slot = this.changes.get(key);
    if (slot === undefined) return this.changes.has(key) ? (slot as V) : this.base.get(key);
    return slot === DELETED ? undefined : slot;
  }

  has(key: string): boolean {
    const slot = this.changes.get(key);
    if (slot === undefined && !this.changes.has(key)) return this.base.has(key);
    return slot !== DELETED;
  }

  set(key: string, value: V): void {
    if (!this.has(key)) this.sizeDelta++;
    this.changes.set(key, value);
  }

  delete(key: string): void {
    if (this.has(key)) this.sizeDelta--;
    this.changes.set(key, DELETED);
  }

  /** Every entry as of this draft (base plus changes); for small tables such as subnets. */
  entries(): Array<[string, V]> {
    const merged = new Map<string, V>(
      this.base instanceof CowMap ? this.base.entries() : this.base.entries(),
    );
    for (const [k, v] of this.changes) {
      if (v === DELETED) merged.delete(k);
      else merged.set(k, v);
    }
    return [...merged.entries()];
  }

  child(): MapDraft<V> {
    return new MapDraft<V>(this);
  }

  /** Moves this draft's changes into the draft it was made from. */
  commit(): void {
    const parent = this.base;
    if (!(parent instanceof MapDraft)) throw new Error('commit() needs a parent draft');
    for (const [k, v] of this.changes) parent.changes.set(k, v);
    parent.sizeDelta += this.sizeDelta;
    this.changes.clear();
    this.sizeDelta = 0;
  }

  /** A new map: the base with this draft's changes; the base is left as it was. */
  finish(): CowMap<V> {
    const base = this.base;
    if (!(base instanceof CowMap)) throw new Error('finish() needs a map as base');
    if (this.changes.size === 0) return base;
    const shards = base.shards.slice();
    const copied = new Set<number>();
    for (const [k, v] of this.changes) {
      const s = shardOf(k);
      let shard = shards[s] as Map<string, V> | undefined;
      if (!copied.has(s)) {
        shard = new Map(shard ?? []);
        shards[s] = shard;
        copied.add(s);
      }
      if (v === DELETED) shard!.delete(k);
      else shard!.set(k, v);
    }
    for (const s of copied) if (shards[s]!.size === 0) shards[s] = undefined;
    return new CowMap<V>(shards, this.size);
  }
}
