// A small, strict XML reader for checking the structure of JUnit reports: it rejects what an XML parser
// would (unbalanced or crossed tags, unquoted or duplicate attributes, bare '&' or '<', unknown entities).
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw '<' in ${where}`);
  return raw.replace(/&([^;\s]*);?/g, (m, name: string) => {
    if (!m.endsWith(';')) throw new Error(`bare '&' in ${where}`);
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    if (!(name in ENTITIES)) throw new Error(`unknown entity &${name}; in ${where}`);
    return ENTITIES[name];
  });
}

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const s = xml.replace(/^\uFEFF/, '');
  const skipSpace = () => { while (i < s.length && /\s/.test(s[i])) i++; };
  skipSpace();
  if (s.startsWith('<?xml', i)) {
    const end = s.indexOf('?>', i);
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
    skipSpace();
  }
  const NAME = /[A-Za-z_][\w.-]*/y;
  const readName = () => {
    NAME.lastIndex = i;
    const m = NAME.exec(s);
    if (!m) throw new Error(`expected a name at offset ${i}`);
    i += m[0].length;
    return m[0];
  };
  const readElement = (): XmlElement => {
    if (s[i] !== '<') throw new Error(`expected '<' at offset ${i}`);
    i++;
    const el: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (s.startsWith('/>', i)) { i += 2; return el; }
      if (s[i] === '>') { i++; break; }
      const attr = readName();
      skipSpace();
      if (s[i] !== '=') throw new Error(`attribute ${attr} has no value`);
      i++;
      skipSpace();
      const quote = s[i];
      if (quote !== '"' && quote !== "'") throw new Error(`attribute ${attr} is not quoted`);
      const end = s.indexOf(quote, i + 1);
      if (end < 0) throw new Error(`attribute ${attr} is not terminated`);
      if (attr in el.attributes) throw new Error(`duplicate attribute ${attr} on <${el.name}>`);
      el.attributes[attr] = decode(s.slice(i + 1, end), `attribute ${attr}`);
      i = end + 1;
    }
    for (;;) {
      const next = s.indexOf('<', i);
      if (next < 0) throw new Error(`<${el.name}> is not closed`);
      el.text += decode(s.slice(i, next), `<${el.name}>`);
      i = next;
      if (s.startsWith('</', i)) {
        i += 2;
        const name = readName();
        if (name !== el.name) throw new Error(`</${name}> closes <${el.name}>`);
        skipSpace();
        if (s[i] !== '>') throw new Error(`bad closing tag </${name}`);
        i++;
        return el;
      }
      el.children.push(readElement());
    }
  };
  const root = readElement();
  skipSpace();
  if (i !== s.length) throw new Error('content after the root element');
  return root;
}

export function descendants(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...descendants(c, name)]);
}
