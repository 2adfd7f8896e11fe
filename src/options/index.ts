/** Options declared once (check, default, help, unit) and the one set of value checks; the CLI and config files derive from these. */
export * from './checks.ts';
export * from './declare.ts';
export * from './dependent.ts';
