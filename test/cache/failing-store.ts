/** A CacheStore wrapper that can be switched to throw on every call, standing in for a dead backend. */
import type { CacheEntry, CacheStore, EvictionListener } from '../../src/cache/cache-store.js';

export class FailingStore implements CacheStore {
  failing = false;
  calls = 0;
  constructor(private readonly inner: CacheStore) {}

  private check(): void {
    this.calls++;
    if (this.failing) throw new Error('backend down');
  }
  async get(key: string): Promise<CacheEntry | undefined> {
    this.check();
    return this.inner.get(key);
  }
  async set(key: string, entry: CacheEntry): Promise<void> {
    this.check();
    return this.inner.set(key, entry);
  }
  async delete(key: string): Promise<boolean> {
    this.check();
    return this.inner.delete(key);
  }
  async purgeTag(tag: string): Promise<number> {
    this.check();
    return this.inner.purgeTag(tag);
  }
  async size(): Promise<number | undefined> {
    this.check();
    return this.inner.size();
  }
  onEvict(listener: EvictionListener): void {
    this.inner.onEvict(listener);
  }
  async close(): Promise<void> {
    return this.inner.close();
  }
}
