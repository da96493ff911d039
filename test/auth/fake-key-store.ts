/**
 * A KeyStore double over SqliteKeyStore(':memory:') that counts reads and can be switched into an
 * outage, where every call rejects with RAGD_ERR_STORE_UNAVAILABLE.
 */
import type { ApiKeyRecord, CreateApiKeyInput, CreatedApiKey, KeyStore, StoredApiKey } from '../../src/auth/key-store.js';
import { SqliteKeyStore } from '../../src/auth/sqlite-key-store.js';
import { RagdError } from '../../src/errors/ragd-error.js';

export class FlakyKeyStore implements KeyStore {
  down = false;
  reads = 0;
  readonly inner: SqliteKeyStore;

  constructor(now: () => number = Date.now) {
    this.inner = new SqliteKeyStore({ path: ':memory:', now });
  }

  static async open(now?: () => number): Promise<FlakyKeyStore> {
    const s = new FlakyKeyStore(now);
    await s.inner.open();
    return s;
  }

  private check(): void {
    if (this.down) throw new RagdError('RAGD_ERR_STORE_UNAVAILABLE', 'simulated outage');
  }
  async create(input: CreateApiKeyInput): Promise<CreatedApiKey> {
    this.check();
    return this.inner.create(input);
  }
  async list(options?: { tenant?: string }): Promise<ApiKeyRecord[]> {
    this.check();
    return this.inner.list(options);
  }
  async revoke(id: string): Promise<boolean> {
    this.check();
    return this.inner.revoke(id);
  }
  async findByPrefix(id: string): Promise<StoredApiKey | undefined> {
    this.reads++;
    this.check();
    return this.inner.findByPrefix(id);
  }
  async close(): Promise<void> {
    await this.inner.close();
  }
}
