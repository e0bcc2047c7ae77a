import { BelfryError } from '../errors.js';
import type { BelfryEvent, ItemValue, Items } from '../events.js';

/** The ONVIF ItemFilter dialect URI (SOAP `wsnt:MessageContent`). */
export const ITEM_FILTER_DIALECT = 'http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter';

/** Explicit limits of a content expression (each tested at the limit). */
export const CONTENT_LIMITS = { length: 2048, nesting: 16, terms: 64 } as const;

type Scope = 'source' | 'key' | 'data' | 'any';
type Pred = { op: 'and' | 'or'; l: Pred; r: Pred } | { op: 'not'; p: Pred } | { op: 'cmp'; attr: 'Name' | 'Value'; ne: boolean; value: string } | { op: 'true' };
type Node = { op: 'and' | 'or'; l: Node; r: Node } | { op: 'not'; n: Node } | { op: 'item'; scope: Scope; pred: Pred };

type Tok = { k: 'name' | 'str' | 'sym'; v: string; at: number };

const SYMS = ['//', '!=', '/', '[', ']', '(', ')', '@', '='];

function tokenize(src: string, fail: (why: string, at: number) => never): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail('unterminated string', i);
      out.push({ k: 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.-]*(:[A-Za-z_][A-Za-z0-9_.-]*)?/.exec(src.slice(i))!;
      out.push({ k: 'name', v: m[0], at: i });
      i += m[0].length;
    } else {
      const s = SYMS.find((x) => src.startsWith(x, i));
      if (!s) fail(`unexpected '${c}'`, i);
      out.push({ k: 'sym', v: s, at: i });
      i += s.length;
    }
  }
  return out;
}

/** Local name of a possibly prefixed XML name (`tt:SimpleItem` → `SimpleItem`). */
const local = (n: string) => n.slice(n.indexOf(':') + 1);

/** A recursive-descent parser over the tokens; depth and term counts are bounded. */
class Parser {
  private i = 0;
  private depth = 0;
  private terms = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly fail: (why: string, at: number) => never,
    private readonly end: number,
  ) {}

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }
  private at(): number {
    return this.peek()?.at ?? this.end;
  }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t?.k === 'name' && t.v === w;
  }
  private expect(k: Tok['k'], v?: string): Tok {
    const t = this.peek();
    if (!t || t.k !== k || (v !== undefined && t.v !== v)) this.fail(`expected ${v ? `'${v}'` : k}${t ? ` but found '${t.v}'` : ' but the expression ended'}`, this.at());
    this.i++;
    return t;
  }
  private nest<T>(fn: () => T): T {
    if (++this.depth > CONTENT_LIMITS.nesting) this.fail(`nested deeper than ${CONTENT_LIMITS.nesting}`, this.at());
    const v = fn();
    this.depth--;
    return v;
  }
  private term(): void {
    if (++this.terms > CONTENT_LIMITS.terms) this.fail(`more than ${CONTENT_LIMITS.terms} terms`, this.at());
  }

  whole(): Node {
    const n = this.or();
    if (this.peek()) this.fail(`unexpected '${this.peek()!.v}'`, this.at());
    return n;
  }

  private or(): Node {
    let l = this.and();
    while (this.isWord('or') && ++this.i) l = { op: 'or', l, r: this.and() };
    return l;
  }
  private and(): Node {
    let l = this.unary();
    while (this.isWord('and') && ++this.i) l = { op: 'and', l, r: this.unary() };
    return l;
  }
  private unary(): Node {
    return this.nest(() => {
      if (this.isWord('not')) return this.call('not', () => ({ op: 'not' as const, n: this.or() }));
      if (this.isWord('boolean')) return this.call('boolean', () => this.item());
      if (this.peek()?.v === '(') return this.paren(() => this.or());
      return this.fail(`expected boolean(…), not(…) or '('`, this.at());
    });
  }
  private call<T>(name: string, body: () => T): T {
    this.expect('name', name);
    return this.paren(body);
  }
  private paren<T>(body: () => T): T {
    this.expect('sym', '(');
    const v = body();
    this.expect('sym', ')');
    return v;
  }

  /** `//SimpleItem[pred]`, optionally scoped: `//Source/SimpleItem[…]` (prefixes such as `tt:` ignored). */
  private item(): Node {
    this.term();
    this.expect('sym', '//');
    let name = local(this.expect('name').v);
    let scope: Scope = 'any';
    const scopes: Record<string, Scope> = { Source: 'source', Key: 'key', Data: 'data' };
    if (scopes[name] && this.peek()?.v === '/') {
      this.i++;
      scope = scopes[name]!;
      name = local(this.expect('name').v);
    }
    if (name !== 'SimpleItem') this.fail(`only SimpleItem can be tested, not '${name}'`, this.at());
    if (this.peek()?.v !== '[') return { op: 'item', scope, pred: { op: 'true' } };
    this.expect('sym', '[');
    const pred = this.predOr();
    this.expect('sym', ']');
    return { op: 'item', scope, pred };
  }
  private predOr(): Pred {
    let l = this.predAnd();
    while (this.isWord('or') && ++this.i) l = { op: 'or', l, r: this.predAnd() };
    return l;
  }
  private predAnd(): Pred {
    let l = this.predUnary();
    while (this.isWord('and') && ++this.i) l = { op: 'and', l, r: this.predUnary() };
    return l;
  }
  private predUnary(): Pred {
    return this.nest(() => {
      if (this.isWord('not')) return this.call('not', () => ({ op: 'not' as const, p: this.predOr() }));
      if (this.peek()?.v === '(') return this.paren(() => this.predOr());
      this.term();
      this.expect('sym', '@');
      const attr = this.expect('name').v;
      if (attr !== 'Name' && attr !== 'Value') this.fail(`only @Name and @Value can be compared, not @${attr}`, this.at());
      const ne = this.peek()?.v === '!=';
      if (!ne) this.expect('sym', '=');
      else this.i++;
      return { op: 'cmp', attr, ne, value: this.expect('str').v };
    });
  }
}

