/**
 * A strict little XML well-formedness checker and tree builder for the SVG
 * tests, written independently of the code under test: balanced tags, one
 * root, quoted attributes without duplicates, only the five predefined or
 * numeric entities, no raw `<` or bare `&` in text or attribute values.
 */

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** Decoded character data directly inside this element. */
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes entity references, throwing on a bare `&` or an unknown entity. */
function decode(s: string, where: string): string {
  return s.replace(/&([^;&\s]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`bare & in ${where}: ${JSON.stringify(s.slice(0, 80))}`);
    if (body in PREDEFINED) return PREDEFINED[body] as string;
    const num = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(body);
    if (num) return String.fromCodePoint(num[1] ? Number.parseInt(num[1], 16) : Number(num[2]));
    throw new Error(`unknown entity &${body}; in ${where}`);
  });
}

/** Parses `doc` (no DTD, no processing instructions other than an optional XML declaration) or throws. */
export function parseXml(doc: string): XmlNode {
  let i = 0;
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  const skipDecl = /^\s*<\?xml[^?]*\?>/.exec(doc);
  if (skipDecl) i = skipDecl[0].length;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const chunk = doc.slice(i, lt === -1 ? doc.length : lt);
    if (chunk.length) {
      const top = stack[stack.length - 1];
      if (!top) {
        if (chunk.trim() !== '')
          throw new Error(`text outside the root element: ${JSON.stringify(chunk.slice(0, 40))}`);
      } else {
        top.text += decode(chunk, `text of <${top.name}>`);
      }
    }
    if (lt === -1) break;
    if (doc.startsWith('<!--', lt)) {
      const end = doc.indexOf('-->', lt + 4);
      if (end === -1) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    if (doc.startsWith('</', lt)) {
      const m = /^<\/([^\s>]+)\s*>/.exec(doc.slice(lt));
      if (!m) throw new Error(`malformed end tag at ${lt}`);
      const open = stack.pop();
      if (!open || open.name !== m[1]) throw new Error(`end tag </${m[1]}> does not match <${open?.name ?? '(none)'}>`);
      i = lt + m[0].length;
      continue;
    }
    // Start tag.
    let j = lt + 1;
    const nm = NAME.exec(doc.slice(j));
    if (!nm) throw new Error(`malformed tag name at ${lt}: ${JSON.stringify(doc.slice(lt, lt + 20))}`);
    const node: XmlNode = { name: nm[0], attrs: {}, children: [], text: '' };
    j += nm[0].length;
    let selfClosing = false;
    for (;;) {
      const ws = /^\s*/.exec(doc.slice(j))![0].length;
      j += ws;
      if (doc.startsWith('/>', j)) {
        selfClosing = true;
        j += 2;
        break;
      }
      if (doc[j] === '>') {
        j += 1;
        break;
      }
      if (ws === 0) throw new Error(`<${node.name}>: attributes must be separated by whitespace at ${j}`);
      const an = NAME.exec(doc.slice(j));
      if (!an) throw new Error(`<${node.name}>: malformed attribute at ${j}: ${JSON.stringify(doc.slice(j, j + 20))}`);
      j += an[0].length;
      if (doc[j] !== '=') throw new Error(`<${node.name}> attribute ${an[0]}: expected =`);
      j += 1;
      const q = doc[j];
      if (q !== '"' && q !== "'") throw new Error(`<${node.name}> attribute ${an[0]}: value must be quoted`);
      const end = doc.indexOf(q, j + 1);
      if (end === -1) throw new Error(`<${node.name}> attribute ${an[0]}: unterminated value`);
      const raw = doc.slice(j + 1, end);
      if (raw.includes('<')) throw new Error(`<${node.name}> attribute ${an[0]}: raw < in value`);
      if (an[0] in node.attrs) throw new Error(`<${node.name}>: duplicate attribute ${an[0]}`);
      node.attrs[an[0]] = decode(raw, `attribute ${an[0]} of <${node.name}>`);
      j = end + 1;
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else if (root) throw new Error(`second root element <${node.name}>`);
    else root = node;
    if (!selfClosing) stack.push(node);
    i = j;
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element in document order (the node itself first) that satisfies `pred`. */
export function findAll(node: XmlNode, pred: (n: XmlNode) => boolean): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (n: XmlNode) => {
    if (pred(n)) out.push(n);
    n.children.forEach(walk);
  };
  walk(node);
  return out;
}

/** Elements whose class attribute contains `cls`. */
export function byClass(node: XmlNode, cls: string): XmlNode[] {
  return findAll(node, (n) => (n.attrs.class ?? '').split(/\s+/).includes(cls));
}

/** All text below a node, concatenated in document order. */
export function allText(node: XmlNode): string {
  return node.text + node.children.map(allText).join('');
}
