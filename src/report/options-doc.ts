/**
 * The option reference of docs/options.md, generated from the declarations
 * (`PRETRAIN_OPTIONS`, each method's options and recipe), so the docs state
 * exactly the defaults and checks the code uses. `npm run docs:options`
 * rewrites the file; a test fails when it is stale.
 */
import { METHOD_NAMES, methodDefinition } from '../methods/index.ts';
import { describeDefault, flatten, type Schema } from '../options/index.ts';
import { PRETRAIN_OPTIONS } from '../train/index.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A markdown table of a schema's options: key, default, what is accepted, what it does. */
export function optionTable(schema: Schema, prefix = ''): string {
  const rows = flatten(schema, prefix).map(([key, d]) => {
    const unit = d.unit && describeDefault(d) !== 'none' && !/^the /.test(describeDefault(d)) ? ` ${d.unit}` : '';
    const flag = d.flag ? ` (\`--${d.flag}\`)` : '';
    return `| \`${key}\`${flag} | ${cell(describeDefault(d) + unit)} | ${cell(d.check.expect)} | ${cell(d.help)} |`;
  });
  return ['| key | default | accepts | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

const pct = (x: number) => `${Math.round(x * 10000) / 100} %`;

/** docs/options.md. */
export function optionsMarkdown(): string {
  const parts = [
    '# Every option of `specl pretrain`',
    '',
    '<!-- Generated from the declarations by `npm run docs:options`; a test fails when this file is stale. -->',
    '',
    'Each option is declared once in the code (its default, check and help). The same key is used',
    'everywhere: in a YAML or JSON file given to `--config`, in `--set KEY=VALUE`, in the run’s',
    '`config.json`, and in the `settings` of `pretrain()` in the library. Options with a shorthand',
    'flag show it in brackets. "the method’s" defaults come from the method’s recipe below.',
    '',
    '## Pretraining',
    '',
    optionTable(PRETRAIN_OPTIONS),
    '',
    '## Methods',
    '',
    'Set `method.name` (or `--method`), then the method’s own options as `method.KEY`.',
    'Defaults that say "on the ConvNet … on ResNet-18" follow the encoder’s scale. The recipe',
    'gives the optimizer defaults: `optimizer.lr` = base lr × batchSize/256.',
    '',
  ];
  for (const name of METHOD_NAMES) {
    const def = methodDefinition(name);
    const r = def.recipe;
    parts.push(`### \`${name}\`: ${def.summary}`, '');
    parts.push(
      `Recipe: ${r.optimizer.toUpperCase()}, base lr ${r.baseLr}, weight decay ${r.weightDecay}, momentum ${r.momentum}, ` +
        `warm-up ${pct(r.warmupFraction)} of the run; default batch ${describeBatch(def.batchSize('small'), def.batchSize('large'))}` +
        `${def.logs.length ? `; logs ${def.logs.map((l) => `\`${l}\``).join(', ')}` : ''}.`,
      '',
    );
    parts.push(Object.keys(def.options).length ? optionTable(def.options, 'method.') : 'No options of its own.', '');
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

const describeBatch = (small: number, large: number) =>
  small === large ? `${small}` : `${small} on the ConvNet, ${large} on ResNet-18`;
