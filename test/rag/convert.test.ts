import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { convertDocument, type ConvertedDocument } from '../../src/rag/convert/convert.js';

/** Every block's text is exactly its slice of the clean text, and no block is blank. */
function assertConsistent(doc: ConvertedDocument): void {
  for (const b of doc.blocks) {
    assert.equal(doc.text.slice(b.start, b.end), b.text);
    assert.notEqual(b.text.trim(), '');
  }
  for (let i = 1; i < doc.blocks.length; i++) assert.ok(doc.blocks[i]!.start > doc.blocks[i - 1]!.end);
}

const TAG = /<\/?[a-z][a-z0-9]*(\s[^>]*)?>/i;

describe('convertDocument: html', () => {
  const html = `<!doctype html><html><head><title>Page title</title>
    <style>p { color: red }</style><script>var s = "<p>from script</p>"; if (a < b) {}</script></head>
    <body><!-- a comment --><h1>Fish &amp; Chips</h1>
    <p>Hello&nbsp;world,   caf&eacute; &lt;tag&gt; &#x41;&#66;.</p>
    <ul><li>First<ul><li>Nested <b>bold</b> item</li></ul></li><li>Second</li></ul>
    <table><thead><tr><th>Name</th><th>Age</th></tr></thead><tbody><tr><td>Ann</td><td>30</td></tr></tbody></table>
    <blockquote><p>Quoted words</p></blockquote>
    <pre><code>line 1
  indented line 2</code></pre>
    <div>left<br>right</div><noscript>enable javascript</noscript><template><p>template text</p></template>
    <svg><text>svg text</text></svg>
    <h3>Deeper <em>heading</em></h3><p>Para with <a href="https://example.com">a link</a> inside.</p></body></html>`;
  const doc = convertDocument(html, 'html');

  test('drops head, script, style, noscript, template, svg and comments', () => {
    for (const gone of ['Page title', 'color', 'from script', 'a comment', 'enable javascript', 'template text', 'svg text', 'doctype']) {
      assert.ok(!doc.text.includes(gone), `found ${gone}`);
    }
  });

  test('decodes entities, collapses whitespace and leaves no tags', () => {
    assert.ok(doc.text.includes('Hello world, café <tag> AB.'));
    assert.ok(!TAG.test(doc.text.replace('<tag>', '')));
    assert.ok(!/ {2}/.test(doc.text.replace('  indented', '')));
  });

  test('maps headings, nested lists, tables, quotes, code and line breaks to blocks', () => {
    const pick = (kind: string) => doc.blocks.filter((b) => b.kind === kind).map((b) => [b.text, b.level]);
    assert.deepEqual(pick('heading'), [
      ['Fish & Chips', 1],
      ['Deeper heading', 3],
    ]);
    assert.deepEqual(pick('list-item'), [
      ['First', 1],
      ['Nested bold item', 2],
      ['Second', 1],
    ]);
    assert.deepEqual(pick('table-row'), [
      ['Name | Age', 0],
      ['Ann | 30', 0],
    ]);
    assert.deepEqual(pick('quote'), [['Quoted words', 0]]);
    assert.deepEqual(pick('code'), [['line 1\n  indented line 2', 0]]);
    assert.ok(pick('paragraph').some(([t]) => t === 'left\nright'));
    assert.ok(pick('paragraph').some(([t]) => t === 'Para with a link inside.'));
    assertConsistent(doc);
  });

  test('tolerates unclosed and truncated markup', () => {
    const out = convertDocument('<p>unclosed <b>bold <i>italic</p><div><span>more<p>text</div> tail <a href="x', 'html');
    assert.match(out.text, /unclosed bold italic/);
    assert.match(out.text, /tail$/);
    assert.ok(!TAG.test(out.text));
    assertConsistent(out);
  });

  test('survives pathological nesting', () => {
    const out = convertDocument('<div>'.repeat(100_000) + 'deep text', 'html');
    assert.equal(out.text, 'deep text');
  });
});

