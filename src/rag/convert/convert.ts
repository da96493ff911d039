/**
 * Entry point for document conversion: any supported format in, clean text plus structure out.
 * The clean text is what gets stored, chunked, embedded and quoted; blocks carry offsets into it.
 */
import type { DocumentFormat } from '../../store/types.js';
import type { ConvertedDocument } from './block.js';
import { htmlToDocument } from './html.js';
import { markdownToDocument } from './markdown.js';
import { plainTextToDocument } from './plain-text.js';
import { sanitizeSource } from './sanitize.js';

export type { Block, BlockKind, ConvertedDocument } from './block.js';

/**
 * Converts `source` in `format` to clean text and blocks, where for every block
 * `text.slice(block.start, block.end) === block.text`.
 *
 * Never throws on malformed input: should a parser fail (say, on pathological nesting), the
 * source is converted as plain text with anything tag-shaped removed.
 *
 * @example
 * convertDocument('<h1>Intro</h1><p>Hello &amp; welcome</p>', 'html')
 * // { text: 'Intro\n\nHello & welcome', blocks: [{ kind: 'heading', level: 1, ... }, { kind: 'paragraph', ... }] }
 */
export function convertDocument(source: string, format: DocumentFormat): ConvertedDocument {
  const clean = sanitizeSource(source);
  try {
    switch (format) {
      case 'html':
        return htmlToDocument(clean);
      case 'markdown':
        return markdownToDocument(clean);
      case 'text':
        return plainTextToDocument(clean);
    }
  } catch {
    // Fall through to the tolerant path below: losing structure beats rejecting a document.
  }
  return plainTextToDocument(format === 'text' ? clean : clean.replace(/<[^>]*>/g, ' '));
}
