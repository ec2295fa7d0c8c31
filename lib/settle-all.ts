/**
 * Waits for every promise, then throws the first failure. Promise.all would reject at the first
 * failure while the others still run: a caller that then closes a descriptor or moves a file could
 * pull it from under an fsync still in flight.
 */
export async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
