/**
 * Writes small CIFAR binary files in the official layout, with pixels and
 * labels from the test's own PRNG, and returns the bytes written so tests
 * can check the loader against them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../helpers/prng.ts';

/** One record as written: its label bytes and its 3072 pixel bytes (R plane, G plane, B plane). */
export interface CifarRecord {
  labels: number[];
  pixels: Uint8Array;
}

/** `n` random records with label byte i uniform in 0…limits[i]−1. */
export function randomRecords(rng: Rng, n: number, limits: number[]): CifarRecord[] {
  return Array.from({ length: n }, () => ({
    labels: limits.map((k) => rng.int(0, k)),
    pixels: Uint8Array.from({ length: 3072 }, () => rng.int(0, 256)),
  }));
}

/** The bytes of a batch file: per record, label byte(s) then pixels. */
export function batchBytes(records: CifarRecord[]): Buffer {
  return Buffer.concat(records.map((r) => Buffer.concat([Buffer.from(r.labels), Buffer.from(r.pixels)])));
}

/** CIFAR-10 under root/cifar-10-batches-bin: five train batches of the given sizes and a test batch. */
export function writeCifar10(
  root: string,
  rng: Rng,
  opts: { train?: number[]; test?: number; names?: string[] | null } = {},
): { folder: string; train: CifarRecord[]; test: CifarRecord[] } {
  const folder = join(root, 'cifar-10-batches-bin');
  mkdirSync(folder, { recursive: true });
  const train: CifarRecord[] = [];
  (opts.train ?? [3, 2, 4, 1, 2]).forEach((n, i) => {
    const recs = randomRecords(rng, n, [10]);
    writeFileSync(join(folder, `data_batch_${i + 1}.bin`), batchBytes(recs));
    train.push(...recs);
  });
  const test = randomRecords(rng, opts.test ?? 3, [10]);
  writeFileSync(join(folder, 'test_batch.bin'), batchBytes(test));
  if (opts.names !== null) {
    const names = opts.names ?? Array.from({ length: 10 }, (_, i) => `class-${i}`);
    writeFileSync(join(folder, 'batches.meta.txt'), `${names.join('\n')}\n\n`);
  }
  return { folder, train, test };
}

/** CIFAR-100 under root/cifar-100-binary: train.bin, test.bin and both name files. */
export function writeCifar100(
  root: string,
  rng: Rng,
  opts: { train?: number; test?: number } = {},
): { folder: string; train: CifarRecord[]; test: CifarRecord[]; fine: string[]; coarse: string[] } {
  const folder = join(root, 'cifar-100-binary');
  mkdirSync(folder, { recursive: true });
  const train = randomRecords(rng, opts.train ?? 5, [20, 100]);
  const test = randomRecords(rng, opts.test ?? 3, [20, 100]);
  writeFileSync(join(folder, 'train.bin'), batchBytes(train));
  writeFileSync(join(folder, 'test.bin'), batchBytes(test));
  const fine = Array.from({ length: 100 }, (_, i) => `fine-${i}`);
  const coarse = Array.from({ length: 20 }, (_, i) => `coarse-${i}`);
  writeFileSync(join(folder, 'fine_label_names.txt'), `${fine.join('\n')}\n`);
  writeFileSync(join(folder, 'coarse_label_names.txt'), `${coarse.join('\r\n')}\r\n`);
  return { folder, train, test, fine, coarse };
}
