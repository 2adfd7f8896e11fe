/**
 * Cross-check against torchvision itself (Debian python3-torchvision 0.14):
 * the same images and the same per-sample parameters go through
 * torchvision.transforms.functional in a child /usr/bin/python3, one image at
 * a time, and through the batched code here. Skipped when that interpreter
 * has no torchvision.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  ColorJitter,
  type ColorJitterParams,
  GaussianBlur,
  RandomAffine,
  RandomResizedCrop,
  type Transform,
} from '../../src/augment/index.ts';
import { Generator, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';
import { testImages } from './naive-image.ts';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torchvision'], { stdio: 'ignore' });
const skip = probe.status === 0 ? false : `${PYTHON} cannot import torchvision (python3-torchvision not installed)`;

const SCRIPT = `
import json, sys, numpy as np, torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode
d = sys.argv[1]
job = json.load(open(d + '/job.json'))
B, C, H, W = job['shape']
x = torch.from_numpy(np.fromfile(d + '/x.bin', dtype=np.float32).reshape(B, C, H, W))
outs = {}
for name, per in job['ops'].items():
    ys = []
    for b in range(B):
        img, q = x[b], per[b]
        if name == 'hue': y = F.adjust_hue(img, q['f'])
        elif name == 'brightness': y = F.adjust_brightness(img, q['f'])
        elif name == 'contrast': y = F.adjust_contrast(img, q['f'])
        elif name == 'saturation': y = F.adjust_saturation(img, q['f'])
        elif name == 'crop':
            y = F.resized_crop(img, q['top'], q['left'], q['height'], q['width'], job['size'],
                               InterpolationMode.BILINEAR, antialias=False)
        elif name == 'affine':
            y = F.affine(img, angle=q['angle'], translate=[q['tx'], q['ty']], scale=q['scale'], shear=[0.0, 0.0],
                         interpolation=InterpolationMode.BILINEAR, fill=job['fill'])
        elif name == 'blur': y = F.gaussian_blur(img, [job['kernel'], job['kernel']], [q['sigma'], q['sigma']])
        ys.append(y)
    torch.stack(ys).numpy().astype(np.float32).tofile(d + '/' + name + '.bin')
`;

describe('agreement with torchvision 0.14 on the same parameters', { skip }, () => {
  test('adjust_hue/brightness/contrast/saturation, resized_crop, affine and gaussian_blur', () => {
    const [B, C, H, W] = [5, 3, 11, 13];
    const rng = new Rng(99);
    const { data } = testImages(B, C, H, W, () => rng.uniform());
    const dir = mkdtempSync(join(tmpdir(), 'specl-'));
    try {
      tidy(() => {
        const x = tensor(data, [B, C, H, W]);
        const shape = { batch: B, channels: C, height: H, width: W };
        const g = new Generator(12);
        const size: [number, number] = [9, 16];
        const fill = [0.25, 0.5, 0.75];
        const ours: Record<string, Float32Array> = {};
        const ops: Record<string, Record<string, number>[]> = {};
        // One color op at a time (so the order does not matter), on every sample.
        const single = (key: keyof ColorJitterParams & string, opts: Record<string, number>) => {
          const t = new ColorJitter(opts);
          const p = t.sample(shape, g);
          ours[key] = t.applyWith(x, p).data() as Float32Array;
          ops[key] = Array.from(p[key] as Float64Array, (f) => ({ f }));
        };
        single('hue', { hue: 0.5 });
        single('brightness', { brightness: 0.9 });
        single('contrast', { contrast: 0.9 });
        single('saturation', { saturation: 0.9 });
        const run = <P>(name: string, t: Transform<P>, rows: (p: P) => Record<string, number>[]) => {
          const p = t.sample(shape, g);
          ours[name] = t.applyWith(x, p).data() as Float32Array;
          ops[name] = rows(p);
        };
        run('crop', new RandomResizedCrop({ size, scale: [0.1, 1], ratio: [0.5, 2] }), (p) =>
          Array.from(p.top, (_, b) => ({ top: p.top[b]!, left: p.left[b]!, height: p.height[b]!, width: p.width[b]! })),
        );
        run('affine', new RandomAffine({ degrees: 40, translate: 0.2, scale: [0.7, 1.3], fill }), (p) =>
          Array.from(p.angle, (_, b) => ({ angle: p.angle[b]!, tx: p.tx[b]!, ty: p.ty[b]!, scale: p.scale[b]! })),
        );
        run('blur', new GaussianBlur({ kernelSize: 5, sigma: [0.3, 2] }), (p) =>
          Array.from(p.sigma, (sigma) => ({ sigma })),
        );
        writeFileSync(join(dir, 'x.bin'), data);
        writeFileSync(join(dir, 'job.json'), JSON.stringify({ shape: [B, C, H, W], size, fill, kernel: 5, ops }));
        execFileSync(PYTHON, ['-c', SCRIPT, dir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 });
        for (const name of Object.keys(ops)) {
          const buf = readFileSync(join(dir, `${name}.bin`));
          const theirs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
          assert.equal(theirs.length, ours[name]!.length, `${name}: size`);
          // torchvision's tensor grayscale uses 0.2989 for red, ours 0.299 (BT.601 / PIL): ≤ 1e-4 apart.
          const atol = name === 'contrast' || name === 'saturation' ? 1.5e-4 : 1e-5;
          assertClose(ours[name]!, theirs, { rtol: 0, atol }, `${name} vs torchvision`);
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
