/**
 * DistributedLock: a short lease that lets one replica refresh a cache entry while the others keep
 * serving the stale value. Not a correctness lock: if a lease lapses two replicas may both
 * recompute, which is only wasted work.
 */

export interface LockLease {
  /** Releases the lease if this holder still owns it; resolves false when it had already lapsed or moved on. */
  release(): Promise<boolean>;
}

export interface DistributedLock {
  /**
   * Tries once (never waits) to take the lease `name` for `ttlMs`.
   * Resolves the lease, or undefined when another holder has it. Rejects when the lock service is unreachable.
   */
  tryAcquire(name: string, ttlMs: number): Promise<LockLease | undefined>;
}
