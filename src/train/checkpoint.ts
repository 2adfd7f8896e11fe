/**
 * Checkpoints that survive a kill at any instant. Each checkpoint is a folder
 * `checkpoints/step-NNNNNNN/` with the model (encoder, heads and method state
 * in one safetensors file, keys prefixed `encoder.`, `heads.`, `state.`), the
 * optimizer state, and the trainer's position (`trainer.json`). The folder is
 * built under a hidden temporary name and renamed into place only once all
 * three files are on disk, so a `step-*` folder is complete unless damaged
 * from outside; then `checkpoints/latest.json` — itself replaced atomically —
 * points at it, and only then are the older folders removed (what a kill
 * during that removal leaves, the next checkpoint or a resume removes). A crash at any
 * point therefore leaves a complete checkpoint that `latest.json` names (the
 * previous one or the new one), and the only complete checkpoint is never
 * removed before its successor is complete and pointed at.
 *
 * Resuming without a usable pointer (`latest.json` missing, not valid, or
 * naming a folder that is not complete) recovers from the newest complete
 * `step-*` folder — all three files present and readable, trainer.json's step
 * equal to the folder's number — and says so (`findLatestCheckpoint`'s
 * `recovered`). Step folders that are present but not complete and no complete
 * one besides: refused, naming them, rather than restarted over.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Method } from '../methods/method.ts';
import { entriesUnder, type ImageEncoder, withPrefix } from '../nn/index.ts';
import { loadOptimizer, type Optimizer, saveOptimizer } from '../optim/index.ts';
import { loadSafetensors, saveSafetensors, type Tensor, tidy } from '../tensor/index.ts';
import { tempPathFor, writeJsonAtomic } from '../util/atomic-write.ts';

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
  /**
   * The last step's loss (null before the first step), and the sum and count
   * of the current epoch's per-step embedding spreads: what the summary and
   * the epoch line report, so a resumed run reports what an uninterrupted one
   * does. Absent in checkpoints written before they were kept.
   */
  loss?: number | null;
  spreadSum?: number;
  spreadCount?: number;
}

const POINTER = 'latest.json';
const MODEL = 'model.safetensors';
const OPTIMIZER = 'optimizer.safetensors';
const TRAINER = 'trainer.json';
const STEP_DIR = /^step-(\d+)$/;
const name = (step: number) => `step-${String(step).padStart(7, '0')}`;
const POSITION_FIELDS = ['step', 'totalSteps', 'epoch', 'batch', 'seconds', 'images'] as const;

/**
 * Writes a checkpoint of the current state and points `latest.json` at it
 * (see the module comment for the order that keeps a complete checkpoint at
 * every instant). Saving again at the step `latest.json` names (an epoch end
 * just after a resume at that step) replaces only its trainer.json, and only
 * when the weights and optimizer state are byte-identical to those saved;
 * otherwise it throws: a checkpoint is never rewritten in place.
 */
