/**
 * The synthetic corpus and queries the benchmark scenarios run against: generated from a fixed
 * seed, so every run and every machine measures the same data, and nothing is downloaded.
 * Each document talks about one topic from several angles; each query names a topic and an
 * angle, so searches have real matches in all three retrieval modes.
 */
import { prng } from './prng.js';

export { prng };

/** Documents in the seed corpus: enough for the indexes to do real work, quick to ingest. */
export const SEED_DOCUMENTS = 240;

const TOPICS = [
  'solar panels',
  'heat pumps',
  'sourdough bread',
  'tide pools',
  'bicycle gears',
  'honey bees',
  'glacier melt',
  'coffee roasting',
  'volcanic soil',
  'vinyl records',
  'river deltas',
  'wind turbines',
  'night skies',
  'coral reefs',
  'mountain passes',
  'paper making',
  'fermented tea',
  'desert plants',
  'railway bridges',
  'clock towers',
  'migrating birds',
  'salt marshes',
  'stone walls',
  'wool spinning',
] as const;

const ANGLES = [
  'history',
  'maintenance',
  'cost',
  'efficiency',
  'safety',
  'climate impact',
  'common myths',
  'tools',
  'beginner mistakes',
  'regional differences',
] as const;

const FILLER = [
  'careful',
  'measurement',
  'seasonal',
  'variation',
  'practical',
  'experience',
  'local',
  'experts',
  'recommend',
  'durable',
  'materials',
  'long',
  'term',
  'results',
  'depend',
  'on',
  'conditions',
  'observed',
  'over',
  'decades',
  'simple',
  'checks',
  'prevent',
  'costly',
  'repairs',
  'surveys',
  'show',
  'steady',
  'improvement',
  'records',
];

/** A seed document in ragd's ingest shape. */
export interface SeedDocument {
  readonly id: string;
  readonly title: string;
  readonly text: string;
  readonly metadata: { readonly topic: string; readonly angle: string };
}

/** The seed corpus: `SEED_DOCUMENTS` documents, ids `bench-0000` ..., identical on every call. */
export function seedDocuments(count = SEED_DOCUMENTS): SeedDocument[] {
  const rand = prng(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const docs: SeedDocument[] = [];
  for (let i = 0; i < count; i++) {
    const topic = TOPICS[i % TOPICS.length];
    const angle = ANGLES[Math.floor(i / TOPICS.length) % ANGLES.length];
    const sentences: string[] = [];
    for (let s = 0; s < 6; s++) {
      const words = Array.from({ length: 10 }, () => pick(FILLER));
      sentences.push(`The ${angle} of ${topic} ${words.join(' ')}.`);
    }
    docs.push({
      id: `bench-${String(i).padStart(4, '0')}`,
      title: `${topic}: ${angle}`,
      text: sentences.join(' '),
      metadata: { topic, angle },
    });
  }
  return docs;
}

/** `count` distinct natural-language questions about the seed corpus, in a fixed order. */
export function seedQueries(count = 40): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const topic = TOPICS[i % TOPICS.length];
    const angle = ANGLES[(i * 7) % ANGLES.length];
    const question = `what should I know about the ${angle} of ${topic}`;
    // (topic, angle) pairs repeat every lcm(24, 10) = 120 questions; number the later ones.
    out.push(i < 120 ? question : `${question} (${i})`);
  }
  return out;
}
