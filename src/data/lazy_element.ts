// An element kept in a compact internal form while it only passes through
// stages that do not look at it (shuffle, take, skip, repeat, prefetch), so
// that batch() can build its tensors straight from that form. Whatever hands
// an element to user code (map, filter, forEachAsync, iteration) materializes
// it first: users only ever see the plain values.

/** @internal */
export abstract class LazyElement {
  /** The element as users see it: a new plain value each call. */
  abstract materialize(): unknown;

  /**
   * The batch of `group` (this element first), equal to batching the
   * materialized elements, or null when only that generic path can build it
   * (mixed kinds, or an error the generic path words).
   */
  abstract batch(group: readonly unknown[]): unknown | null;
}

/** @internal The element as users see it. */
export function materialize(e: unknown): unknown {
  return e instanceof LazyElement ? e.materialize() : e;
}
