/**
 * Feature hashing ("the hashing trick", Weinberger et al. 2009) for the local embedder: a text
 * becomes weighted word unigrams, word bigrams and character n-grams of each word, each hashed to
 * one of `dimensions` buckets with a hash-derived sign, so collisions cancel out on average
 * instead of piling up.
 *
 * The hash is FNV-1a over UTF-16 code units with murmur3's 32-bit finaliser, written inline rather
 * than taken from a library: it runs once per n-gram (millions per second), must hash
 * substrings in place without allocating them, and must never change, since stored vectors depend
 * on it bit for bit. A library would either allocate per feature or hash strings only.
 */
import { isStopword, words } from '../../text/tokenize.js';

/** Relative weights and n-gram range of the features; a spec plus the hash defines a model version. */
export interface FeatureSpec {
  /** Weight of a content-word unigram. */
  readonly unigram: number;
  /** Weight of a stop-word unigram. */
  readonly stopUnigram: number;
  /** Weight of a bigram of two adjacent words, neither a stop word. */
  readonly bigram: number;
  /** Weight of a bigram with a stop word in it. */
  readonly stopBigram: number;
  /** Weight of one character n-gram of a content word (boundary markers included). */
  readonly char: number;
  /** Weight of one character n-gram of a stop word (0 skips them). */
  readonly stopChar: number;
  /** Shortest and longest character n-gram. */
  readonly charMin: number;
  readonly charMax: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// Distinct seeds keep a word, a bigram and a character n-gram with the same letters apart.
const SEED_UNIGRAM = 0x2545f491;
const SEED_BIGRAM = 0x9e3779b1;
const SEED_CHAR = 0x6a09e667;
// Word boundary markers for character n-grams; control codes never occur inside a tokenised word.
const WORD_START = 0x02;
const WORD_END = 0x03;
// 1 + ln(tf) for small tf, looked up rather than computed: Math.log per distinct feature was a
// large share of the per-chunk time, and almost every tf in a chunk is below 64.
const SUBLINEAR_TF = Float64Array.from({ length: 64 }, (_, tf) => (tf === 0 ? 0 : 1 + Math.log(tf)));
const TWO_POW_MINUS_32 = 1 / 4294967296;

/** murmur3's 32-bit finaliser: spreads FNV's weak low bits over the whole word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function fnv1a(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * Counts hashed features of one text at a time in a reusable open-addressing table (typed arrays,
 * no per-feature objects), then projects them into a vector. Not safe for concurrent use, which
 * JavaScript's single thread guarantees for a synchronous call.
 */
export class FeatureHasher {
  private keys = new Int32Array(0);
  private counts = new Int32Array(0);
  private weights = new Float32Array(0);
  private used = new Int32Array(0);
  /** Scratch: the current word's code units between boundary markers. */
  private codes = new Uint16Array(64);
  private mask = 0;
  private size = 0;

  constructor(
    private readonly spec: FeatureSpec,
    private readonly dimensions: number,
  ) {}

  /** The L2-normalised vector of `text` (all zeros for a text without words). */
  vector(text: string): Float32Array {
    const toks = words(text);
    // Upper bound on distinct features, from the tokens (NFKC can make them longer than the text).
    let chars = 0;
    for (const w of toks) chars += w.length + 2;
    this.reserve(2 * toks.length + chars * (this.spec.charMax - this.spec.charMin + 1));
    this.extract(toks);
    return this.project();
  }

  private extract(toks: string[]): void {
    const s = this.spec;
    let prevHash = 0;
    let prevStop = true;
    for (let t = 0; t < toks.length; t++) {
      const word = toks[t] as string;
      const stop = isStopword(word);
      const wh = fnv1a(word);
      this.add(fmix32(wh ^ SEED_UNIGRAM), stop ? s.stopUnigram : s.unigram);
      if (t > 0) {
        const w = stop || prevStop ? s.stopBigram : s.bigram;
        if (w > 0) this.add(fmix32((Math.imul(prevHash, SEED_BIGRAM) + wh) ^ SEED_BIGRAM), w);
      }
      prevHash = wh;
      prevStop = stop;
      const cw = stop ? s.stopChar : s.char;
      if (cw > 0) this.addCharGrams(word, cw);
    }
  }

  /** Every n-gram (charMin..charMax) of `\x02word\x03`, hashed incrementally from each start. */
  private addCharGrams(word: string, weight: number): void {
    const { charMin, charMax } = this.spec;
    const len = word.length + 2;
    if (this.codes.length < len) this.codes = new Uint16Array(len * 2);
    const codes = this.codes;
    codes[0] = WORD_START;
    for (let i = 0; i < word.length; i++) codes[i + 1] = word.charCodeAt(i);
    codes[len - 1] = WORD_END;
    for (let start = 0; start + charMin <= len; start++) {
      let h = SEED_CHAR;
      const last = Math.min(len, start + charMax);
      for (let p = start; p < last; p++) {
        h = Math.imul(h ^ (codes[p] as number), FNV_PRIME);
        if (p - start + 1 >= charMin) this.add(fmix32(h), weight);
      }
    }
  }

  private add(key: number, weight: number): void {
    const k = key === 0 ? 1 : key; // 0 marks an empty slot
    let i = k & this.mask;
    for (;;) {
      const cur = this.keys[i] as number;
      if (cur === 0) {
        this.keys[i] = k;
        this.counts[i] = 1;
        this.weights[i] = weight;
        this.used[this.size++] = i;
        return;
      }
      if (cur === k) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Sublinear tf (1 + ln tf) times the feature weight, signed into its bucket; then L2 normalisation. Clears the table. */
  private project(): Float32Array {
    const out = new Float32Array(this.dimensions);
    const d = this.dimensions;
    for (let j = 0; j < this.size; j++) {
      const i = this.used[j] as number;
      const key = this.keys[i] as number;
      const tf = this.counts[i] as number;
      const value = (this.weights[i] as number) * (tf < 64 ? (SUBLINEAR_TF[tf] as number) : 1 + Math.log(tf));
      // Bucket from the high bits (multiply-shift, cheaper than %), sign from the lowest bit.
      const bucket = Math.floor((key >>> 0) * d * TWO_POW_MINUS_32);
      const sign = (key & 1) === 0 ? 1 : -1;
      out[bucket] = (out[bucket] as number) + sign * value;
      this.keys[i] = 0;
    }
    this.size = 0;
    let norm = 0;
    for (let b = 0; b < d; b++) norm += (out[b] as number) * (out[b] as number);
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let b = 0; b < d; b++) out[b] = (out[b] as number) * inv;
    }
    return out;
  }

  /** Makes room for `features` distinct keys at a load factor of at most 1/2. */
  private reserve(features: number): void {
    if (features * 2 <= this.keys.length) return;
    let cap = 1024;
    while (cap < features * 2) cap *= 2;
    this.keys = new Int32Array(cap);
    this.counts = new Int32Array(cap);
    this.weights = new Float32Array(cap);
    this.used = new Int32Array(cap);
    this.mask = cap - 1;
  }
}
