/**
 * Structure-aware chunking. Headings start sections and give every chunk its heading trail;
 * within a section, whole blocks (paragraphs, list items, rows) are packed up to `size`
 * characters; a block too long for one chunk is cut at sentences, then words, then hard. Each new
 * chunk in a section repeats the previous chunk's trailing whole sentences, up to `overlap`
 * characters, so a fact cut at a boundary is still retrievable in one piece.
 *
 * Every chunk's text is exactly `text.slice(start, end)` of the document's clean text.
 */
import { RagdError } from '../../errors/ragd-error.js';
import { sentenceSpans, trimSpan } from '../../text/sentences.js';
import type { Block } from '../convert/block.js';
import { chunkId } from './chunk-id.js';
import { splitLong, type Piece } from './split-long.js';

/** A chunk before it is embedded: the store's ChunkWrite without the embedding. */
export interface ChunkDraft {
  /** Stable id, see chunk-id.ts. */
  id: string;
  /** 0-based position in the document. */
  ordinal: number;
  /** Equals `text.slice(start, end)` of the clean text; never empty or whitespace-only. */
  text: string;
  /** Heading trail, outermost first (a leading heading equal to the title is left out). */
  headings: string[];
  start: number;
  end: number;
}

export interface ChunkInput {
  documentId: string;
  /** Document title; the store indexes it with every chunk, so it is not repeated in trails. */
  title: string;
  blocks: readonly Block[];
  /** The clean text the blocks' offsets point into. */
  text: string;
}

export interface ChunkOptions {
  /** Most characters per chunk (at least 1). Every chunk respects it; over-long words are hard-cut. */
  size: number;
  /** Most characters of trailing whole sentences repeated from the previous chunk of the same section (0 ≤ overlap < size). */
  overlap: number;
}

interface Span {
  start: number;
  end: number;
  headings: string[];
}

interface OpenChunk {
  start: number;
  end: number;
  /** What was appended, in order: whole blocks (`sentence: false`, `whole: true`) or pieces of long blocks. */
  parts: Array<Piece & { whole: boolean }>;
}

/**
 * Splits a converted document into chunks.
 * @throws RagdError RAGD_ERR_VALIDATION when `size` or `overlap` is out of range.
 * @example
 * const { text, blocks } = convertDocument(markdown, 'markdown');
 * const drafts = chunkDocument({ documentId: 'doc-1', title: 'Guide', blocks, text }, { size: 1000, overlap: 150 });
 */
export function chunkDocument(input: ChunkInput, options: ChunkOptions): ChunkDraft[] {
  validate(options);
  const spans = new SpanCollector(input, options).collect();
  return spans.map((s, ordinal) => {
    const text = input.text.slice(s.start, s.end);
    return {
      id: chunkId(input.documentId, ordinal, s.headings, text),
      ordinal,
      text,
      headings: [...s.headings],
      start: s.start,
      end: s.end,
    };
  });
}

function validate({ size, overlap }: ChunkOptions): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new RagdError('RAGD_ERR_VALIDATION', `chunk size must be a positive integer, got ${size}`, { details: { field: 'size' } });
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RagdError('RAGD_ERR_VALIDATION', `chunk overlap must be an integer in [0, size), got ${overlap}`, {
      details: { field: 'overlap' },
    });
  }
}

class SpanCollector {
  private readonly text: string;
  private readonly size: number;
  private readonly overlap: number;
  private readonly title: string;
  private readonly spans: Span[] = [];
  private readonly trail: Array<{ level: number; text: string }> = [];
  private headings: string[] = [];
  /** A heading with no body yet; emitted as its own chunk if nothing ever lands under it. */
  private pending: { block: Block; headings: string[] } | undefined;
  private current: OpenChunk | undefined;
  /** The section's previous chunk, the source of overlap. */
  private previous: OpenChunk | undefined;

  constructor(
    private readonly input: ChunkInput,
    options: ChunkOptions,
  ) {
    this.text = input.text;
    this.size = options.size;
    this.overlap = options.overlap;
    this.title = normalise(input.title);
  }