const BOOL: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

/** Compares an item's value with a filter literal; booleans compare `1`/`0`/`true`/`false` alike. */
function sameValue(v: ItemValue, lit: string): boolean {
  if (typeof v === 'boolean') return BOOL[lit] === v;
  const s = String(v);
  if (s === lit) return true;
  const a = BOOL[s];
  const b = BOOL[lit];
  return a !== undefined && b !== undefined && a === b;
}

function predHolds(p: Pred, name: string, v: ItemValue): boolean {
  switch (p.op) {
    case 'true':
      return true;
    case 'and':
      return predHolds(p.l, name, v) && predHolds(p.r, name, v);
    case 'or':
      return predHolds(p.l, name, v) || predHolds(p.r, name, v);
    case 'not':
      return !predHolds(p.p, name, v);
    case 'cmp': {
      const eq = p.attr === 'Name' ? name === p.value : sameValue(v, p.value);
      return p.ne ? !eq : eq;
    }
  }
}

function anyItem(items: Items | undefined, pred: Pred): boolean {
  if (!items) return false;
  for (const name in items) if (predHolds(pred, name, items[name]!)) return true;
  return false;
}

function holds(n: Node, ev: BelfryEvent): boolean {
  switch (n.op) {
    case 'and':
      return holds(n.l, ev) && holds(n.r, ev);
    case 'or':
      return holds(n.l, ev) || holds(n.r, ev);
    case 'not':
      return !holds(n.n, ev);
    case 'item':
      if (n.scope !== 'any') return anyItem(ev[n.scope], n.pred);
      return anyItem(ev.source, n.pred) || anyItem(ev.key, n.pred) || anyItem(ev.data, n.pred);
  }
}

export class ContentFilter {
  constructor(
    readonly expression: string,
    private readonly root: Node,
  ) {}

  /** Does the event's items (source, key and data) satisfy the expression? */
  matches(ev: BelfryEvent): boolean {
    return holds(this.root, ev);
  }
}

/** Parses an ONVIF ItemFilter expression; a malformed one is `invalid_argument` saying what and where. */
export function parseContentFilter(expr: string): ContentFilter {
  if (typeof expr !== 'string') throw new BelfryError('invalid_argument', 'content filter is not a string');
  if (expr.length > CONTENT_LIMITS.length) throw new BelfryError('invalid_argument', `content filter longer than ${CONTENT_LIMITS.length} characters`);
  const fail = (why: string, at: number): never => {
    throw new BelfryError('invalid_argument', `content filter: ${why} at character ${at + 1}`);
  };
  if (!expr.trim()) fail('empty', 0);
  return new ContentFilter(expr, new Parser(tokenize(expr, fail), fail, expr.length).whole());
}
