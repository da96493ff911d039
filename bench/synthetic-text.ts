/**
 * Deterministic English-like text for scale benchmarks: sentences drawn from a Zipf-distributed
 * vocabulary (so BM25 postings have realistic skew) with a seeded PRNG, so every run indexes the
 * same corpus and asks the same questions.
 */
import { prng } from './seed-corpus.js';

const VOCABULARY = (
  'system data energy water policy market health report network process model service customer product research ' +
  'design quality security value price budget growth risk team project record student patient engine battery ' +
  'solar river forest city county school hospital bridge railway harbour airport museum library garden factory ' +
  'protein enzyme molecule cell tissue virus vaccine therapy symptom diagnosis treatment dosage clinic nurse doctor ' +
  'contract invoice payment account balance credit loan interest tax audit revenue profit margin supplier inventory ' +
  'software database server client protocol packet router cache index query latency throughput cluster replica ' +
  'weather climate storm rainfall drought harvest crop soil fertiliser irrigation livestock dairy grain orchard ' +
  'history empire treaty dynasty colony revolution parliament election senate court judge verdict statute ' +
  'planet orbit telescope galaxy comet asteroid eclipse gravity radiation spectrum photon neutron particle ' +
  'vehicle engine brake tyre fuel emission mileage warranty dealer repair inspection licence insurance'
).split(' ');
const FILLER = 'the of and to in a is that for it as with was on be by are this from at which'.split(' ');

/** Zipf-like pick: index ~ floor(n * u^2) favours the head of the vocabulary. */
function word(rand: () => number): string {
  return VOCABULARY[Math.floor(VOCABULARY.length * rand() ** 2)]!;
}

function sentence(rand: () => number): string {
  const n = 8 + Math.floor(rand() * 12);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(rand() < 0.4 ? FILLER[Math.floor(rand() * FILLER.length)]! : word(rand));
  const s = out.join(' ');
  return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
}

/** A document of about `paragraphs` x 1,000 characters: one ~1,000-char paragraph per chunk. */
export function syntheticDocument(index: number, paragraphs: number): string {
  const rand = prng(0x9e3779b9 ^ index);
  const paras: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    let para = '';
    while (para.length < 900) para += (para ? ' ' : '') + sentence(rand);
    paras.push(para);
  }
  return paras.join('\n\n');
}

/** A unique question per index (so an answer cache never hits). */
export function syntheticQuestion(index: number): string {
  const rand = prng(0x85ebca6b ^ index);
  return `What does the report say about ${word(rand)} ${word(rand)} and ${word(rand)} ${index}?`;
}
