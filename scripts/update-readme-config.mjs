#!/usr/bin/env node
// Regenerates the configuration table in README.md from src/config/settings.ts (run with tsx:
// `node --import tsx scripts/update-readme-config.mjs`). test/unit/docs.test.ts fails when they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsMarkdown } from '../src/cli/config.ts';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const lines = readme.split('\n');
const start = lines.findIndex((l) => l.startsWith('| Variable | Default | Meaning |'));
if (start < 0) throw new Error('README.md has no configuration table');
let end = start;
while (end < lines.length && lines[end].startsWith('|')) end++;
lines.splice(start, end - start, ...settingsMarkdown().split('\n'));
writeFileSync(path, lines.join('\n'));
console.log('README.md configuration table updated');
