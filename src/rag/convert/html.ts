/**
 * HTML -> blocks. node-html-parser builds a forgiving DOM (unclosed tags, stray brackets); this
 * module walks it and keeps only what a reader sees: headings, paragraphs, list items, quotes,
 * preformatted code and table rows, with entities decoded and whitespace collapsed.
 */
import { parse, HTMLElement, TextNode, type Node } from 'node-html-parser';
import { BlockWriter, type BlockKind, type ConvertedDocument } from './block.js';
import { cleanLines, collapseWhitespace } from './sanitize.js';

/** Elements whose content is never visible text. */
const SKIPPED: ReadonlySet<string> = new Set(
  'script style noscript template svg math head title iframe object embed canvas audio video select datalist'.split(' '),
);

/** Elements that end the current paragraph (CSS `display: block` and friends). */
const BLOCK_LEVEL: ReadonlySet<string> = new Set(
  (
    'address article aside body caption center dd details dialog dir div dl dt fieldset figcaption ' +
    'figure footer form header hgroup hr html legend main menu nav p section summary table tbody td ' +
    'tfoot th thead'
  ).split(' '),
);

const HEADING = /^h([1-6])$/;
// Markup the parser would otherwise keep as text: doctype, XML declarations and processing
// instructions, CDATA markers (their content is kept), and a tag cut off by the end of input.
// `[^<>]*` rather than a lazy `[\s\S]*?`: a scan stops at the next `<`, so unterminated
// markup cannot make the regex quadratic.
const NON_TEXT_MARKUP = /<!doctype[^<>]*>|<\?[^<>]*>|<!\[CDATA\[|\]\]>/gi;
const TRUNCATED_TAG = /<\/?[a-z][^<>]*$/i;

const PARSE_OPTIONS = {
  comment: false,
  // Parsed as raw text so `<` inside a script or style cannot open phantom elements. Both cases
  // are listed because `lowerCaseTagName` stays off: with it on, the parser lower-cases the whole
  // input once per raw-text element, which is quadratic on a page of many scripts.
  blockTextElements: { script: true, style: true, noscript: true, SCRIPT: true, STYLE: true, NOSCRIPT: true },
  // Leave unclosed elements where they are. The parser's end-of-input repair re-parents their
  // children one level per element, which is quadratic in nesting depth (100k unclosed `<div>`s
  // took minutes); for extracting text the unrepaired tree reads the same.
  parseNoneClosedTags: true,
} as const;

/** Parses `html` and returns its blocks. Never throws on malformed markup. */
export function htmlToDocument(html: string): ConvertedDocument {
  const writer = new BlockWriter();
  const source = stripComments(html).replace(NON_TEXT_MARKUP, ' ').replace(TRUNCATED_TAG, '');
  new HtmlWalker(writer).run(parse(source, PARSE_OPTIONS));
  return writer.finish();
}

/**
 * Removes `<!-- ... -->` comments in one linear pass. Done here rather than by the parser, whose
 * comment pattern rescans to the end of input from every unterminated `<!--` (quadratic: 100k of
 * them took 9 s). With no `-->` left, remaining `<!--` markers are dropped and their text kept.
 */
function stripComments(html: string): string {
  let out = '';
  let pos = 0;
  for (;;) {
    const open = html.indexOf('<!--', pos);
    if (open === -1) return out + html.slice(pos);
    out += html.slice(pos, open); // a comment joins its neighbours, as a browser renders it
    const close = html.indexOf('-->', open + 4);
    if (close === -1) return out + html.slice(open + 4).replaceAll('<!--', '');
    pos = close + 3;
  }
}

/** Decodes HTML character references (`&amp;`, `&#x41;`, `&nbsp;`) in `text`. */
export function decodeEntities(text: string): string {
  return text.includes('&') ? new TextNode(text).text : text;
}

type Step = Node | (() => void);

/**
 * Walks the DOM with an explicit stack, not recursion: pathological nesting (100k `<div>`s)
 * must not overflow the call stack.
 */
class HtmlWalker {
  private buffer = '';
  private readonly kinds: BlockKind[] = ['paragraph'];
  private listDepth = 0;
  private itemLevel: number[] = [];

