/// <reference lib="dom" />
/**
 * Building the page's DOM: text only ever goes in as text nodes
 * (textContent), never as HTML, so a run file holding markup is shown as
 * the characters it holds.
 */

type Child = Node | string | number | null | undefined | false;

/** An element with attributes (strings set with setAttribute; `on*` keys are listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | EventListener | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'href' && !String(v).startsWith('#/')) throw new Error(`dashboard: only in-page links (${v})`);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Empties `el` and fills it with `children`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** GET of a JSON API route (same origin; the token travels in its cookie). */
export async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.text()).trim()}`);
  return (await r.json()) as T;
}

/** A number as tables show it. */
export function fmt(v: unknown, digits = 4): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v === null || v === undefined ? '—' : String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(2) : v.toPrecision(digits);
}

/** An accuracy in [0, 1] as a percentage. */
export const pct = (v: unknown): string =>
  typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : '—';

/** A status badge. */
export const badge = (status: string): HTMLElement =>
  h('span', { class: `status status-${status.replace(/[^a-z]/g, '')}`, 'data-status': status }, status);

/** A select over `values` (the first is "all" when `all` is given). */
export function select(
  values: string[],
  current: string,
  onChange: (v: string) => void,
  all?: string,
): HTMLSelectElement {
  const s = h('select', {});
  const options = all === undefined ? values : ['', ...values];
  for (const v of options) {
    const o = h('option', { value: v }, v === '' && all !== undefined ? all : v);
    if (v === current) o.selected = true;
    s.appendChild(o);
  }
  s.addEventListener('change', () => onChange(s.value));
  return s;
}
