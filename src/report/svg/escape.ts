/**
 * Text and attribute escaping for SVG (XML 1.0) output, and the element
 * builder every chart writes through, so that no caller-supplied string
 * reaches the markup unescaped.
 */

/** Whether XML 1.0 allows this UTF-16 code unit in a document (it forbids C0 controls other than tab/newline/return, and U+FFFE/U+FFFF). */
function allowed(code: number): boolean {
  return code >= 0x20 ? code !== 0xfffe && code !== 0xffff : code === 0x09 || code === 0x0a || code === 0x0d;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes `&`, `<`, `>`, `"` and `'` as entities and drops characters that
 * XML 1.0 does not allow, so the result is safe both as element text and
 * inside a double- or single-quoted attribute.
 */
export function escapeXml(text: string): string {
  let clean = String(text);
  if ([...clean].some((c) => !allowed(c.charCodeAt(0))))
    clean = [...clean].filter((c) => allowed(c.charCodeAt(0))).join('');
  return clean.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/**
 * A coordinate or length rounded to 0.1 px — enough for any screen or
 * print, and it keeps files with thousands of points small. `-0` prints as `0`.
 */
export function px(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`svg: coordinate must be finite, got ${v}`);
  const r = Math.round(v * 10) / 10;
  return r === 0 ? '0' : String(r);
}

/** Attribute values: strings are escaped, numbers rounded with {@link px}; `undefined`/`false` omit the attribute. */
export type AttrValue = string | number | boolean | undefined;

/**
 * One element: `<name a="v" …/>` when there are no children, otherwise
 * `<name …>children</name>`. Children are markup already (built by this
 * function or {@link text}); attribute names are emitted in the given order
 * so output is deterministic.
 */
export function element(name: string, attrs: Record<string, AttrValue> = {}, children?: string | string[]): string {
  let open = `<${name}`;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    const s = v === true ? k : typeof v === 'number' ? px(v) : escapeXml(v);
    open += ` ${k}="${s}"`;
  }
  const body = Array.isArray(children) ? children.join('') : children;
  return body === undefined || body === '' ? `${open}/>` : `${open}>${body}</${name}>`;
}

/** A `<text>` element with escaped content. */
export function text(content: string, attrs: Record<string, AttrValue> = {}): string {
  const escaped = escapeXml(content);
  // An empty <text/> is valid but pointless; keep the element so structure stays predictable.
  return escaped === '' ? element('text', attrs) : element('text', attrs, escaped);
}
