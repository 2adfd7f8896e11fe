/**
 * A run's metrics.jsonl as server-sent events: each complete line is one
 * event whose id is its line number (1, 2, …), so a client that reconnects
 * with `Last-Event-ID: k` (EventSource does so by itself) gets exactly lines
 * k+1… and then each line as it is appended. Appends are seen through
 * fs.watch and, where that says nothing (network file systems, some
 * containers), a poll; a last line still being written is held back until
 * its newline arrives. When the file is replaced (a resumed run drops the
 * lines past its checkpoint) or shrinks, a `reset` event tells the client
 * to load the run again.
 *
 * Several runs can share one stream (`streamRuns`, for the compare page: a
 * browser opens at most six connections to one server, so one stream per
 * run would stall a comparison of many). Each event then carries its run's
 * id on its first data line and the metrics line on its second, and its id
 * is the vector of line numbers reached in every run (`12,40,3`), so a
 * reconnect resumes each run exactly where it stopped.
 */
import { type FSWatcher, statSync, watch } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { readFrom } from './files.ts';

export interface TailOptions {
  /** Lines already seen: events start at line `after` + 1. */
  after: number;
  /** Poll interval (fs.watch may miss events), ms. */
  pollMs?: number;
}

export interface StreamOptions extends TailOptions {
  /** A comment line every this many ms keeps proxies and the browser from timing out. */
  heartbeatMs?: number;
}

/**
 * Follows the metrics file `path`: calls `onLine(n, text)` for each complete
 * line n > `after` (text without its newline and stray CRs), and `onReset`
 * once when the file is replaced or shrinks (then stops). Returns `stop`.
 */
export function tailLines(
  path: string,
  o: TailOptions,
  onLine: (n: number, text: string) => void,
  onReset: () => void,
): () => void {
  let offset = 0;
  let line = 0;
  let ino: number | null = null;
  let closed = false;
  let reading = false;
  let again = false;

  const pump = () => {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      let st: import('node:fs').Stats | null = null;
      try {
        st = statSync(path);
      } catch {
        st = null;
      }
      if (st === null) return;
      if ((ino !== null && st.ino !== ino) || st.size < offset) {
        stop();
        onReset();
        return;
      }
      ino = st.ino;
      if (st.size === offset) return;
      const buf = readFrom(path, offset);
      if (buf === null) return;
      const end = buf.lastIndexOf(0x0a);
      if (end < 0) return; // only part of a line so far
      const text = buf.subarray(0, end + 1).toString('utf8');
      offset += end + 1;
      for (const l of text.split('\n').slice(0, -1)) {
        line++;
        if (line <= o.after) continue;
        // one metrics line is one JSON object without newlines; stray CRs are dropped so a frame stays one event
        if (!closed) onLine(line, l.replace(/\r/g, ''));
      }
    } finally {
      reading = false;
      if (again && !closed) {
        again = false;
        setImmediate(pump);
      }
    }
  };

  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(path, { persistent: false }, () => pump());
    watcher.on('error', () => {
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null; // the poll alone
  }
  const poll = setInterval(pump, o.pollMs ?? 1000);
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(poll);
    watcher?.close();
  };
  pump();
  return stop;
}

/** Starts an event stream on `res`: the retry hint, the heartbeat; returns `send` and a hook for `stop`. */
function eventStream(res: ServerResponse, o: { heartbeatMs?: number }, stops: (() => void)[]) {
  let closed = false;
  const send = (chunk: string) => {
    if (!closed) res.write(chunk);
  };
  const beat = setInterval(() => send(': keep-alive\n\n'), o.heartbeatMs ?? 15_000);
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(beat);
    for (const s of stops) s();
  };
  res.on('close', stop);
  // how long EventSource waits before it reconnects
  send('retry: 1000\n\n');
  const reset = (data: string) => {
    send(`event: reset\ndata: ${data}\n\n`);
    stop();
    res.end();
  };
  return { send, stop, reset };
}

/** Streams the metrics file `path` (a real path inside its run) to `res` as SSE until the client goes. */
export function streamLines(path: string, res: ServerResponse, o: StreamOptions): () => void {
  const stops: (() => void)[] = [];
  const s = eventStream(res, o, stops);
  let out = '';
  let queued = false;
  // lines read in one go leave in one write
  const flush = () => {
    queued = false;
    if (out) s.send(out);
    out = '';
  };
  stops.push(
    tailLines(
      path,
      o,
      (n, text) => {
        out += `id: ${n}\ndata: ${text}\n\n`;
        if (!queued) {
          queued = true;
          queueMicrotask(flush);
        }
      },
      () => {
        flush();
        s.reset('{"reason":"the metrics file was rewritten"}');
      },
    ),
  );
  return s.stop;
}

/** One run of a shared stream: its id (sent with each of its lines), its metrics file, the lines already seen. */
export interface StreamedRun {
  id: string;
  path: string | null;
  after: number;
}

/**
 * Streams the metrics files of several runs on one SSE response: each event
 * is `data: <run id>` then `data: <line>`, with the id `n1,n2,…` (the lines
 * reached in each run, in the order given). A run without a metrics file
 * stays at its `after`. A run's file rewritten: a `reset` event naming it.
 */
export function streamRuns(runs: StreamedRun[], res: ServerResponse, o: Omit<StreamOptions, 'after'>): () => void {
  const stops: (() => void)[] = [];
  const s = eventStream(res, o, stops);
  const at = runs.map((r) => r.after);
  let out = '';
  let queued = false;
  const flush = () => {
    queued = false;
    if (out) s.send(out);
    out = '';
  };
  runs.forEach((r, i) => {
    if (r.path === null) return;
    stops.push(
      tailLines(
        r.path,
        { after: r.after, pollMs: o.pollMs },
        (n, text) => {
          at[i] = n;
          out += `id: ${at.join(',')}\ndata: ${r.id}\ndata: ${text}\n\n`;
          if (!queued) {
            queued = true;
            queueMicrotask(flush);
          }
        },
        () => {
          flush();
          s.reset(JSON.stringify({ run: r.id, reason: 'the metrics file was rewritten' }));
        },
      ),
    );
  });
  return s.stop;
}
