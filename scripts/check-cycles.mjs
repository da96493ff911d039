#!/usr/bin/env node
// Fails when a module under src/ or bench/ imports itself through a chain of imports (architecture
// rule: no import cycles). Written against the TypeScript compiler API rather than with a cycle
// tool such as madge: the compiler (already a dev dependency) resolves every import exactly as the
// build does, from tsconfig.json, and madge would add about a hundred packages to every install.
// Type-only imports count too: a cycle through types still ties the modules' designs together.
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
const scope = (file) => {
  const rel = relative(root, file);
  return (rel.startsWith('src/') || rel.startsWith('bench/')) && !rel.includes('node_modules');
};
const files = parsed.fileNames.filter(scope);

/** file -> files it imports (resolved, in scope). */
const graph = new Map();
for (const file of files) {
  const info = ts.preProcessFile(ts.sys.readFile(file) ?? '', true, true);
  const deps = new Set();
  for (const ref of info.importedFiles) {
    const res = ts.resolveModuleName(ref.fileName, file, parsed.options, ts.sys).resolvedModule;
    if (res && !res.isExternalLibraryImport && scope(res.resolvedFileName)) deps.add(res.resolvedFileName);
  }
  graph.set(file, [...deps]);
}

// Tarjan's strongly connected components: every component with more than one module (or a module
// importing itself) is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function connect(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!idx.has(w)) {
      connect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.map((f) => relative(root, f)).sort());
  }
}
for (const file of graph.keys()) if (!idx.has(file)) connect(file);

if (cycles.length > 0) {
  console.error(`import cycles (${cycles.length}):`);
  for (const c of cycles) console.error(`  ${c.join(' <-> ')}`);
  process.exit(1);
}
console.log(`no import cycles among ${graph.size} modules`);