export function saveCheckpoint(
  dir: string,
  parts: { encoder: ImageEncoder; method: Method; optimizer: Optimizer },
  position: TrainerPosition,
): void {
  mkdirSync(dir, { recursive: true });
  const final = join(dir, name(position.step));
  const pointed = readPointer(dir);
  const current = 'name' in pointed && checkFolder(join(dir, pointed.name), false) === null ? pointed.name : null;
  const again = current === name(position.step);
  if (!again && existsSync(final)) {
    // A leftover at this step (damaged, or complete but never pointed at). Removing it first is safe only
    // while latest.json names another complete checkpoint; without one it may be the only checkpoint left.
    if (current === null)
      throw new Error(
        `saveCheckpoint: ${final} exists and ${join(dir, POINTER)} names no complete checkpoint; resume recovers such a run first`,
      );
    rmSync(final, { recursive: true, force: true });
  }
  const tmp = tempPathFor(final);
  mkdirSync(tmp);
  try {
    tidy(() => {
      const tensors: Record<string, Tensor> = {
        ...withPrefix(parts.encoder.stateDict(), 'encoder.'),
        ...withPrefix(parts.method.heads.stateDict(), 'heads.'),
        ...withPrefix(parts.method.stateTensors(), 'state.'),
      };
      saveSafetensors(join(tmp, MODEL), tensors, { format: 'pt', method: parts.method.name });
    });
    saveOptimizer(join(tmp, OPTIMIZER), parts.optimizer);
    if (again) {
      const same = (f: string) => readFileSync(join(tmp, f)).equals(readFileSync(join(final, f)));
      if (!same(MODEL) || !same(OPTIMIZER))
        throw new Error(
          `saveCheckpoint: ${final} is the current checkpoint and holds other weights; a checkpoint is never rewritten in place`,
        );
      writeJsonAtomic(join(final, TRAINER), position);
      rmSync(tmp, { recursive: true, force: true });
    } else {
      writeJsonAtomic(join(tmp, TRAINER), position);
      renameSync(tmp, final);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  // Its fsync of `dir` also makes the folder's rename durable before any older folder goes.
  if (!again) pointLatestAt(dir, final);
  sweepCheckpoints(dir, position.step, { newer: true });
}

/**
 * Removes what checkpoint `step` of `dir` supersedes: the step folders before
 * it (with `newer`, after it too: leftovers of a run resumed from an earlier
 * one) and the hidden temporary folders and files of writes killed mid-way.
 * A kill during this sweep leaves a half-deleted old folder; resume sweeps
 * again (without `newer`: a newer folder it could not use may be repairable).
 * Call only once `latest.json` names `step`'s complete folder.
 */
export function sweepCheckpoints(dir: string, step: number, o: { newer: boolean }): void {
  for (const entry of readdirSync(dir)) {
    const m = STEP_DIR.exec(entry);
    const stale = m ? Number(m[1]) < step || (o.newer && Number(m[1]) > step) : /^\..*\.tmp$/.test(entry);
    if (stale) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** Points `dir/latest.json` at the checkpoint folder `sub` (atomically). */
export function pointLatestAt(dir: string, sub: string): void {
  const folder = basename(sub);
  const m = STEP_DIR.exec(folder);
  if (!m) throw new Error(`pointLatestAt: ${sub} is not a step-NNNNNNN folder`);
  writeJsonAtomic(join(dir, POINTER), { checkpoint: folder, step: Number(m[1]) });
}

/** A value for a message: its JSON, or what it is when nested too deeply for JSON.stringify (JSON.parse is not limited). */
function shown(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return `${Array.isArray(v) ? 'an array' : 'an object'} nested too deeply to show`;
  }
}

/** What `latest.json` says: the folder it names, or why it names none (absent: `missing`). */
function readPointer(dir: string): { name: string } | { problem: string; missing: boolean } {
  const pointer = join(dir, POINTER);
  if (!existsSync(pointer)) return { problem: `${pointer} is missing`, missing: true };
  let p: { checkpoint?: unknown };
  try {
    p = JSON.parse(readFileSync(pointer, 'utf8')) as { checkpoint?: unknown };
  } catch (e) {
    return { problem: `${pointer}: not valid JSON (${(e as Error).message})`, missing: false };
  }
  if (p === null || typeof p !== 'object' || typeof p.checkpoint !== 'string' || !STEP_DIR.test(p.checkpoint))
    return {
      problem: `${pointer}: field 'checkpoint' must name a step-NNNNNNN folder, got ${shown(p?.checkpoint)}`,
      missing: false,
    };
  return { name: p.checkpoint };
}

/** trainer.json of `sub`, checked (errors name the file). */
function readPosition(sub: string): TrainerPosition {
  const path = join(sub, TRAINER);
  let pos: TrainerPosition;
  try {
    pos = JSON.parse(readFileSync(path, 'utf8')) as TrainerPosition;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code
      ? `cannot be read (${(e as Error).message})`
      : `not valid JSON (${(e as Error).message})`;
    throw new Error(`${path}: ${why}`);
  }
  if (pos === null || typeof pos !== 'object' || Array.isArray(pos))
    throw new Error(`${path}: must hold an object {${POSITION_FIELDS.join(', ')}}, got ${shown(pos)}`);
  for (const k of POSITION_FIELDS) {
    if (typeof pos[k] !== 'number' || !Number.isFinite(pos[k]))
      throw new Error(`${path}: field '${k}' must be a number, got ${shown(pos[k])}`);
  }
  for (const k of ['spreadSum', 'spreadCount'] as const)
    if (pos[k] !== undefined && (typeof pos[k] !== 'number' || Number.isNaN(pos[k])))
      throw new Error(`${path}: field '${k}' must be a number, got ${shown(pos[k])}`);
  if (pos.loss !== undefined && pos.loss !== null && typeof pos.loss !== 'number')
    throw new Error(`${path}: field 'loss' must be a number or null, got ${shown(pos.loss)}`);
  return pos;
}

/**
 * Why the folder `sub` is not a complete checkpoint, or null when it is: its
 * three files present, trainer.json valid with the folder's step, and (with
 * `readAll`) both safetensors files readable whole.
 */
function checkFolder(sub: string, readAll: boolean): string | null {
  for (const f of [MODEL, OPTIMIZER, TRAINER]) if (!existsSync(join(sub, f))) return `no ${f}`;
  const step = Number(STEP_DIR.exec(basename(sub))?.[1]);
  try {
    const pos = readPosition(sub);
    if (pos.step !== step) return `${join(sub, TRAINER)}: field 'step' is ${pos.step}, the folder's is ${step}`;
    if (readAll) for (const f of [MODEL, OPTIMIZER]) tidy(() => void loadSafetensors(join(sub, f)));
  } catch (e) {
    return (e as Error).message;
  }
  return null;
}

/** A checkpoint found by {@link findLatestCheckpoint}. */
export interface FoundCheckpoint {
  /** The checkpoint folder. */
  path: string;
  step: number;
  /**
   * null when `latest.json` named it; else what was wrong with the pointer and
   * which folder was taken instead (and which newer ones were skipped, why).
   */
  recovered: string | null;
}

/**
 * The latest complete checkpoint of the checkpoints folder `dir`, or null when
 * the run has none yet (no pointer, no step folder). Without a usable
 * `latest.json`, the newest complete step folder, with `recovered` saying
 * why; step folders but none complete, or a pointer whose checkpoint is gone:
 * throws, naming each folder and what is wrong with it. Reads only.
 */
export function findLatestCheckpoint(dir: string): FoundCheckpoint | null {
  if (!existsSync(dir)) return null;
  const pointed = readPointer(dir);
  let why: string;
  if ('name' in pointed) {
    const sub = join(dir, pointed.name);
    const problem = existsSync(sub) ? checkFolder(sub, false) : 'it is missing';
    if (problem === null) return { path: sub, step: Number(STEP_DIR.exec(pointed.name)?.[1]), recovered: null };
    why = `${join(dir, POINTER)} names ${pointed.name}, which is not complete (${problem})`;
  } else why = pointed.problem;
  const folders = readdirSync(dir)
    .filter((e) => STEP_DIR.test(e))
    .sort((a, b) => Number(STEP_DIR.exec(b)?.[1]) - Number(STEP_DIR.exec(a)?.[1]));
  if (folders.length === 0 && 'missing' in pointed && pointed.missing) return null;
  const skipped: string[] = [];
  for (const f of folders) {
    const problem = checkFolder(join(dir, f), true);
    if (problem === null) {
      const skip = skipped.length ? `, skipping ${skipped.join('; ')}` : '';
      return { path: join(dir, f), step: Number(STEP_DIR.exec(f)?.[1]), recovered: `${why}; recovered ${f}${skip}` };
    }
    skipped.push(`${f} (${problem})`);
  }
  throw new Error(
    `${dir}: no complete checkpoint to resume from: ${why}` +
      (skipped.length ? `; ${skipped.join('; ')}` : '; no step-NNNNNNN folder is left') +
      '. Repair it, or remove the checkpoints folder to restart the run from step 0.',
  );
}

/** The latest complete checkpoint's folder, or null when the run has none yet (see {@link findLatestCheckpoint}). */
export function latestCheckpoint(dir: string): string | null {
  return findLatestCheckpoint(dir)?.path ?? null;
}

/** Loads a checkpoint folder into the given (freshly built) parts and returns the trainer position. */
export function loadCheckpoint(
  sub: string,
  parts: { encoder: ImageEncoder; method: Method; optimizer: Optimizer },
): TrainerPosition {
  // trainer.json first: a damaged one is reported before any weights are touched
  const pos = readPosition(sub);
  const modelPath = join(sub, MODEL);
  tidy(() => {
    const { tensors } = loadSafetensors(modelPath);
    const pick = (prefix: string) => entriesUnder(tensors, prefix);
    try {
      parts.encoder.loadStateDict(pick('encoder.'), { strict: true });
      parts.method.heads.loadStateDict(pick('heads.'), { strict: true });
      parts.method.loadStateTensors(pick('state.'));
    } catch (e) {
      // The parts were built from the run's config.json: say that the two disagree (either may be damaged).
      throw new Error(
        `${modelPath}: does not fit the parts described by ${join(sub, '..', '..', 'config.json')}: ${(e as Error).message}`,
      );
    }
  });
  loadOptimizer(join(sub, OPTIMIZER), parts.optimizer);
  return pos;
}
