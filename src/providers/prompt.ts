/**
 * The grounded chat prompt remote generators send: a system message that confines the model to
 * the numbered sources and asks for [n] citations, and a user message with the sources and the
 * question. Kept in one place so Ollama and OpenAI-compatible models see the same instructions.
 */
import type { GenerateSource } from './generator.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export const GROUNDED_SYSTEM_PROMPT = [
  'You answer questions using only the numbered sources provided by the user.',
  'Cite every claim with the number of the source it comes from in square brackets, like [1] or [2][3].',
  'Do not use outside knowledge and do not cite a number that is not among the sources.',
  'If the sources do not contain the answer, say plainly that the sources do not contain it instead of guessing.',
  'Answer concisely, in the language of the question.',
].join(' ');

/** Renders sources as `[n] title` followed by the text, separated by blank lines. */
export function formatSources(sources: readonly GenerateSource[]): string {
  return sources.map((s) => `[${s.index}] ${s.title.trim()}\n${s.text.trim()}`).join('\n\n');
}

/** The system and user messages for answering `question` from `sources`. */
export function buildGroundedPrompt(question: string, sources: readonly GenerateSource[]): ChatMessage[] {
  const body = sources.length === 0 ? '(no sources were found)' : formatSources(sources);
  return [
    { role: 'system', content: GROUNDED_SYSTEM_PROMPT },
    { role: 'user', content: `Sources:\n\n${body}\n\nQuestion: ${question.trim()}` },
  ];
}
