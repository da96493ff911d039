// Every alert in deploy/prometheus/alerts.yml has its own `## <AlertName>` section in docs/runbooks.md,
// its runbook_url points at that section's anchor, and no section is left without an alert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = process.cwd();
const RUNBOOK_BASE = 'https://github.com/ragd-project/ragd/blob/main/docs/runbooks.md';

/** Alert names with their runbook_url, read from the rule file (one `- alert:` item per rule). */
function alerts(): { name: string; runbook: string | undefined }[] {
  const text = readFileSync(join(ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8');
  return text
    .split(/\n\s*- alert:\s*/)
    .slice(1)
    .map((chunk) => ({ name: chunk.split('\n')[0]!.trim(), runbook: /runbook_url:\s*'?([^'\s]+)'?/.exec(chunk)?.[1] }));
}

/** GitHub's heading anchor for a heading made of one word: lower case. */
const anchorOf = (heading: string): string => heading.toLowerCase();

test('every alert has a runbook section, linked by its runbook_url', () => {
  const list = alerts();
  assert.ok(list.length >= 25, `read ${list.length} alerts`);
  const doc = readFileSync(join(ROOT, 'docs', 'runbooks.md'), 'utf8');
  const sections = [...doc.matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1] as string);
  assert.equal(new Set(sections).size, sections.length, 'no section twice');
  for (const a of list) {
    assert.ok(sections.includes(a.name), `docs/runbooks.md has no "## ${a.name}" section`);
    assert.equal(a.runbook, `${RUNBOOK_BASE}#${anchorOf(a.name)}`, `${a.name}: runbook_url`);
  }
  const names = new Set(list.map((a) => a.name));
  assert.deepEqual(
    sections.filter((s) => !names.has(s)),
    [],
    'sections without an alert (renamed or removed alerts)',
  );
  // Each section says something, and in-page links point at sections that exist.
  for (const [, name, body] of doc.matchAll(/^## (\S+)\s*\n([\s\S]*?)(?=^## |(?![\s\S]))/gm)) {
    assert.match(body as string, /\*\*What\*\*/, `${name}: a What paragraph`);
  }
  for (const [, target] of doc.matchAll(/\]\(#([\w-]+)\)/g)) {
    assert.ok(sections.some((s) => anchorOf(s) === target), `link to missing section #${target}`);
  }
});
