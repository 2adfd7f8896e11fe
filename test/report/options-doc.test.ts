/** docs/options.md is generated from the option declarations and must not drift from them. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COMMAND_DOCS } from '../../src/cli/command-docs.ts';
import { fillCommandTables } from '../../src/cli/option-flags.ts';
import { METHOD_NAMES, methodDefinition } from '../../src/methods/index.ts';
import { describeDefault, flatten } from '../../src/options/index.ts';
import { optionsMarkdown } from '../../src/report/options-doc.ts';
import { PRETRAIN_OPTIONS } from '../../src/train/index.ts';

const doc = readFileSync(new URL('../../docs/options.md', import.meta.url), 'utf8');

test('docs/options.md is what the declarations generate (run `npm run docs:options` after changing an option)', () => {
  assert.equal(doc, optionsMarkdown());
});

test('docs/options.md has a row for every option with its declared default, each method in its own section', () => {
  const section = (title: string) => {
    const start = doc.indexOf(title);
    assert.ok(start >= 0, `a section ${title}`);
    const end = doc.indexOf('\n#', start + title.length);
    return doc.slice(start, end < 0 ? undefined : end);
  };
  const check = (text: string, rows: ReturnType<typeof flatten>) => {
    for (const [key, decl] of rows) {
      const line = text.split('\n').find((l) => l.startsWith(`| \`${key}\``));
      assert.ok(line, `a row for ${key}`);
      assert.ok(line.includes(`| ${describeDefault(decl)}`), `${key}: default ${describeDefault(decl)} in "${line}"`);
    }
  };
  check(section('## Pretraining'), flatten(PRETRAIN_OPTIONS));
  for (const m of METHOD_NAMES) check(section(`### \`${m}\``), flatten(methodDefinition(m).options, 'method.'));
});

test("the commands' flag tables in the docs are what their declarations generate, one per command", () => {
  for (const [file, specs] of Object.entries(COMMAND_DOCS)) {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    assert.equal(text, fillCommandTables(text, specs, file), `${file} is stale: run \`npm run docs:options\``);
    for (const spec of specs) {
      const block = new RegExp(`<!-- options: ${spec.name} -->\\n([\\s\\S]*?)<!-- /options -->`).exec(text);
      assert.ok(block, `${file} has no options block for ${spec.name}`);
      // Every declared option has its row with the declared default.
      for (const [key, decl] of Object.entries(spec.options)) {
        const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
        const d = decl as { default: unknown };
        const row = (block[1] as string).split('\n').find((l) => l.startsWith(`| \`--${flag}`));
        assert.ok(row, `${file}: no row for --${flag} of ${spec.name}`);
        assert.ok(
          row.includes(`| ${d.default === null ? 'none' : String(d.default)} |`),
          `${spec.name} --${flag}: ${row}`,
        );
      }
    }
  }
  assert.throws(
    () => fillCommandTables('<!-- options: specl nope -->\n<!-- /options -->', [], 'x.md'),
    /x\.md: no command 'specl nope'/,
  );
});
