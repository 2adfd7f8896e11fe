/**
 * A run's metrics as server-sent events over a real socket: each complete
 * line is one event whose id is its line number; a client that reconnects
 * with Last-Event-ID gets exactly the lines it missed (no duplicate, no
 * gap), then lines as they are appended; a line still being written is held
 * back until its newline; a rewritten file says `reset`. Several runs on one
 * stream (the compare page's): each event names its run, its id is the
 * vector of lines reached in every run, and a reconnect with it gets
 * exactly each run's missed lines.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type ClientRequest, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.ts';
import { stepLine, until, writeRun } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'specl-dashboard-events-'));
const run = join(root, 'runs', 'live');
const metrics = join(run, 'metrics.jsonl');
let d: Dashboard;
let id = '';
const runA = join(root, 'runs', 'multi-a');
const runB = join(root, 'runs', 'multi-b');
let idA = '';
let idB = '';

before(async () => {
  writeRun(run, { steps: 9, finished: false }); // 9 step lines + 1 epoch line
  writeRun(runA, { steps: 3, finished: false }); // 4 lines
  writeRun(runB, { steps: 2, seed: 1, finished: false }); // 3 lines
  d = await startDashboard({ dirs: [join(root, 'runs')], port: 0, pollMs: 200 });
  const idOf = (name: string) => d.catalog.runs().find((r) => r.name === name)?.id ?? '';
  id = idOf('runs/live');
  idA = idOf('runs/multi-a');
  idB = idOf('runs/multi-b');
});
after(async () => {
  await d?.close();
  rmSync(root, { recursive: true, force: true });
});

interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** An open event stream: the events so far, and how to close it. */
interface Stream {
  events: SseEvent[];
  status: number;
  close(): void;
  ended: boolean;
}

function open(headers: Record<string, string> = {}, query = '', path = `/api/runs/${id}/events`): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | null = null;
    const s: Stream = { events: [], status: 0, ended: false, close: () => req?.destroy() };
    req = request(
      {
        host: '127.0.0.1',
        port: d.port,
        path: `${path}${query}`,
        headers: { Host: `127.0.0.1:${d.port}`, ...headers },
      },
      (res) => {
        s.status = res.statusCode ?? 0;
        if (s.status === 200) assert.match(String(res.headers['content-type']), /^text\/event-stream/);
        let buf = '';
        res.on('data', (b: Buffer) => {
          buf += b.toString('utf8');
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const e: SseEvent = { id: null, event: 'message', data: '' };
            let hasData = false;
            for (const l of frame.split('\n')) {
              if (l.startsWith(':')) continue;
              const [k, ...rest] = l.split(':');
              const v = rest.join(':').replace(/^ /, '');
              if (k === 'id') e.id = v;
              else if (k === 'event') e.event = v;
              else if (k === 'data') {
                e.data += (hasData ? '\n' : '') + v;
                hasData = true;
              }
            }
            if (hasData) s.events.push(e);
          }
        });
        res.on('end', () => {
          s.ended = true;
        });
        resolve(s);
      },
    );
    req.on('error', (e) => {
      if (!s.ended && s.status === 0) reject(e);
    });
    req.end();
  });
}

