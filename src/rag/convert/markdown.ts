/**
 * Markdown -> blocks. marked's lexer gives the token tree (CommonMark + GFM tables); this module
 * keeps the words a reader sees: headings with their level, paragraphs, list items with nesting
 * depth, quotes, code and table rows. Inline markup is stripped: links keep their text, images
 * their alt text, inline code its content; raw HTML goes through the HTML converter.
 */
import { Lexer, type Token, type Tokens } from 'marked';
import { BlockWriter, type BlockKind, type ConvertedDocument } from './block.js';
import { decodeEntities, htmlToDocument } from './html.js';
import { cleanLines, collapseWhitespace } from './sanitize.js';

interface Context {
  kind: BlockKind;
  /** Depth of the list the current tokens sit in; 0 outside lists. */
  listDepth: number;
}

const TOP: Context = { kind: 'paragraph', listDepth: 0 };

/**
 * Leading indentation kept per line, in characters. marked re-lexes each nested list's content,
 * so its cost grows with size × nesting depth; 2,000 nested list levels exhausted a 4 GB heap.
 * Clamping indentation bounds the depth (~30 levels), far beyond any real document.
 */
export const MAX_MARKDOWN_INDENT = 64;
/** Most `>` quote markers kept at the start of a line, for the same reason. */
export const MAX_MARKDOWN_QUOTE_DEPTH = 16;
const DEEP_INDENT = new RegExp(`^([ \\t]{${MAX_MARKDOWN_INDENT}})[ \\t]+`, 'gm');
const DEEP_QUOTE = new RegExp(`^((?:[ \\t]*>){${MAX_MARKDOWN_QUOTE_DEPTH}})(?:[ \\t]*>)+`, 'gm');
const LINE_BREAK_TAG = /^<br\s*\/?>$/i;

/** Lexes `markdown` (GFM) and returns its blocks. */
export function markdownToDocument(markdown: string): ConvertedDocument {
  const writer = new BlockWriter();
  const bounded = markdown.replace(DEEP_INDENT, '$1').replace(DEEP_QUOTE, '$1');
  writeBlocks(new Lexer({ gfm: true }).lex(bounded), TOP, writer);
  return writer.finish();
}

function writeBlocks(tokens: Token[], ctx: Context, writer: BlockWriter): void {
  for (const token of tokens) {
    switch (token.type) {
      case 'space':
      case 'hr':
      case 'def':
      case 'checkbox':
        break;
      case 'heading': {
        const t = token as Tokens.Heading;
        writer.add('heading', collapseWhitespace(inlineText(t.tokens)), t.depth);
        break;
      }
      case 'code':
        writer.add('code', (token as Tokens.Code).text);
        break;
      case 'list': {
        const depth = ctx.listDepth + 1;
        for (const item of (token as Tokens.List).items) {
          writeBlocks(item.tokens, { kind: 'list-item', listDepth: depth }, writer);
        }
        break;
      }
      case 'blockquote':
        writeBlocks((token as Tokens.Blockquote).tokens, { kind: 'quote', listDepth: ctx.listDepth }, writer);
        break;
      case 'table': {
        const t = token as Tokens.Table;
        for (const row of [t.header, ...t.rows]) {
          const cells = row.map((c) => collapseWhitespace(inlineText(c.tokens)).trim()).filter((c) => c.length > 0);
          writer.add('table-row', cells.join(' | '));
        }
        break;
      }
      case 'html':
        for (const block of htmlToDocument((token as Tokens.HTML).text).blocks) {
          writer.add(block.kind, block.text, block.level);
        }
        break;
      default: {
        // paragraph, a tight list item's text, and any block token a marked extension adds.
        const t = token as Tokens.Generic;
        const text = t.tokens ? inlineText(t.tokens) : decodeEntities(String(t.text ?? ''));
        writer.add(ctx.kind, cleanLines(text), ctx.kind === 'list-item' ? ctx.listDepth : 0);
      }
    }
  }
}

/** Plain text of inline tokens; `\n` marks hard line breaks. */
function inlineText(tokens: Token[] | undefined): string {
  if (!tokens) return '';
  let out = '';
  for (const token of tokens) {
    switch (token.type) {
      case 'escape':
      case 'codespan':
        // Escapes are already unescaped; code spans are literal (no entity decoding in code).
        out += (token as Tokens.Escape | Tokens.Codespan).text;
        break;
      case 'br':
        out += '\n';
        break;
      case 'image':
        out += decodeEntities((token as Tokens.Image).text);
        break;
      case 'checkbox':
        break;
      case 'html': {
        const html = (token as Tokens.HTML).text;
        out += LINE_BREAK_TAG.test(html.trim()) ? '\n' : htmlToDocument(html).text;
        break;
      }
      default: {
        // text, strong, em, del, link and extension tokens: their children, else their text.
        const t = token as Tokens.Generic;
        out += t.tokens && t.tokens.length > 0 ? inlineText(t.tokens) : decodeEntities(String(t.text ?? ''));
      }
    }
  }
  return out;
}
