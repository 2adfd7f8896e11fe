/**
 * Checkpoints that survive a kill at any instant. Each checkpoint is a folder
 * `checkpoints/step-NNNNNNN/` with the model (encoder, heads and method state
 * in one safetensors file, keys prefixed `encoder.`, `heads.`, `state.`), the
 * optimizer state, and the trainer's position (`trainer.json`). Only once all
 * three are written (each atomically) does `checkpoints/latest.json` — itself
 * replaced atomically — point at it; older folders are then removed. A crash
 * mid-write therefore leaves `latest.json` on the previous complete checkpoint.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Method } from '../methods/method.ts';
import { entriesUnder, type ImageEncoder, withPrefix } from '../nn/index.ts';
import { loadOptimizer, type Optimizer, saveOptimizer } from '../optim/index.ts';
import { loadSafetensors, saveSafetensors, type Tensor, tidy } from '../tensor/index.ts';
import { writeJsonAtomic } from '../util/atomic-write.ts';

/** Where the trainer is: enough to continue exactly. */
export interface TrainerPosition {
  /** Optimizer steps done. */
  step: number;
  /** Planned steps of the whole run (fixed once planned). */
  totalSteps: number;
  /** Epoch of the next batch, and its index within that epoch. */
  epoch: number;
  batch: number;
  /** Training seconds so far (excluding time while stopped). */
  seconds: number;
  /** Images seen so far. */
  images: number;
}

const POINTER = 'latest.json';
const name = (step: number) => `step-${String(step).padStart(7, '0')}`;

/** Writes a checkpoint of the current state and points `latest.json` at it. */
export function saveCheckpoint(
  dir: string,
  parts: { encoder: ImageEncoder; method: Method; optimizer: Optimizer },
  position: TrainerPosition,
): void {
  const sub = join(dir, name(position.step));
  mkdirSync(sub, { recursive: true });
  tidy(() => {
    const tensors: Record<string, Tensor> = {
      ...withPrefix(parts.encoder.stateDict(), 'encoder.'),
      ...withPrefix(parts.method.heads.stateDict(), 'heads.'),
      ...withPrefix(parts.method.stateTensors(), 'state.'),
    };
    saveSafetensors(join(sub, 'model.safetensors'), tensors, { format: 'pt', method: parts.method.name });
  });
  saveOptimizer(join(sub, 'optimizer.safetensors'), parts.optimizer);
  writeJsonAtomic(join(sub, 'trainer.json'), position);
  writeJsonAtomic(join(dir, POINTER), { checkpoint: name(position.step), step: position.step });
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('step-') && entry !== name(position.step))
      rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** The latest complete checkpoint's folder, or null when the run has none yet. */
export function latestCheckpoint(dir: string): string | null {
  const pointer = join(dir, POINTER);
  if (!existsSync(pointer)) return null;
  let p: { checkpoint?: unknown };
  try {
    p = JSON.parse(readFileSync(pointer, 'utf8')) as { checkpoint?: unknown };
  } catch (e) {
    throw new Error(`${pointer}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof p.checkpoint !== 'string' || !/^step-\d+$/.test(p.checkpoint))
    throw new Error(
      `${pointer}: field 'checkpoint' must name a step-NNNNNNN folder, got ${JSON.stringify(p.checkpoint)}`,
    );
  const sub = join(dir, p.checkpoint);
  if (!existsSync(join(sub, 'trainer.json'))) throw new Error(`${pointer}: points at ${sub}, which is incomplete`);
  return sub;
}

/** Loads a checkpoint folder into the given (freshly built) parts and returns the trainer position. */
export function loadCheckpoint(
  sub: string,
  parts: { encoder: ImageEncoder; method: Method; optimizer: Optimizer },
): TrainerPosition {
  const modelPath = join(sub, 'model.safetensors');
  tidy(() => {
    const { tensors } = loadSafetensors(modelPath);
    const pick = (prefix: string) => entriesUnder(tensors, prefix);
    try {
      parts.encoder.loadStateDict(pick('encoder.'), { strict: true });
      parts.method.heads.loadStateDict(pick('heads.'), { strict: true });
      parts.method.loadStateTensors(pick('state.'));
    } catch (e) {
      throw new Error(`${modelPath}: ${(e as Error).message}`);
    }
  });
  loadOptimizer(join(sub, 'optimizer.safetensors'), parts.optimizer);
  const trainerPath = join(sub, 'trainer.json');
  const pos = JSON.parse(readFileSync(trainerPath, 'utf8')) as TrainerPosition;
  for (const k of ['step', 'totalSteps', 'epoch', 'batch', 'seconds', 'images'] as const) {
    if (typeof pos[k] !== 'number' || !Number.isFinite(pos[k]))
      throw new Error(`${trainerPath}: field '${k}' must be a number, got ${JSON.stringify(pos[k])}`);
  }
  return pos;
}
