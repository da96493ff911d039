import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chunkDocument, type ChunkDraft } from '../../src/rag/chunking/chunker.js';
import { convertDocument } from '../../src/rag/convert/convert.js';
import type { Block } from '../../src/rag/convert/block.js';
import { isRagdError } from '../../src/errors/ragd-error.js';

function chunkMarkdown(
  md: string,
  size: number,
  overlap: number,
  documentId = 'doc-1',
  title = '',
): { chunks: ChunkDraft[]; text: string; blocks: Block[] } {
  const { text, blocks } = convertDocument(md, 'markdown');
  return { chunks: chunkDocument({ documentId, title, blocks, text }, { size, overlap }), text, blocks };
}

/** Deterministic English-like sentences of varying length. */
function sentence(i: number): string {
  const words = ['solar', 'panels', 'convert', 'light', 'into', 'power', 'with', 'cells', 'made', 'of', 'silicon', 'and', 'glass'];
  const n = 4 + (i % 9);
  const ws = Array.from({ length: n }, (_, k) => words[(i * 7 + k * 3) % words.length]!);
  ws[0] = ws[0]!.charAt(0).toUpperCase() + ws[0]!.slice(1);
  return `${ws.join(' ')} number ${i}.`;
}

function paragraph(from: number, count: number): string {
  return Array.from({ length: count }, (_, k) => sentence(from + k)).join(' ');
}

function assertInvariants(chunks: ChunkDraft[], text: string, size: number): void {
  chunks.forEach((c, i) => {
    assert.equal(c.ordinal, i);
    assert.equal(text.slice(c.start, c.end), c.text);
    assert.notEqual(c.text.trim(), '');
    assert.equal(c.text, c.text.trim());
    assert.ok(c.text.length <= size, `chunk ${i} has ${c.text.length} > ${size} chars`);
    assert.match(c.id, /^[0-9a-f]{16}$/);
  });
}

