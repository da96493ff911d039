/**
 * Guards for the semantic answer cache: two questions can embed within 0.99 cosine and still ask
 * different things ("flights under $500" / "under $300", "is X safe" / "is X not safe", "CEO of
 * Apple" / "CEO of Google"). Before a cached answer is served, three cheap lexical features must
 * agree between the cached question and the new one:
 *   - numbers: digit runs (1,000 = 1000; 3.50 = 3.5), number words (two = 2) and ordinals
 *     (first = 1st), compared as multisets;
 *   - negation: how many negation cues each has (not, no, never, without, none, nobody, nothing,
 *     neither, nor, nowhere, cannot, and any n't contraction);
 *   - named entities: capitalised words not at sentence start, acronyms and mixed-case words
 *     (anywhere), and quoted phrases, compared case-insensitively. A capitalised word at sentence
 *     start that is not a stop word or a question/command opener ("Paris population?") is a tentative
 *     entity: it passes if the other question contains the word at all, and fails otherwise, so
 *     "Paris population?" never matches "Berlin population?".
 * The guards only ever turn hits into misses: a false rejection costs one generator call.
 */
import { isStopword } from '../text/tokenize.js';

export type GuardReason = 'numbers' | 'negation' | 'entities';

export interface GuardFeatures {
  /** Normalised numbers, sorted (a multiset). */
  readonly numbers: readonly string[];
  /** Count of negation cues. */
  readonly negations: number;
  /** Certain entities, lower-cased. */
  readonly entities: ReadonlySet<string>;
  /** Sentence-initial capitalised content words, lower-cased. */
  readonly tentative: ReadonlySet<string>;
  /** Every word, lower-cased, to check tentative entities against. */
  readonly words: ReadonlySet<string>;
}

const NEGATIONS = new Set(['not', 'no', 'never', 'without', 'none', 'nobody', 'nothing', 'neither', 'nor', 'nowhere', 'cannot', 'noone']);
/** Contractions typed without an apostrophe. */
const BARE_NEGATIONS = new Set([
  'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'cant', 'couldnt', 'shouldnt', 'wouldnt', 'wont',
  'hasnt', 'havent', 'hadnt', 'mustnt', 'neednt', 'aint', 'mightnt', 'shant',
]);
/** A Map, not an object literal: a plain object would answer `constructor`, `toString`... from its prototype. */
const NUMBER_WORDS = new Map<string, string>(Object.entries({
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9', ten: '10',
  eleven: '11', twelve: '12', thirteen: '13', fourteen: '14', fifteen: '15', sixteen: '16', seventeen: '17', eighteen: '18',
  nineteen: '19', twenty: '20', thirty: '30', forty: '40', fifty: '50', sixty: '60', seventy: '70', eighty: '80', ninety: '90',
  hundred: '100', thousand: '1000', million: '1000000', billion: '1000000000', trillion: '1000000000000', dozen: '12',
  first: '1st', second: '2nd', third: '3rd', fourth: '4th', fifth: '5th', sixth: '6th', seventh: '7th', eighth: '8th',
  ninth: '9th', tenth: '10th', eleventh: '11th', twelfth: '12th',
}));
/** Words that open questions and commands; capitalised at sentence start they are not names. */
const OPENERS = new Set([
  'what', 'which', 'who', 'whom', 'whose', 'when', 'where', 'why', 'how', 'is', 'are', 'was', 'were', 'do', 'does', 'did',
  'can', 'could', 'should', 'would', 'will', 'shall', 'may', 'might', 'must', 'has', 'have', 'had', 'please', 'tell', 'explain',
  'describe', 'list', 'show', 'give', 'define', 'compare', 'summarize', 'summarise', 'find', 'name', 'i', 'hi', 'hello',
]);

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;
const NUMBER = /\d+(?:[.,]\d+)*(?:st|nd|rd|th)?/giu;
const QUOTED = /"([^"]+)"|“([^”]+)”|«([^»]+)»|(?<![\p{L}\p{N}])['‘]([^'‘’]+)['’](?![\p{L}\p{N}])/gu;
const SENTENCE_END = /[.!?\n]/u;
const OPENING_MARKS = /[\s"'“‘«([{¿¡-]/u;

/** Extracts the guard features of a question. Pure; a few microseconds for a typical question. */
export function guardFeatures(text: string): GuardFeatures {
  // Plain ASCII (most questions) is unchanged by NFKC and holds no curly quotes, so a hand-rolled
  // pass finds the same words, numbers and quotes as the Unicode regular expressions at a fraction of
  // the cost; anything else takes the general path. Both feed the same per-word logic below.
  const ascii = asciiShape(text);
  const source = ascii === undefined ? text.normalize('NFKC') : text;
  const numbers: string[] = [];
  if (ascii === undefined || ascii.digits) for (const m of source.matchAll(NUMBER)) numbers.push(normaliseNumber(m[0]));
  const entities = new Set<string>();
  const quoted: Array<[number, number]> = [];
  if (ascii === undefined || ascii.quotes) {
    for (const m of source.matchAll(QUOTED)) {
      const phrase = (m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').toLowerCase().replace(/\s+/gu, ' ').trim();
      if (phrase !== '') entities.add(phrase);
      quoted.push([m.index, m.index + m[0].length]);
    }
  }
  const state: WordState = { source, numbers, entities, quoted, tentative: new Set(), words: new Set(), negations: 0 };
  if (ascii === undefined) for (const m of source.matchAll(WORD)) addWord(state, m[0], m.index);
  else addAsciiWords(state);
  numbers.sort();
  return { numbers, negations: state.negations, entities, tentative: state.tentative, words: state.words };
}

interface WordState {
  readonly source: string;
  readonly numbers: string[];
  readonly entities: Set<string>;
  readonly quoted: ReadonlyArray<readonly [number, number]>;
  readonly tentative: Set<string>;
  readonly words: Set<string>;
  negations: number;
}

/** One WORD match at `index` of the source: negation count, number words, entities. */
function addWord(state: WordState, word: string, index: number): void {
  const folded = word.toLowerCase();
  const lower = folded.includes('’') ? folded.replace(/’/gu, "'") : folded;
  const { words } = state;
  words.add(lower);
  if (NEGATIONS.has(lower) || BARE_NEGATIONS.has(lower) || lower.endsWith("n't")) state.negations++;
  const spelled = NUMBER_WORDS.get(lower);
  if (spelled !== undefined) state.numbers.push(spelled);
  // Entities and word matching use the part before an apostrophe: Microsoft's = Microsoft, What's = What.
  const apostrophe = lower.indexOf("'");
  const base = apostrophe < 0 ? lower : lower.slice(0, apostrophe);
  words.add(base);
  // A word without capitals is never an entity (most words): skip the entity checks for it.
  if (folded === word) return;
  // A quoted phrase is one entity; its words are not entities on their own.
  const { quoted } = state;
  const inQuote = quoted.length > 0 && quoted.some(([start, end]) => index >= start && index < end);
  const kind = inQuote ? undefined : entityKind(word, isSentenceStart(state.source, index));
  if (kind === 'certain') state.entities.add(base);
  else if (kind === 'tentative' && !isStopword(base) && !OPENERS.has(base) && spelled === undefined) state.tentative.add(base);
}

/** What the ASCII pass needs to know up front, or undefined when the text is not plain ASCII. */
interface AsciiShape {
  readonly digits: boolean;
  readonly quotes: boolean;
}

const ASCII_MAX = 0x7f;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

function asciiShape(text: string): AsciiShape | undefined {
  let digits = false;
  let quotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > ASCII_MAX) return undefined;
    if (isDigit(c)) digits = true;
    else if (c === QUOTE || c === APOSTROPHE) quotes = true;
  }
  return { digits, quotes };
}