const lines = () => readFileSync(metrics, 'utf8').split('\n').slice(0, -1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('run events (SSE)', () => {
  test('every complete line is an event with its line number as id', async () => {
    const s = await open();
    assert.equal(s.status, 200);
    await until('10 events', () => s.events.length >= 10, 10_000);
    s.close();
    assert.deepEqual(
      s.events.map((e) => e.id),
      Array.from({ length: 10 }, (_, i) => String(i + 1)),
    );
    assert.deepEqual(
      s.events.map((e) => e.data),
      lines(),
    );
  });

  test('a reconnect with Last-Event-ID gets exactly the missed lines, then live ones; a partial line waits for its newline', async () => {
    // a client reads lines 1–10 and goes away; lines 11–15 are appended meanwhile
    const first = await open();
    await until('10 events', () => first.events.length >= 10, 10_000);
    const lastSeen = first.events[first.events.length - 1]?.id as string;
    first.close();
    for (let s = 10; s <= 14; s++) appendFileSync(metrics, `${stepLine({}, s)}\n`);
    const again = await open({ 'Last-Event-ID': lastSeen });
    await until('the 5 missed lines', () => again.events.length >= 5, 10_000);
    await sleep(600); // more than the poll interval: nothing else comes
    assert.deepEqual(
      again.events.map((e) => e.id),
      ['11', '12', '13', '14', '15'],
    );
    assert.deepEqual(
      again.events.map((e) => e.data),
      lines().slice(10, 15),
    );
    // half a line is written: not sent
    const next = stepLine({}, 15);
    appendFileSync(metrics, next.slice(0, 25));
    await sleep(800);
    assert.equal(again.events.length, 5, 'a partial line is not sent');
    appendFileSync(metrics, `${next.slice(25)}\n${stepLine({}, 16)}\n`);
    await until('the completed line and the next', () => again.events.length >= 7, 10_000);
    assert.deepEqual(
      again.events.slice(5).map((e) => [e.id, e.data]),
      [
        ['16', next],
        ['17', stepLine({}, 16)],
      ],
    );
    again.close();
    // a client that missed lines 13–17 (it saw 12): no duplicate, no gap
    const mid = await open({ 'Last-Event-ID': '12' });
    await until('lines 13–17', () => mid.events.length >= 5, 10_000);
    await sleep(400);
    mid.close();
    assert.deepEqual(
      mid.events.map((e) => Number(e.id)),
      [13, 14, 15, 16, 17],
    );
    // the first connection of a page that already holds 16 lines (?after=16)
    const page = await open({}, '?after=16');
    await until('line 17', () => page.events.length >= 1, 10_000);
    await sleep(400);
    page.close();
    assert.deepEqual(
      page.events.map((e) => e.id),
      ['17'],
    );
    // a bad id is refused
    const bad = await open({ 'Last-Event-ID': 'x' });
    assert.equal(bad.status, 400);
    bad.close();
  });

  test('a rewritten metrics file (a resume dropping lines) makes the stream say reset and end', async () => {
    const s = await open();
    await until('the lines so far', () => s.events.length >= 17, 10_000);
    const keep = lines().slice(0, 5);
    writeFileSync(`${metrics}.tmp`, keep.map((l) => `${l}\n`).join(''));
    renameSync(`${metrics}.tmp`, metrics);
    await until('a reset event', () => s.events.some((e) => e.event === 'reset'), 10_000);
    await until('the end of the stream', () => s.ended, 10_000);
    s.close();
  });

  test('several runs on one stream: events name their run, and a reconnect with the id vector resumes each run exactly', async () => {
    const path = '/api/events';
    const query = `?runs=${idA},${idB}`;
    const fileLines = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').slice(0, -1);
    const split = (e: SseEvent) => {
      const cut = e.data.indexOf('\n');
      return [e.data.slice(0, cut), e.data.slice(cut + 1)];
    };
    const of = (s: Stream, run: string) =>
      s.events
        .map(split)
        .filter(([r]) => r === run)
        .map(([, l]) => l);
    const s = await open({}, query, path);
    assert.equal(s.status, 200);
    await until('the 7 lines of both runs', () => s.events.length >= 7, 10_000);
    await sleep(400);
    s.close();
    assert.equal(s.events.length, 7);
    assert.deepEqual(of(s, idA), fileLines(runA));
    assert.deepEqual(of(s, idB), fileLines(runB));
    assert.equal(s.events[s.events.length - 1]?.id, '4,3');
    // each id counts the lines of each run reached so far
    for (const e of s.events) {
      const [r] = split(e);
      const [a, b] = (e.id ?? '').split(',').map(Number);
      assert.ok(r === idA ? (a as number) >= 1 : (b as number) >= 1, `${e.id} counts its own run's line`);
    }
    // lines are appended to both while the client is away
    appendFileSync(join(runA, 'metrics.jsonl'), `${stepLine({}, 4)}\n${stepLine({}, 5)}\n`);
    appendFileSync(join(runB, 'metrics.jsonl'), `${stepLine({ seed: 1 }, 3)}\n`);
    const again = await open({ 'Last-Event-ID': '4,3' }, query, path);
    await until('the 3 missed lines', () => again.events.length >= 3, 10_000);
    await sleep(600);
    again.close();
    assert.deepEqual(of(again, idA), fileLines(runA).slice(4));
    assert.deepEqual(of(again, idB), fileLines(runB).slice(3));
    assert.equal(again.events.length, 3);
    assert.equal(again.events[again.events.length - 1]?.id, '6,4');
    // a client that had seen 5 lines of A and 2 of B
    const mid = await open({ 'Last-Event-ID': '5,2' }, query, path);
    await until('A 6 and B 3–4', () => mid.events.length >= 3, 10_000);
    await sleep(400);
    mid.close();
    assert.deepEqual(of(mid, idA), fileLines(runA).slice(5));
    assert.deepEqual(of(mid, idB), fileLines(runB).slice(2));
    // refused: one line number for two runs, an unknown run, no run
    for (const [headers, q, status] of [
      [{ 'Last-Event-ID': '4' }, query, 400],
      [{}, `?runs=${idA},000000000000`, 404],
      [{}, '?runs=', 400],
      [{}, `${query}&after=1,x`, 400],
    ] as const) {
      const r = await open(headers, q, path);
      assert.equal(r.status, status, `${JSON.stringify(headers)} ${q}`);
      r.close();
    }
  });
});
