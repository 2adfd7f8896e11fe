/**
 * `specl report` on folders it cannot report: none of the three kinds, a
 * run folder without config.json, a metrics.jsonl with a damaged line (in
 * the middle: an error naming the file and the line; the torn last line a
 * crash leaves: left out, with a note), and bad arguments.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readMetricsFile, reportKind } from '../../../src/report/html/index.ts';
import { specl } from '../../helpers/cli.ts';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'specl-report-bad-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

const step = (n: number) => JSON.stringify({ type: 'step', step: n, epoch: 0, loss: 1 / n, lr: 0.1, seconds: n });

test('a folder that is no run, experiment or theory folder: the error names it and what was expected', () => {
  const dir = join(root, 'plain');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'hello');
  const r = specl(['report', dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${dir}: not a run, experiment or theory folder`));
  assert.match(r.stderr, /config\.json and metrics\.jsonl/);
  assert.match(r.stderr, /experiment\.json/);
  assert.match(r.stderr, /specl theory <check> --out DIR/);
  assert.throws(() => reportKind(join(root, 'nowhere')), /nowhere: no such folder/);
  assert.throws(() => reportKind(join(dir, 'notes.txt')), /notes\.txt: not a folder/);
});

test('a run folder without config.json: the error names the missing file', () => {
  const dir = join(root, 'no-config');
  mkdirSync(dir);
  writeFileSync(join(dir, 'metrics.jsonl'), `${step(1)}\n`);
  const r = specl(['report', dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${join(dir, 'config.json')} is missing`));
});

test('a damaged metrics line: the error names metrics.jsonl and the line; a torn last line is left out with a note', () => {
  const dir = join(root, 'corrupt');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ method: { name: 'spectral' }, dataset: 'mnist' }));
  const metrics = join(dir, 'metrics.jsonl');
  writeFileSync(metrics, `${step(1)}\n{"type":"step","st\n${step(3)}\n`);
  const r = specl(['report', dir, '--projection', '0']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${metrics}: line 2 is not valid JSON`));
  writeFileSync(metrics, `${step(1)}\n["not", "a", "line"]\n`);
  assert.throws(() => readMetricsFile(metrics), /metrics\.jsonl: line 2 is not a metrics line/);
  // What a crash mid-append leaves: the last line without its newline.
  writeFileSync(metrics, `${step(1)}\n${step(2)}\n{"type":"st`);
  const notes: string[] = [];
  assert.equal(readMetricsFile(metrics, notes).length, 2);
  assert.match(notes[0] ?? '', /the last line \(3\) is incomplete/);
  const ok = specl(['report', dir, '--projection', '0']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /the last line \(3\) is incomplete/);
});

test('config.json that is not JSON, and bad arguments', () => {
  const dir = join(root, 'bad-config');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), '{"method": ');
  writeFileSync(join(dir, 'metrics.jsonl'), '');
  const r = specl(['report', dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${join(dir, 'config.json')}: not valid JSON`));
  const none = specl(['report']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /give one folder/);
  const neg = specl(['report', dir, '--projection', '-1']);
  assert.equal(neg.status, 1);
  assert.match(neg.stderr, /--projection must be a non-negative integer/);
  const unknown = specl(['report', dir, '--projektion', '5']);
  assert.match(unknown.stderr, /did you mean '--projection'/);
});
