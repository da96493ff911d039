/**
 * Block: the structured form every input format is converted to, and BlockWriter, which lays
 * blocks out one after another as the document's clean text so each block knows its offsets.
 * The chunker reads blocks for structure (headings, paragraphs) and offsets for citations.
 */

/** What a block is; the chunker treats headings as section starts and everything else as body. */
export type BlockKind = 'heading' | 'paragraph' | 'list-item' | 'quote' | 'code' | 'table-row';

export interface Block {
  kind: BlockKind;
  /** Heading level 1–6 for headings; nesting depth (1 = top level) for list items; 0 otherwise. */
  level: number;
  /** The block's clean text; equals `text.slice(start, end)` of the converted document. */
  text: string;
  /** Offset of the block's first character in the clean text. */
  start: number;
  /** Offset just past the block's last character in the clean text. */
  end: number;
}

/** A converted document: the clean text and the blocks it is made of, in reading order. */
export interface ConvertedDocument {
  text: string;
  blocks: Block[];
}

// Blank line between blocks so the clean text reads like plain text; consecutive list items and
// table rows sit on adjacent lines, as they would in a hand-written text file.
const BLOCK_SEPARATOR = '\n\n';
const LINE_SEPARATOR = '\n';

/** Appends blocks to a growing clean text, recording offsets. Empty blocks are dropped. */
export class BlockWriter {
  private readonly parts: string[] = [];
  private length = 0;
  readonly blocks: Block[] = [];

  /** Adds a block; `text` should already be cleaned. Leading/trailing whitespace is trimmed. */
  add(kind: BlockKind, text: string, level = 0): void {
    const clean = text.trim();
    if (clean.length === 0) return;
    const prev = this.blocks.at(-1);
    if (prev) {
      const tight = prev.kind === kind && (kind === 'list-item' || kind === 'table-row');
      const sep = tight ? LINE_SEPARATOR : BLOCK_SEPARATOR;
      this.parts.push(sep);
      this.length += sep.length;
    }
    this.blocks.push({ kind, level, text: clean, start: this.length, end: this.length + clean.length });
    this.parts.push(clean);
    this.length += clean.length;
  }

  finish(): ConvertedDocument {
    return { text: this.parts.join(''), blocks: this.blocks };
  }
}
