/**
 * Sentence splitting shared by the chunker (split points, overlap) and the extractive generator
 * (the units it quotes). Uses the platform's ICU rules through Intl.Segmenter rather than a
 * hand-written regex: ICU already handles quotes, closing brackets, decimal numbers and
 * non-Latin terminators (。！？) that a regex gets wrong.
 */

/** A sentence as a half-open span `[start, end)` of the text it was cut from, whitespace trimmed. */
export interface SentenceSpan {
  start: number;
  end: number;
}

// One shared segmenter: constructing one loads ICU break rules, which costs far more than a split.
const SEGMENTER = new Intl.Segmenter('en', { granularity: 'sentence' });
const NON_SPACE = /\S/;

/**
 * Splits `text` into sentences. Each span excludes surrounding whitespace, so
 * `text.slice(s.start, s.end)` never starts or ends with whitespace; whitespace-only input
 * yields no spans. Line breaks end a sentence (ICU treats them as paragraph separators).
 */
export function sentenceSpans(text: string, offset = 0): SentenceSpan[] {
  const out: SentenceSpan[] = [];
  for (const seg of SEGMENTER.segment(text)) {
    const span = trimSpan(text, seg.index, seg.index + seg.segment.length);
    if (span) out.push({ start: span.start + offset, end: span.end + offset });
  }
  return out;
}

/** Splits `text` into trimmed sentence strings. */
export function sentences(text: string): string[] {
  return sentenceSpans(text).map((s) => text.slice(s.start, s.end));
}

/** Narrows `[start, end)` of `text` past leading and trailing whitespace; undefined when nothing is left. */
export function trimSpan(text: string, start: number, end: number): SentenceSpan | undefined {
  let s = start;
  let e = end;
  while (s < e && !NON_SPACE.test(text[s] as string)) s++;
  while (e > s && !NON_SPACE.test(text[e - 1] as string)) e--;
  return s < e ? { start: s, end: e } : undefined;
}
