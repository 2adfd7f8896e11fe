/**
 * The verdict on one fuzz case. A mutated file must either load (a mutation can be
 * harmless) or fail with an Error whose message names the file; everything else is a
 * defect: a native abort, a hang, a message without the file's name, or an untyped
 * crash (a TypeError/RangeError/SyntaxError escaping our code, or its V8 message
 * wrapped in another error).
 */
import { basename } from 'node:path';

/** Good outcomes, then defects. */
export type Kind = 'ok' | 'error' | 'abort' | 'hang' | 'nameless' | 'untyped';
export const KINDS: readonly Kind[] = ['ok', 'error', 'abort', 'hang', 'nameless', 'untyped'];
export const isDefect = (k: Kind): boolean => k !== 'ok' && k !== 'error';

const UNTYPED_NAMES = new Set(['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError']);

/** V8's own wording of TypeError/RangeError, and libtorch's C++ trace: never what a user should read. */
const INTERNAL = [
  /Cannot read propert/,
  /Cannot set propert/,
  /is not a function/,
  /is not iterable/,
  /is not a constructor/,
  /Cannot convert .* to/,
  /Cannot mix BigInt/,
  /Maximum call stack size exceeded/,
  /Invalid (typed )?array length/,
  /Array buffer allocation failed/,
  /Invalid string length/,
  /Exception raised from/,
  /\(most recent call first\)/,
];

/** The names a message may use for `file`: its full path or its base name. */
export function namesFile(message: string, file: string): boolean {
  return message.includes(file) || message.includes(basename(file));
}

/** The kind of a thrown value for a case that mutated `file`. */
export function classifyThrown(e: unknown, file: string): { kind: Kind; message: string } {
  if (!(e instanceof Error)) return { kind: 'untyped', message: `non-Error thrown: ${String(e)}` };
  const message = `${e.name}: ${e.message}`;
  if (UNTYPED_NAMES.has(e.name) || INTERNAL.some((r) => r.test(e.message))) return { kind: 'untyped', message };
  return { kind: namesFile(e.message, file) ? 'error' : 'nameless', message };
}

/** The kind of a finished `specl` process for a case that mutated `file`. */
export function classifyCli(
  r: { status: number | null; signal: string | null; stderr: string; timedOut: boolean },
  file: string,
): { kind: Kind; message: string } {
  const tail = r.stderr.trim().split('\n').slice(-6).join('\n');
  if (r.timedOut) return { kind: 'hang', message: `no exit in time; stderr: ${tail}` };
  if (r.signal !== null) return { kind: 'abort', message: `killed by ${r.signal}; stderr: ${tail}` };
  if (r.status === 0) return { kind: 'ok', message: '' };
  if (r.status !== 1) return { kind: 'abort', message: `exit code ${r.status}; stderr: ${tail}` };
  // The CLI's last words: `specl: MESSAGE` (which may span lines) to the end of stderr.
  const at = r.stderr.lastIndexOf('specl: ');
  if (at < 0 || (at > 0 && r.stderr[at - 1] !== '\n'))
    return { kind: 'untyped', message: `exit 1 without a 'specl: ' message; stderr: ${tail}` };
  const message = r.stderr.slice(at + 'specl: '.length).trim();
  if (/^\s+at /m.test(r.stderr) || INTERNAL.some((x) => x.test(r.stderr))) return { kind: 'untyped', message: tail };
  return { kind: namesFile(message, file) ? 'error' : 'nameless', message };
}
