/**
 * A run's metrics as server-sent events over a real socket: each complete
 * line is one event whose id is its line number; a client that reconnects
 * with Last-Event-ID gets exactly the lines it missed (no duplicate, no
 * gap), then lines as they are appended; a line still being written is held
 * back until its newline; a rewritten file says `reset`.
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

before(async () => {
  writeRun(run, { steps: 9, finished: false }); // 9 step lines + 1 epoch line
  d = await startDashboard({ dirs: [join(root, 'runs')], port: 0, pollMs: 200 });
  id = d.catalog.runs()[0]?.id ?? '';
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

function open(headers: Record<string, string> = {}, query = ''): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | null = null;
    const s: Stream = { events: [], status: 0, ended: false, close: () => req?.destroy() };
    req = request(
      {
        host: '127.0.0.1',
        port: d.port,
        path: `/api/runs/${id}/events${query}`,
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
});
