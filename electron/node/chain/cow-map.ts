/**
 * A copy-on-write map for chain state: 4096 shards keyed by the first 3 hex digits of a hex key,
 * held in 64 groups of 64 shards. A finished map is never changed; edits go to a draft (a change
 * list over a base) and `finish` builds a new map that shares every group and shard it did not
 * touch. Drafts nest: a transaction's draft sits on its block's draft and is either committed
 * into it or dropped, which is how a failed transaction leaves no trace and `applyBlock` never
 * mutates its input. The two levels let the state root re-hash only what changed (state-root.ts).
 *
 * Costs: get O(1) (one extra map lookup per draft level); finish O(touched shards × shard size
 * + touched groups × 64); memory per new state is that of the touched shards and groups.
 */
export const GROUP_COUNT = 64;
export const GROUP_SIZE = 64;
export const SHARD_COUNT = GROUP_COUNT * GROUP_SIZE;

export function shardOf(key: string): number {
  const s = parseInt(key.slice(0, 3), 16);
  return Number.isNaN(s) ? 0 : s;
}

export type Shard<V> = ReadonlyMap<string, V> | undefined;
export type Group<V> = ReadonlyArray<Shard<V>>;

const DELETED = Symbol('deleted');
type Slot<V> = V | typeof DELETED;

function emptyGroups<V>(): Group<V>[] {
  const empty: Group<V> = Object.freeze(new Array<Shard<V>>(GROUP_SIZE).fill(undefined));
  return new Array<Group<V>>(GROUP_COUNT).fill(empty);
}

export class CowMap<V> {
  readonly groups: ReadonlyArray<Group<V>>;
  readonly size: number;

  constructor(groups: ReadonlyArray<Group<V>>, size: number) {
    this.groups = groups;
    this.size = size;
  }

  static empty<V>(): CowMap<V> {
    return new CowMap<V>(emptyGroups<V>(), 0);
  }

  static from<V>(entries: Iterable<readonly [string, V]>): CowMap<V> {
    const d = CowMap.empty<V>().draft();
    for (const [k, v] of entries) d.set(k, v);
    return d.finish();
  }

  shard(s: number): Shard<V> {
    return (this.groups[s >> 6] as Group<V>)[s & 63];
  }

  get(key: string): V | undefined {
    return this.shard(shardOf(key))?.get(key);
  }

  has(key: string): boolean {
    return this.shard(shardOf(key))?.has(key) ?? false;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const group of this.groups) for (const shard of group) if (shard) yield* shard.entries();
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
    if (slot === undefined) return this.base.get(key);
    return slot === DELETED ? undefined : slot;
  }

  has(key: string): boolean {
    const slot = this.changes.get(key);
    if (slot === undefined) return this.base.has(key);
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
    const groups = base.groups.slice() as Group<V>[];
    const copiedGroups = new Set<number>();
    const copiedShards = new Set<number>();
    for (const [k, v] of this.changes) {
      const s = shardOf(k);
      const g = s >> 6;
      if (!copiedGroups.has(g)) {
        groups[g] = (groups[g] as Group<V>).slice();
        copiedGroups.add(g);
      }
      const group = groups[g] as Shard<V>[];
      let shard = group[s & 63] as Map<string, V> | undefined;
      if (!copiedShards.has(s)) {
        shard = new Map(shard ?? []);
        group[s & 63] = shard;
        copiedShards.add(s);
      }
      if (v === DELETED) shard!.delete(k);
      else shard!.set(k, v);
    }
    for (const s of copiedShards) {
      const group = groups[s >> 6] as Shard<V>[];
      if (group[s & 63]!.size === 0) group[s & 63] = undefined;
    }
    return new CowMap<V>(groups, this.size);
  }
}
