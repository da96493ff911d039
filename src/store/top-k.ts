/**
 * TopK: keeps the k best (id, score) pairs seen so far in a bounded binary min-heap, so ranking n
 * candidates costs O(n log k) and O(k) memory instead of sorting all n. Ties are broken by the
 * smaller id, which makes rankings deterministic across runs, snapshots and rebuilds.
 *
 * Hand-written rather than a dependency: it is ~60 lines over two typed arrays, and the popular heap
 * packages box every entry in an object, which is exactly the per-candidate allocation this avoids.
 */

export interface Ranked {
  id: number;
  score: number;
}

export class TopK {
  private readonly ids: Float64Array;
  private readonly scores: Float64Array;
  private count = 0;

  /** @param k how many entries to keep; 0 keeps none. */
  constructor(readonly k: number) {
    const capacity = Math.max(0, Math.floor(k));
    this.ids = new Float64Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Offers a candidate; it is kept when the heap has room or it beats the current worst. */
  push(id: number, score: number): void {
    const cap = this.ids.length;
    if (cap === 0) return;
    if (this.count < cap) {
      this.ids[this.count] = id;
      this.scores[this.count] = score;
      this.siftUp(this.count++);
      return;
    }
    if (!worse(this.scores[0]!, this.ids[0]!, score, id)) return;
    this.ids[0] = id;
    this.scores[0] = score;
    this.siftDown(0);
  }

  /** The kept entries, best first. Empties the heap. */
  drain(): Ranked[] {
    const out: Ranked[] = new Array<Ranked>(this.count);
    for (let i = this.count - 1; i >= 0; i--) {
      out[i] = { id: this.ids[0]!, score: this.scores[0]! };
      this.count--;
      if (this.count > 0) {
        this.ids[0] = this.ids[this.count]!;
        this.scores[0] = this.scores[this.count]!;
        this.siftDown(0);
      }
    }
    return out;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(this.scores[i]!, this.ids[i]!, this.scores[parent]!, this.ids[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.count) return;
      const right = left + 1;
      let worst = left;
      if (right < this.count && worse(this.scores[right]!, this.ids[right]!, this.scores[left]!, this.ids[left]!)) worst = right;
      if (!worse(this.scores[worst]!, this.ids[worst]!, this.scores[i]!, this.ids[i]!)) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private swap(a: number, b: number): void {
    const id = this.ids[a]!;
    const score = this.scores[a]!;
    this.ids[a] = this.ids[b]!;
    this.scores[a] = this.scores[b]!;
    this.ids[b] = id;
    this.scores[b] = score;
  }
}

/** Whether (scoreA, idA) ranks below (scoreB, idB): lower score, or equal score and larger id. */
function worse(scoreA: number, idA: number, scoreB: number, idB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && idA > idB);
}