describe('convertDocument: markdown', () => {
  const md = [
    '# Getting *started*',
    '',
    'Read [the guide](https://example.com/guide) and ![a diagram](d.png), then run `npm test` &amp; relax.',
    '',
    '## Install',
    '',
    '- step one',
    '  - sub step',
    '- step two',
    '',
    '```sh',
    'npm install ragd',
    '```',
    '',
    '| Key | Value |',
    '|-----|-------|',
    '| a   | 1     |',
    '',
    '> Quoted **text**',
    '',
    '<div>Raw <b>HTML</b> block</div>',
  ].join('\n');
  const doc = convertDocument(md, 'markdown');

  test('keeps heading levels and strips inline markup', () => {
    const headings = doc.blocks.filter((b) => b.kind === 'heading').map((b) => [b.text, b.level]);
    assert.deepEqual(headings, [
      ['Getting started', 1],
      ['Install', 2],
    ]);
    const para = doc.blocks.find((b) => b.kind === 'paragraph')!;
    assert.equal(para.text, 'Read the guide and a diagram, then run npm test & relax.');
    assert.ok(!doc.text.includes('https://'));
    assert.ok(!/[*`#]/.test(doc.text));
  });

  test('maps lists, code, tables, quotes and raw HTML', () => {
    const pick = (kind: string) => doc.blocks.filter((b) => b.kind === kind).map((b) => [b.text, b.level]);
    assert.deepEqual(pick('list-item'), [
      ['step one', 1],
      ['sub step', 2],
      ['step two', 1],
    ]);
    assert.deepEqual(pick('code'), [['npm install ragd', 0]]);
    assert.deepEqual(pick('table-row'), [
      ['Key | Value', 0],
      ['a | 1', 0],
    ]);
    assert.deepEqual(pick('quote'), [['Quoted text', 0]]);
    assert.ok(doc.blocks.some((b) => b.text === 'Raw HTML block'));
    assertConsistent(doc);
  });
});

describe('convertDocument: text', () => {
  test('splits paragraphs on blank lines and normalises line endings', () => {
    const doc = convertDocument('First  line\r\nsame para\r\n\r\n  \n Second para \n\n\n\nThird', 'text');
    assert.deepEqual(
      doc.blocks.map((b) => b.text),
      ['First line\nsame para', 'Second para', 'Third'],
    );
    assert.equal(doc.text, 'First line\nsame para\n\nSecond para\n\nThird');
    assertConsistent(doc);
  });

  test('removes control characters and repairs lone surrogates', () => {
    const doc = convertDocument('a\u0000b\u0007c \uD800 d\uFEFF', 'text');
    assert.equal(doc.text, 'abc \uFFFD d');
  });
});

describe('convertDocument: garbage never throws', () => {
  const fragment = fc.constantFrom(
    '<p>',
    '</p>',
    '<div',
    '>',
    '<',
    '&amp;',
    '&#xD800;',
    '&bogus;',
    '<script>',
    '</script>',
    '<!--',
    '-->',
    '<li>',
    '<h2>',
    '</h2>',
    '<pre>',
    '<table><tr><td>',
    '**',
    '`',
    '```',
    '# ',
    '\n',
    '\n\n',
    ' ',
    'word',
    '\u0000',
    '\uDC00',
    '[x](',
  );
  for (const format of ['html', 'markdown', 'text'] as const) {
    test(`${format}: arbitrary fragments and binary strings`, () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.array(fragment, { maxLength: 60 }).map((a) => a.join('')),
            fc.string({ unit: 'binary', maxLength: 200 }),
          ),
          (src) => {
            const doc = convertDocument(src, format);
            assertConsistent(doc);
            assert.ok(![...doc.text].some((ch) => ch.charCodeAt(0) < 9), 'no control characters');
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});

describe('convertDocument: adversarial input stays linear', () => {
  // Each of these once made conversion quadratic or worse: a regression turns this suite from
  // milliseconds into minutes (or an out-of-memory crash) rather than failing an assertion.
  const cases: Array<[string, string, 'html' | 'markdown']> = [
    ['unclosed elements', '<div>'.repeat(50_000) + 'x', 'html'],
    ['unterminated comments', '<!-- '.repeat(50_000), 'html'],
    ['many raw-text elements', '<SCRIPT>a</SCRIPT><p>t</p>'.repeat(20_000), 'html'],
    ['unterminated doctypes', '<!doctype '.repeat(50_000), 'html'],
    ['deeply nested lists', Array.from({ length: 1_000 }, (_, i) => ' '.repeat(i * 2) + '- item').join('\n'), 'markdown'],
    ['deeply nested quotes', '>'.repeat(50_000) + ' deep', 'markdown'],
  ];
  for (const [name, source, format] of cases) {
    test(name, () => {
      const doc = convertDocument(source, format);
      assertConsistent(doc);
    });
  }
});