describe('chunkDocument', () => {
  const md = [
    '# Guide',
    '',
    paragraph(0, 3),
    '',
    '## Install',
    '',
    paragraph(10, 2),
    '',
    '### On Linux',
    '',
    paragraph(20, 12),
    '',
    '## Usage',
    '',
    paragraph(40, 2),
  ].join('\n');

  test('records the heading trail, outermost first, and starts a chunk at every heading', () => {
    const { chunks, text } = chunkMarkdown(md, 300, 80);
    assertInvariants(chunks, text, 300);
    const trails = chunks.map((c) => c.headings.join(' > '));
    assert.equal(trails[0], 'Guide');
    assert.ok(trails.includes('Guide > Install'));
    assert.ok(trails.filter((t) => t === 'Guide > Install > On Linux').length >= 2);
    assert.equal(trails.at(-1), 'Guide > Usage');
    // No chunk mixes sections: each chunk's text lies between its section's heading and the next one.
    for (const c of chunks) assert.ok(!/Install|On Linux|Usage/.test(c.text));
    // Headings themselves are in the trail, not repeated in the chunk text.
    assert.ok(chunks.every((c) => !c.text.startsWith('Guide')));
  });

  test('leaves out a leading heading that repeats the title', () => {
    const { chunks } = chunkMarkdown(md, 300, 80, 'doc-1', 'guide');
    assert.deepEqual(chunks[0]!.headings, []);
    assert.ok(chunks.some((c) => c.headings.join(' > ') === 'Install > On Linux'));
  });

  test('packs whole paragraphs up to the size', () => {
    const paras = Array.from({ length: 6 }, (_, i) => sentence(i)).join('\n\n');
    const { chunks, blocks } = chunkMarkdown(paras, 120, 0);
    // Every paragraph fits a chunk, so none is split across two chunks.
    for (const b of blocks) assert.equal(chunks.filter((c) => c.start < b.end && c.end > b.start).length, 1);
    assert.ok(chunks.length < blocks.length, 'several paragraphs share a chunk');
  });

  test('splits a long paragraph at sentence boundaries and overlaps whole trailing sentences', () => {
    const long = paragraph(100, 30);
    const { chunks, text } = chunkMarkdown(long, 250, 100);
    assertInvariants(chunks, text, 250);
    assert.ok(chunks.length > 3);
    for (const c of chunks) assert.match(c.text, /\.$/, 'ends at a sentence end');
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]!;
      const cur = chunks[i]!;
      assert.ok(cur.start < prev.end, `chunk ${i} repeats the end of chunk ${i - 1}`);
      assert.ok(cur.start > prev.start);
      const repeated = text.slice(cur.start, prev.end);
      assert.ok(repeated.length <= 100);
      assert.match(repeated, /^[A-Z]/, 'overlap starts at a sentence start');
      assert.ok(prev.text.endsWith(repeated));
    }
  });

  test('does not overlap across sections, nor when overlap is 0', () => {
    const { chunks } = chunkMarkdown(md, 300, 80);
    for (let i = 1; i < chunks.length; i++) {
      if (chunks[i]!.headings.join() !== chunks[i - 1]!.headings.join()) assert.ok(chunks[i]!.start >= chunks[i - 1]!.end);
    }
    const none = chunkMarkdown(paragraph(0, 30), 250, 0).chunks;
    for (let i = 1; i < none.length; i++) assert.ok(none[i]!.start >= none[i - 1]!.end);
  });

  test('cuts an over-long sentence at word boundaries and an over-long word hard', () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const { chunks, text } = chunkMarkdown(words, 60, 20);
    assertInvariants(chunks, text, 60);
    for (const c of chunks) assert.match(c.text, /^word\d+( word\d+)*$/, 'cuts fall between words');
    assert.equal(chunks.map((c) => c.text).join(' '), words);

    const huge = 'x'.repeat(250);
    const hard = chunkMarkdown(`Short intro. ${huge} tail.`, 100, 30);
    assertInvariants(hard.chunks, hard.text, 100);
    assert.equal(
      hard.chunks
        .map((c) => c.text)
        .join('')
        .replace(/\s/g, ''),
      `Shortintro.${huge}tail.`,
    );
  });

  test('never splits a surrogate pair when hard-cutting', () => {
    const emoji = '😀'.repeat(30); // 60 UTF-16 code units
    const { chunks, text } = chunkMarkdown(emoji, 7, 0);
    assertInvariants(chunks, text, 7);
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const c of chunks) assert.ok(!loneSurrogate.test(c.text));
    assert.equal(chunks.map((c) => c.text).join(''), emoji);
  });

  test('keeps a heading with no body as its own chunk', () => {
    const { chunks } = chunkMarkdown('# A\n\n## Empty\n\n## Full\n\nBody text.\n\n## Last', 100, 0);
    assert.deepEqual(
      chunks.map((c) => [c.text, c.headings.join('>')]),
      [
        ['Empty', 'A'],
        ['Body text.', 'A>Full'],
        ['Last', 'A'],
      ],
    );
  });

  test('ids are stable across runs and change with content, position or document', () => {
    const a = chunkMarkdown(md, 300, 80).chunks;
    const b = chunkMarkdown(md, 300, 80).chunks;
    assert.deepEqual(
      a.map((c) => c.id),
      b.map((c) => c.id),
    );
    assert.equal(new Set(a.map((c) => c.id)).size, a.length);

    const edited = chunkMarkdown(md.replace('number 41.', 'number 41 edited.'), 300, 80).chunks;
    assert.notEqual(edited.at(-1)!.id, a.at(-1)!.id);
    assert.deepEqual(
      edited.slice(0, -1).map((c) => c.id),
      a.slice(0, -1).map((c) => c.id),
    );

    const otherDoc = chunkMarkdown(md, 300, 80, 'doc-2').chunks;
    assert.ok(otherDoc.every((c, i) => c.id !== a[i]!.id));
  });

  test('rejects sizes and overlaps out of range', () => {
    const input = { documentId: 'd', title: '', blocks: [], text: 'x' };
    for (const opts of [
      { size: 0, overlap: 0 },
      { size: 100, overlap: 100 },
      { size: 100, overlap: -1 },
      { size: 1.5, overlap: 0 },
    ]) {
      assert.throws(
        () => chunkDocument(input, opts),
        (err: unknown) => isRagdError(err) && err.code === 'RAGD_ERR_VALIDATION',
      );
    }
  });

  test('yields no chunks for empty text and one for text without blocks', () => {
    assert.deepEqual(chunkDocument({ documentId: 'd', title: '', blocks: [], text: '' }, { size: 100, overlap: 10 }), []);
    const one = chunkDocument({ documentId: 'd', title: '', blocks: [], text: '  plain text  ' }, { size: 100, overlap: 10 });
    assert.deepEqual(
      one.map((c) => [c.text, c.start, c.end]),
      [['plain text', 2, 12]],
    );
  });

  test('property: size bound, exact offsets, no empty chunks, every body character covered', () => {
    const block = fc.oneof(
      fc.record({
        kind: fc.constant('heading' as const),
        level: fc.integer({ min: 1, max: 4 }),
        text: fc.constantFrom('Alpha', 'Beta', 'Gamma'),
      }),
      fc.record({
        kind: fc.constant('paragraph' as const),
        level: fc.constant(0),
        text: fc
          .array(
            fc.oneof(
              fc.constantFrom('Short one.', 'A somewhat longer sentence here!', 'Why?', 'e.g. this', '\n'),
              fc.stringMatching(/^[a-z]{1,40}$/),
            ),
            {
              minLength: 1,
              maxLength: 25,
            },
          )
          .map((ws) => ws.join(' ')),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(block, { maxLength: 15 }),
        fc.integer({ min: 5, max: 200 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (raw, size, ratio) => {
          let text = '';
          const blocks: Block[] = [];
          for (const b of raw) {
            const t = b.text.trim();
            if (t === '') continue;
            if (text) text += '\n\n';
            blocks.push({ ...b, text: t, start: text.length, end: text.length + t.length });
            text += t;
          }
          const overlap = Math.floor(size * ratio);
          const chunks = chunkDocument({ documentId: 'p', title: '', blocks, text }, { size, overlap });
          assertInvariants(chunks, text, size);
          const covered = new Uint8Array(text.length);
          for (const c of chunks) covered.fill(1, c.start, c.end);
          for (const b of blocks) {
            if (b.kind === 'heading') continue;
            for (let i = b.start; i < b.end; i++) if (!/\s/.test(text[i]!)) assert.equal(covered[i], 1, `char ${i} not covered`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
