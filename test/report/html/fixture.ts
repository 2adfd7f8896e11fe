/**
 * Small real run folders for the report's tests: an image folder of three
 * classes whose names (and whose path) carry markup, pretrained for a few
 * steps with a narrow ConvNet, then probed and kNN-evaluated by the CLI as a
 * user would; all in seconds.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { specl } from '../../helpers/cli.ts';

/** Markup that must come out as text: it closes a script, opens one, and runs code from an image's error handler. */
export const MARKUP = '</script><script>alert(1)</script>';
export const CLASS_NAMES = ['bar-left', '<img src=x onerror=alert(2)>', 'bar&right "q"'];

/** A 28×28 greyscale PNG: a bright vertical bar at column `col`, with seeded noise. */
async function png(col: number, seed: number): Promise<Buffer> {
  const side = 28;
  const px = Buffer.alloc(side * side);
  let s = seed * 2654435761 + 1;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const bar = Math.abs(x - col) <= 2 && y > 3 && y < 24;
      px[y * side + x] = Math.round((bar ? 200 : 20) + rnd() * 40);
    }
  return sharp(px, { raw: { width: side, height: side, channels: 1 } })
    .png()
    .toBuffer();
}

/**
 * An image folder `root/<markup path>/{train,test}/<class>/*.png` of three
 * classes (a bar at three positions), `train` (default 100: the label-efficiency curve needs 100 per class) and `test` images per class;
 * returns the dataset's folder (its path holds {@link MARKUP}).
 */
export async function markupDataset(root: string, o: { train?: number; test?: number } = {}): Promise<string> {
  const dir = join(root, `data${MARKUP}`);
  const cols = [6, 14, 22];
  for (const [split, n] of [
    ['train', o.train ?? 100],
    ['test', o.test ?? 30],
  ] as const)
    for (const [c, name] of CLASS_NAMES.entries()) {
      const d = join(dir, split, name);
      mkdirSync(d, { recursive: true });
      for (let i = 0; i < n; i++)
        await sharp(await png(cols[c] as number, i * 7 + c + (split === 'test' ? 1000 : 0))).toFile(
          join(d, `${i}.png`),
        );
    }
  return dir;
}

/** Pretrains 27 steps (3 epochs, a line every 2 steps) on `dataset` into `out` (`specl pretrain`), then probes (with label efficiency) and kNNs it. */
export function tinyRun(dataset: string, out: string, o: { evaluate?: boolean } = {}): void {
  const r = specl([
    'pretrain',
    '--dataset',
    `folder:${dataset}`,
    '--epochs',
    '3',
    '--set',
    'logEvery=2',
    '--batch-size',
    '32',
    '--widths',
    '8,16,32',
    '--no-worker',
    '--no-evaluate',
    '--out',
    out,
  ]);
  assert.equal(r.status, 0, r.stderr);
  if (o.evaluate === false) return;
  const p = specl(['probe', out, '--label-efficiency', '--seeds', '2']);
  assert.equal(p.status, 0, p.stderr);
  const k = specl(['knn', out, '--k', '10']);
  assert.equal(k.status, 0, k.stderr);
}
