/**
 * Waits for every promise, then throws the first failure, or the first one `prefer` picks when any
 * does. Promise.all would reject at the first failure while the others still run: a caller that then
 * closes a descriptor or moves a file could pull it from under an fsync still in flight.
 */
export async function settleAll(promises: readonly Promise<unknown>[], prefer?: (error: unknown) => boolean): Promise<void> {
  const failures = (await Promise.allSettled(promises)).filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failures.length === 0) return;
  throw (failures.find((f) => prefer?.(f.reason) === true) ?? failures[0]!).reason;
}
