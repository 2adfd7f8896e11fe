/** Plain-text tables for the terminal: left-aligned first column, right-aligned numbers. */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, j) => (j === 0 ? c.padEnd(widths[j] as number) : c.padStart(widths[j] as number))).join('   ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('   '), ...cells.slice(1).map(line)].join('\n');
}

/** An accuracy in [0, 1] as a percentage with two decimals. */
export const pct = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(2)}%`;
