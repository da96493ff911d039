/** `ragd config`: validate the environment's configuration and print it, or print the settings table. */
import { resolveSettings } from '../config/load.js';
import { SETTINGS, type Setting } from '../config/settings.js';

export function settingsMarkdown(): string {
  const rows = (SETTINGS as readonly Setting[]).map(
    (s) => `| \`${s.env}\` | ${s.default === undefined ? '—' : `\`${String(s.default)}\``} | ${s.description} |`,
  );
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export function configCommand(options: { markdown?: boolean }): number {
  if (options.markdown) {
    console.log(settingsMarkdown());
    return 0;
  }
  const values = resolveSettings();
  for (const s of SETTINGS as readonly Setting[]) {
    const v = values[s.env];
    console.log(`${s.env}=${v === undefined ? '' : s.secret ? '(set, hidden)' : String(v)}`);
  }
  return 0;
}
