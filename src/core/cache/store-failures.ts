/**
 * How a batch store reports what failed (TileCache.storeMany): nothing when every tile was stored, the one error
 * when every tile failed (the whole batch met the same fault), an AggregateError of the failed tiles otherwise.
 */
export function throwStoreFailures(failed: readonly Error[], total: number): void {
  if (failed.length === 0) return;
  if (failed.length === total) throw failed[0];
  throw new AggregateError(failed, `${failed.length} of ${total} tiles not stored`);
}