/** WORD (`[\p{L}\p{N}]+(?:['’][\p{L}]+)*`) over plain ASCII: letters and digits, then `'letters` runs. */
function addAsciiWords(state: WordState): void {
  const text = state.source;
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isAsciiAlnum(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isAsciiAlnum(text.charCodeAt(i))) i++;
    while (i + 1 < n && text.charCodeAt(i) === APOSTROPHE && isAsciiLetter(text.charCodeAt(i + 1))) {
      i += 2;
      while (i < n && isAsciiLetter(text.charCodeAt(i))) i++;
    }
    addWord(state, text.slice(start, i), start);
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isAsciiAlnum(c: number): boolean {
  return isAsciiLetter(c) || isDigit(c);
}

/** Reasons the two questions disagree; empty when a cached answer for one may serve the other. */
export function guardMismatches(a: GuardFeatures, b: GuardFeatures): GuardReason[] {
  const reasons: GuardReason[] = [];
  if (a.numbers.length !== b.numbers.length || a.numbers.some((n, i) => n !== b.numbers[i])) reasons.push('numbers');
  if (a.negations !== b.negations) reasons.push('negation');
  if (!entitiesCovered(a, b) || !entitiesCovered(b, a)) reasons.push('entities');
  return reasons;
}

/** Every certain entity of `a` is an entity of `b`, and every tentative one appears in `b` at all. */
function entitiesCovered(a: GuardFeatures, b: GuardFeatures): boolean {
  for (const e of a.entities) if (!b.entities.has(e) && !b.tentative.has(e)) return false;
  for (const t of a.tentative) if (!b.words.has(t)) return false;
  return true;
}

function entityKind(word: string, sentenceStart: boolean): 'certain' | 'tentative' | undefined {
  const letters = word.replace(/[^\p{L}]/gu, '');
  if (letters === '' || word === 'I') return undefined;
  // Acronyms (NASA, GPT4) and inner capitals (iPhone, OpenAI) are names wherever they stand.
  if (/\p{Lu}/u.test(letters.slice(1))) return 'certain';
  if (!/^\p{Lu}/u.test(letters)) return undefined;
  return sentenceStart ? 'tentative' : 'certain';
}

function isSentenceStart(text: string, index: number): boolean {
  for (let i = index - 1; i >= 0; i--) {
    const ch = text[i]!;
    if (SENTENCE_END.test(ch)) return true;
    if (!OPENING_MARKS.test(ch)) return false;
  }
  return true;
}

function normaliseNumber(raw: string): string {
  const lower = raw.toLowerCase().replace(/,(?=\d{3}(?!\d))/gu, '');
  if (/^\d+(\.\d+)?$/u.test(lower)) return String(Number(lower));
  return lower;
}
