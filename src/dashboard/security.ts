/**
 * The dashboard's defences, as a local tool must have them:
 * - it binds 127.0.0.1 unless `--host` says otherwise; any other address
 *   needs an access token (a random one is made when none is given), and
 *   without it every request is refused (401, or 403 for a wrong one);
 * - the Host header must name the address it is bound to (or, on loopback,
 *   localhost), so a page of another site that rebinds its DNS name to
 *   127.0.0.1 is refused (421);
 * - no CORS headers, GET and HEAD only;
 * - every response carries a content security policy (the page runs only
 *   its own inlined script, by nonce), nosniff, frame denial and no referrer.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

/** Hosts that are the default, loopback, and need no token. */
const DEFAULT_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Whether `host` is the default loopback bind (127.0.0.1, localhost or ::1): no token needed. */
export const isDefaultHost = (host: string): boolean => DEFAULT_HOSTS.has(host.toLowerCase());

/** Whether an address is loopback: 127.0.0.0/8 or ::1 (and their IPv4-mapped forms). */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  return a === '::1' || a === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

/** A fresh random access token (URL-safe). */
export const newToken = (): string => randomBytes(24).toString('base64url');

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`.toLowerCase();

/** The Host header values a request may carry for a server bound to `host:port`. */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set<string>([host]);
  if (isLoopback(host)) for (const n of ['localhost', '127.0.0.1', '::1']) names.add(n);
  if (host === '0.0.0.0' || host === '::') {
    for (const n of ['localhost', '127.0.0.1', '::1', hostname()]) names.add(n);
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) names.add(i.address);
  }
  return new Set([...names].map((n) => hostPort(n, port)));
}

/** The nonce of one page response. */
export const newNonce = (): string => randomBytes(18).toString('base64');

/** Content security policies by what a response is. */
export const CSP = {
  /** The page: its own inlined script and style (by nonce), images from here, fetch and SSE to here. */
  page: (nonce: string) =>
    [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "img-src 'self' data:",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  /** An experiment's SVG figure: no script can run in it even when opened on its own. */
  svg: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; sandbox",
  /** JSON, events and errors. */
  data: "default-src 'none'; frame-ancestors 'none'; sandbox",
};

/** The headers every response carries, with its content security policy. */
export function securityHeaders(res: ServerResponse, csp: string): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** Equality of two tokens in time independent of where they differ. */
export const sameToken = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

/** The cookie that carries the token after the first visit with `?token=`: one per port. */
export const cookieName = (port: number) => `specl_token_${port}`;

/** The token a request presents: `Authorization: Bearer`, the `?token=` query, or the cookie; null if none. */
export function presentedToken(req: IncomingMessage, url: URL, port: number): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = url.searchParams.get('token');
  if (q !== null) return q;
  const name = cookieName(port);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/**
 * Why the raw request target is refused before it is parsed, or null: a
 * path must be absolute, and may not hold dot segments (plain or
 * percent-encoded), backslashes, NULs or empty segments — none of which a
 * route uses, and which URL parsing would otherwise resolve away.
 */
export function badTarget(raw: string): string | null {
  if (!raw.startsWith('/')) return 'the request target must be a path';
  const path = raw.split(/[?#]/)[0] as string;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return 'the path is not valid percent-encoding';
  }
  for (const p of [path, decoded]) {
    if (/(^|\/)\.\.?(\/|$)/.test(p) || p.includes('\\') || p.includes('\0') || p.includes('//'))
      return 'the path holds dot segments, backslashes or empty segments';
  }
  if (/%2e|%2f|%5c/i.test(path)) return 'the path holds encoded dots or slashes';
  return null;
}
