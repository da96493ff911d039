/**
 * Plain text -> blocks: paragraphs are separated by blank lines; within a paragraph, line breaks
 * are kept and runs of spaces collapsed.
 */
import { BlockWriter, type ConvertedDocument } from './block.js';
import { cleanLines } from './sanitize.js';

const BLANK_LINE = /\n[^\S\n]*\n/;

/** Splits `text` into paragraph blocks. */
export function plainTextToDocument(text: string): ConvertedDocument {
  const writer = new BlockWriter();
  for (const para of text.split(BLANK_LINE)) writer.add('paragraph', cleanLines(para));
  return writer.finish();
}
