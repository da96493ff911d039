/**
 * RedisStore: the shared tier (L2). The ioredis client is passed in (use FAST_FAIL_REDIS_OPTIONS);
 * the store never closes it.
 *
 * Layout under `prefix` (default `ragd:cache:`):
 *   `<prefix>e:<key>`  the entry, a compact JSON array [value, storedAt, expiresAt, keepUntil, delta, tags],
 *                      with PX = keepUntil - now so Redis drops it on time.
 *   `<prefix>t:<tag>`  the tag index: a sorted set of entry keys scored by their keepUntil.
 *
 * Purge by tag uses the index sets rather than per-tag generation counters, because a generation
 * check would cost a second round trip on every read, and reads are the hot path. Every command and
 * the one Lua script touch a single key, so the layout is safe on Redis Cluster without hash tags:
 * entry keys spread over all slots, and a purge deletes them one key per command. Writes update the
 * index before the entry, so the index is always a superset of live entries; the script prunes
 * members past their keepUntil on each write and keeps the set's own TTL at least that of its
 * newest member, so an index never outgrows its live entries nor outlives them. An entry rewritten
 * with other tags may linger in an old tag's index; the purge script therefore deletes a member
 * only if the entry it finds still carries the tag (checked and deleted atomically, one key).
 */
import type { Cluster, Redis } from 'ioredis';
import { isRetained, type CacheEntry, type CacheStore, type Clock, type EvictionListener } from './cache-store.js';

/** A standalone or cluster ioredis client. */
export type RedisClient = Redis | Cluster;

export interface RedisStoreOptions {
  client: RedisClient;
  /** Key prefix; give each deployment (and each test) its own. Defaults to `ragd:cache:`. */
  prefix?: string;
  /** Epoch ms. Defaults to Date.now. */
  now?: Clock;
}

/** Members deleted per batch during a purge. */
const PURGE_BATCH = 500;

// KEYS[1] tag index; ARGV: score (keepUntil), member (entry key), now, ttl ms.
const INDEX_SCRIPT = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1`;

// KEYS[1] entry; ARGV[1] tag. Deletes the entry if its tags (element 6 of the packed array) include
// the tag; an entry that cannot be decoded is deleted too, since a purge should err towards removal.
const PURGE_MEMBER_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, packed = pcall(cjson.decode, raw)
if not ok or type(packed) ~= 'table' or type(packed[6]) ~= 'table' then return redis.call('UNLINK', KEYS[1]) end
for _, tag in ipairs(packed[6]) do
  if tag == ARGV[1] then return redis.call('UNLINK', KEYS[1]) end
end
return 0`;

type Packed = [unknown, number, number, number, number, string[]];

export class RedisStore implements CacheStore {
  private readonly client: RedisClient;
  private readonly prefix: string;
  private readonly now: Clock;

  constructor(options: RedisStoreOptions) {
    this.client = options.client;
    this.prefix = options.prefix ?? 'ragd:cache:';
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const raw = await this.client.get(this.entryKey(key));
    if (raw === null) return undefined;
    const entry = unpack(raw);
    return entry !== undefined && isRetained(entry, this.now()) ? entry : undefined;
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    const now = this.now();
    const ttl = Math.ceil(entry.keepUntil - now);
    if (ttl <= 0) return;
    const entryKey = this.entryKey(key);
    await Promise.all(
      entry.tags.map((tag) => this.client.eval(INDEX_SCRIPT, 1, this.tagKey(tag), entry.keepUntil, entryKey, now, ttl)),
    );
    await this.client.set(entryKey, pack(entry), 'PX', ttl);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(this.entryKey(key))) > 0;
  }

  async purgeTag(tag: string): Promise<number> {
    const tagKey = this.tagKey(tag);
    let removed = 0;
    let cursor = '0';
    do {
      const [next, flat] = await this.client.zscan(tagKey, cursor, 'COUNT', PURGE_BATCH);
      cursor = next;
      const members: string[] = [];
      for (let i = 0; i < flat.length; i += 2) members.push(flat[i]!);
      const counts = await Promise.all(members.map((member) => this.client.eval(PURGE_MEMBER_SCRIPT, 1, member, tag)));
      for (const n of counts) removed += Number(n);
    } while (cursor !== '0');
    await this.client.unlink(tagKey);
    return removed;
  }

  async size(): Promise<undefined> {
    return undefined;
  }

  /** Redis evicts on its own (maxmemory, TTL) without telling clients: nothing to report. */
  onEvict(_listener: EvictionListener): void {}

  async close(): Promise<void> {}

  private entryKey(key: string): string {
    return `${this.prefix}e:${key}`;
  }

  private tagKey(tag: string): string {
    return `${this.prefix}t:${tag}`;
  }
}

function pack(entry: CacheEntry): string {
  const packed: Packed = [entry.value, entry.storedAt, entry.expiresAt, entry.keepUntil, entry.delta, [...entry.tags]];
  return JSON.stringify(packed);
}

/** A value another version wrote in an unknown shape reads as a miss, not an error. */
function unpack(raw: string): CacheEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 6) return undefined;
  const [value, storedAt, expiresAt, keepUntil, delta, tags] = parsed as Packed;
  if (typeof keepUntil !== 'number' || !Array.isArray(tags)) return undefined;
  return { value, storedAt, expiresAt, keepUntil, delta, tags };
}
