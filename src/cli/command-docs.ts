/**
 * Which docs hold generated flag tables of which commands: the one list
 * `npm run docs:options` fills and the docs test checks (see
 * `fillCommandTables`).
 */
import type { CommandSpec } from './option-flags.ts';
import { REPORT_COMMAND } from './report.ts';
import { SERVE_COMMAND } from './serve.ts';

/** docs file (from the repository root) → the commands whose `<!-- options: NAME -->` blocks it holds. */
export const COMMAND_DOCS: Record<string, readonly CommandSpec[]> = {
  'docs/dashboard.md': [SERVE_COMMAND, REPORT_COMMAND],
};
