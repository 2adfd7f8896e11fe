// Writes docs/options.md from the option declarations (see src/report/options-doc.ts),
// and refills the commands' flag tables in the docs that hold them (src/cli/command-docs.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { COMMAND_DOCS } from '../src/cli/command-docs.ts';
import { fillCommandTables } from '../src/cli/option-flags.ts';
import { optionsMarkdown } from '../src/report/options-doc.ts';

const path = new URL('../docs/options.md', import.meta.url).pathname;
writeFileSync(path, optionsMarkdown());
console.log(`wrote ${path}`);
for (const [file, specs] of Object.entries(COMMAND_DOCS)) {
  const p = new URL(`../${file}`, import.meta.url).pathname;
  const before = readFileSync(p, 'utf8');
  const after = fillCommandTables(before, specs, file);
  if (after !== before) writeFileSync(p, after);
  console.log(`${after === before ? 'unchanged' : 'wrote'} ${p}`);
}
