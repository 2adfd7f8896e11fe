#!/usr/bin/env node
// Entry point of the `specl` command. In a checkout (src/ next to bin/) it runs
// the TypeScript sources through tsx, so the command is always the code in this
// tree; in an installed package (no src/, see "files" in package.json) it runs
// the compiled JavaScript in dist/, and tsx is not needed.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
}