  constructor(private readonly writer: BlockWriter) {}

  run(root: Node): void {
    const stack: Step[] = [root];
    while (stack.length > 0) {
      const step = stack.pop() as Step;
      if (typeof step === 'function') step();
      else this.visit(step, stack);
    }
    this.flush();
  }

  private visit(node: Node, stack: Step[]): void {
    if (node instanceof TextNode) {
      this.buffer += collapseWhitespace(node.text);
      return;
    }
    if (!(node instanceof HTMLElement)) return;
    const tag = node.rawTagName ? node.rawTagName.toLowerCase() : '';
    if (SKIPPED.has(tag)) return;
    const heading = HEADING.exec(tag);
    if (heading) {
      this.flush();
      this.writer.add('heading', inlineText(node), Number(heading[1]));
      return;
    }
    switch (tag) {
      case 'br':
        this.buffer += '\n';
        return;
      case 'pre':
        this.flush();
        this.writer.add('code', preText(node));
        return;
      case 'tr':
        this.flush();
        this.writer.add('table-row', rowText(node));
        return;
      case 'li':
        this.enter(node, stack, 'list-item', Math.max(1, this.listDepth));
        return;
      case 'blockquote':
        this.enter(node, stack, 'quote', 0);
        return;
      case 'ul':
      case 'ol':
        this.flush();
        this.listDepth++;
        stack.push(() => {
          this.flush();
          this.listDepth--;
        });
        pushChildren(node, stack);
        return;
      default:
        if (BLOCK_LEVEL.has(tag)) {
          this.flush();
          stack.push(() => this.flush());
        }
        pushChildren(node, stack);
    }
  }

  /** Starts a block context (list item, quote) that lasts until the element's children are done. */
  private enter(node: HTMLElement, stack: Step[], kind: BlockKind, level: number): void {
    this.flush();
    this.kinds.push(kind);
    this.itemLevel.push(level);
    stack.push(() => {
      this.flush();
      this.kinds.pop();
      this.itemLevel.pop();
    });
    pushChildren(node, stack);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const text = cleanLines(this.buffer);
    this.buffer = '';
    const kind = this.kinds.at(-1) as BlockKind;
    this.writer.add(kind, text, kind === 'list-item' ? (this.itemLevel.at(-1) ?? 1) : 0);
  }
}

function pushChildren<T>(node: Node, stack: Array<Node | T>): void {
  const children = node.childNodes;
  for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Node);
}

/** Visible text of an element on one line: block boundaries and `<br>` become spaces. */
function inlineText(root: Node): string {
  let out = '';
  // A string on the stack is emitted as is: the space that closes a block-level element.
  const stack: Array<Node | string> = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node | string;
    if (typeof node === 'string') out += node;
    else if (node instanceof TextNode) out += node.text;
    else if (node instanceof HTMLElement) {
      const tag = node.rawTagName ? node.rawTagName.toLowerCase() : '';
      if (SKIPPED.has(tag)) continue;
      const boundary = tag === 'br' || tag === 'li' || tag === 'tr' || BLOCK_LEVEL.has(tag);
      if (boundary) {
        out += ' ';
        stack.push(' ');
      }
      pushChildren(node, stack);
    }
  }
  return collapseWhitespace(out).trim();
}

/** Text of a `<pre>` with its line breaks and indentation kept; trailing spaces per line dropped. */
function preText(root: Node): string {
  let out = '';
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (node instanceof TextNode) out += node.text;
    else if (node instanceof HTMLElement) {
      const tag = node.rawTagName ? node.rawTagName.toLowerCase() : '';
      if (SKIPPED.has(tag)) continue;
      if (tag === 'br') out += '\n';
      pushChildren(node, stack);
    }
  }
  return out
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}

/** A table row as `cell | cell | cell`, empty cells dropped. */
function rowText(row: HTMLElement): string {
  const cells: string[] = [];
  for (const child of row.childNodes) {
    const cell = inlineText(child);
    if (cell.length > 0) cells.push(cell);
  }
  return cells.join(' | ');
}
