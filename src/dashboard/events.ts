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
 */
import { type FSWatcher, statSync, watch } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { readFrom } from './files.ts';

export interface TailOptions {
  /** Lines already seen: events start at line `after` + 1. */
  after: number;
  /** Poll interval (fs.watch may miss events), ms. */
  pollMs?: number;
  /** A comment line every this many ms keeps proxies and the browser from timing out. */
  heartbeatMs?: number;
}

/** Streams the metrics file `path` (a real path inside its run) to `res` as SSE until the client goes. */
export function streamLines(path: string, res: ServerResponse, o: TailOptions): () => void {
  let offset = 0;
  let line = 0;
  let ino: number | null = null;
  let closed = false;
  let reading = false;
  let again = false;

  const send = (chunk: string) => {
    if (!closed) res.write(chunk);
  };
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
        send(`event: reset\ndata: {"reason":"the metrics file was rewritten"}\n\n`);
        stop();
        res.end();
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
      let out = '';
      for (const l of text.split('\n').slice(0, -1)) {
        line++;
        if (line <= o.after) continue;
        // one metrics line is one JSON object without newlines; stray CRs are dropped so the frame stays one event
        out += `id: ${line}\ndata: ${l.replace(/\r/g, '')}\n\n`;
      }
      if (out) send(out);
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
  const beat = setInterval(() => send(': keep-alive\n\n'), o.heartbeatMs ?? 15_000);
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(poll);
    clearInterval(beat);
    watcher?.close();
  };
  res.on('close', stop);
  // how long EventSource waits before it reconnects
  send('retry: 1000\n\n');
  pump();
  return stop;
}
