#!/usr/bin/env node
// Entry point of the `specl` command: runs the TypeScript sources through tsx
// (a dependency), so the command is always the code in this tree.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
