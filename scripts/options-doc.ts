// Writes docs/options.md from the option declarations (see src/report/options-doc.ts).
import { writeFileSync } from 'node:fs';
import { optionsMarkdown } from '../src/report/options-doc.ts';

const path = new URL('../docs/options.md', import.meta.url).pathname;
writeFileSync(path, optionsMarkdown());
console.log(`wrote ${path}`);
