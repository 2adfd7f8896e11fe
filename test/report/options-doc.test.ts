/** docs/options.md is generated from the option declarations and must not drift from them. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
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