  collect(): Span[] {
    const blocks: readonly Block[] =
      this.input.blocks.length > 0
        ? this.input.blocks
        : [{ kind: 'paragraph', level: 0, text: this.text, start: 0, end: this.text.length }];
    for (const block of blocks) {
      if (block.kind === 'heading') this.heading(block);
      else this.body(block);
    }
    this.endSection();
    if (this.pending) this.emitHeading(this.pending);
    return this.spans;
  }

  private heading(block: Block): void {
    this.endSection();
    const level = block.level >= 1 ? block.level : 1;
    // A heading nobody wrote under is lost unless it becomes a chunk; a parent of this heading is not
    // lost, because it stays in this heading's trail.
    if (this.pending && level <= this.pending.block.level) this.emitHeading(this.pending);
    while (this.trail.length > 0 && (this.trail.at(-1) as { level: number }).level >= level) this.trail.pop();
    const before = this.trailNames();
    this.trail.push({ level, text: block.text.trim() });
    this.headings = this.trailNames();
    this.pending = trimSpan(this.text, clamp(block.start, this.text), clamp(block.end, this.text))
      ? { block: { ...block, level }, headings: before }
      : undefined;
  }

  private body(block: Block): void {
    const span = trimSpan(this.text, clamp(block.start, this.text), clamp(block.end, this.text));
    if (!span) return;
    this.pending = undefined;
    const fits = span.end - span.start <= this.size;
    if (fits) this.add({ start: span.start, end: span.end, sentence: false, whole: true });
    else for (const piece of splitLong(this.text, span.start, span.end, this.size)) this.add({ ...piece, whole: false });
  }

  private add(part: Piece & { whole: boolean }): void {
    const cur = this.current;
    if (cur && part.end - cur.start <= this.size) {
      cur.end = part.end;
      cur.parts.push(part);
      return;
    }
    this.emit();
    const start = this.previous ? this.overlapStart(this.previous, part) : part.start;
    this.current = { start, end: part.end, parts: [part] };
  }

  /** Start of the new chunk: the earliest trailing whole sentence of `prev` that keeps both limits. */
  private overlapStart(prev: OpenChunk, next: Piece): number {
    let best = next.start;
    if (this.overlap === 0) return best;
    for (let p = prev.parts.length - 1; p >= 0; p--) {
      const part = prev.parts[p] as Piece & { whole: boolean };
      if (!part.whole && !part.sentence) break; // a word fragment: no whole sentence to repeat
      const sents = part.whole ? sentenceSpans(this.text.slice(part.start, part.end), part.start) : [part];
      for (let s = sents.length - 1; s >= 0; s--) {
        const start = (sents[s] as Piece).start;
        if (start <= prev.start || prev.end - start > this.overlap || next.end - start > this.size) return best;
        best = start;
      }
    }
    return best;
  }

  private emit(): void {
    if (!this.current) return;
    this.spans.push({ start: this.current.start, end: this.current.end, headings: this.headings });
    this.previous = this.current;
    this.current = undefined;
  }

  private endSection(): void {
    this.emit();
    this.previous = undefined;
  }

  private emitHeading(pending: { block: Block; headings: string[] }): void {
    const span = trimSpan(this.text, clamp(pending.block.start, this.text), clamp(pending.block.end, this.text));
    this.pending = undefined;
    if (!span) return;
    // A heading longer than a chunk is cut like any text.
    for (const piece of span.end - span.start <= this.size ? [span] : splitLong(this.text, span.start, span.end, this.size)) {
      this.spans.push({ start: piece.start, end: piece.end, headings: pending.headings });
    }
  }

  /** Heading texts of the trail, without a leading heading that repeats the title. */
  private trailNames(): string[] {
    const names = this.trail.map((h) => h.text);
    if (names.length > 0 && this.title.length > 0 && normalise(names[0] as string) === this.title) names.shift();
    return names;
  }
}

function normalise(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function clamp(offset: number, text: string): number {
  return Math.min(Math.max(0, offset), text.length);
}
