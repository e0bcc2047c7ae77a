import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError, type ParamDefinitionEntry } from '@belfry/core';
import { FIRMWARE } from '@belfry/param-db';
import type { Http, RouteDef } from '../context.js';
import { forbidden } from '../auth/authenticate.js';
import { formArgs, hasBody, levelOf } from './util.js';
import { escapeEcho, parseForm } from '../form.js';

const TEXT = 'text/plain';

/** paramd's answers to a client's mistake (HTTP 200 with a `# Error:` line, §1.7), not a server fault. */
const CLIENT_MISTAKES = new Set(['invalid_argument', 'not_found', 'already_exists', 'failed_precondition', 'limit_exceeded', 'vetoed', 'bad_request']);
const mistake = (err: unknown): err is BelfryError => err instanceof BelfryError && CLIENT_MISTAKES.has(err.code);

/**
 * `/axis-cgi/param.cgi` (§2.3): list, listdefinitions, update, add, remove. Per-parameter read and
 * write levels are paramd's; this CGI passes the caller's level and turns answers into VAPIX text.
 * Client mistakes are HTTP 200 with a `# Error:` line.
 */
export function paramRoutes(http: Http, unauthorized: (req: FastifyRequest, reply: FastifyReply) => FastifyReply): RouteDef[] {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const args = formArgs(req);
    const action = (args.get('action') ?? '').toLowerCase();
    const caller = req.caller;
    reply.type(TEXT);
    // a request it cannot read exactly (a name with a newline, Latin-1) is refused whole (form.ts)
    if (args.problem) return `# Error: ${args.problem}\n`;
    if (action === 'list') {
      const groups = splitList(args.get('group'));
      try {
        const params = await http.listMemo.list(groups, levelOf(caller));
        if (caller.via === 'anonymous') {
          // anonymous (or anonymous viewer) sees only some params; if the group holds more, ask for credentials
          const full = await http.listMemo.list(groups, 'admin');
          if (Object.keys(full).length > Object.keys(params).length) return unauthorized(req, reply);
        }
        return http.listMemo.text(params);
      } catch (err) {
        // the group as the client sent it (with `root.` if it had one), like update errors below
        if (mistake(err)) return `# Error: Error -1 getting param in group '${escapeEcho(err.target ?? groups?.[0] ?? '')}'\n`;
        throw err;
      }
    }
    if (action === 'listdefinitions') {
      if (!http.require(req, reply, 'viewer')) return reply;
      const groups = splitList(args.get('group'));
      try {
        const r = await http.paramd.definitions({ groups, level: levelOf(caller) });
        return reply.type('text/xml').send(definitionsXml(r.entries, http.d.board.identity.prodNbr));
      } catch (err) {
        if (mistake(err)) return `# Error: Error -1 getting param in group '${escapeEcho(err.target ?? groups?.[0] ?? '')}'\n`;
        throw err;
      }
    }
    if (action === 'update' || action === 'add' || action === 'remove') {
      if (caller.role === 'anonymous') return unauthorized(req, reply);
      const level = levelOf(caller);
      const rest = [...args].filter(([k]) => k !== 'action' && k !== 'usergroup' && k !== 'responseformat');
      try {
        if (action === 'update') {
          if (!rest.length) return '# Error: No parameters to update\n';
          await http.paramd.update({ changes: Object.fromEntries(rest), level });
          return 'OK\n';
        }
        if (action === 'add') {
          const group = args.get('group') ?? '';
          const template = args.get('template') ?? '';
          const values = Object.fromEntries(rest.filter(([k]) => k !== 'group' && k !== 'template'));
          try {
            const r = await http.paramd.add({ group, template, values, level });
            return `${r.instance} OK\n`;
          } catch (err) {
            if (err instanceof BelfryError && err.code === 'permission_denied') throw err;
            return `# Error: Error adding group '${escapeEcho(group)}' from template '${escapeEcho(template)}'!\n`;
          }
        }
        const groups = splitList(args.get('group')) ?? [];
        try {
          await http.paramd.remove({ groups, level });
          return 'OK\n';
        } catch (err) {
          if (err instanceof BelfryError && err.code === 'permission_denied') throw err;
          return `# Error: Error removing group '${escapeEcho((err instanceof BelfryError ? err.target : undefined) ?? groups[0] ?? '')}'!\n`;
        }
      } catch (err) {
        if (err instanceof BelfryError && err.code === 'permission_denied') return caller.via === 'anonymous' ? unauthorized(req, reply) : forbidden(req, reply);
        if (mistake(err) && action === 'update') {
          // §2.3 shows names without `root.` but does not say what to report for a name sent with it;
          // Belfry's choice: the name exactly as the client sent it (FF matches the reported name
          // against its own request), so `root.X` is reported as `root.X` and `X` as `X`. A refusal
          // of the whole batch (too many changes) names its first param.
          const bare = (n: string) => n.replace(/^root\./, '');
          const target = err.target ?? rest[0]![0];
          const name = [...args.keys()].find((k) => bare(k) === bare(target)) ?? target;
          const value = args.get(name) ?? '';
          http.d.log.info({ name, reason: err.message }, 'param.cgi update refused');
          return `# Error: Error setting '${escapeEcho(name)}' to '${escapeEcho(value)}'!\n`;
        }
        throw err;
      }
    }
    return `# Error: Unknown action '${escapeEcho(args.get('action') ?? '')}'\n`;
  };
  return [
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/param.cgi',
      access: 'self',
      handler,
      // anonymous callers may list (the handler challenges when the group holds more than they may
      // read) and an anonymous viewer may list definitions: a request that says so in its query, or
      // has a body that may (K60 lists anonymously with a POST body), is read; anything else — curl's
      // body-less Digest probe too — is challenged before anything is parsed
      anonymous: (req) => {
        const action = (parseForm(req.raw.url ?? '', undefined).get('action') ?? '').toLowerCase();
        return action === 'list' || (action === 'listdefinitions' && req.caller.role !== 'anonymous') || (action === '' && hasBody(req));
      },
      probe: { method: 'GET', url: '/axis-cgi/param.cgi?action=list&group=Network', needs: 'viewer' },
      // a list this caller's level already has in the memo: the same text, without fastify
      lane: {
        methods: ['GET'],
        answer: ({ caller, rawUrl, body }) => {
          if (body.length) return undefined;
          const args = parseForm(rawUrl, undefined);
          if (args.problem) return undefined;
          for (const k of args.keys()) if (k !== 'action' && k !== 'group') return undefined;
          if ((args.get('action') ?? '').toLowerCase() !== 'list') return undefined;
          const text = http.listMemo.peekText(splitList(args.get('group')), levelOf(caller));
          return text === undefined ? undefined : { status: 200, type: TEXT, body: text };
        },
      },
    },
  ];
}

function splitList(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function typeXml(e: ParamDefinitionEntry): string {
  const attrs = `${e.readonly ? ' readonly="true"' : ''}${e.const ? ' const="true"' : ''}`;
  let inner: string;
  switch (e.type) {
    case 'int':
      inner = `<int${e.min !== undefined ? ` min="${e.min}"` : ''}${e.max !== undefined ? ` max="${e.max}"` : ''}/>`;
      break;
    case 'bool':
      inner = '<bool true="yes" false="no"/>';
      break;
    case 'enum':
      inner = `<enum>${(e.values ?? []).map((v) => `<entry value="${xmlEscape(v)}"/>`).join('')}</enum>`;
      break;
    case 'ip':
      inner = '<ip/>';
      break;
    default:
      inner = `<string${e.maxLength !== undefined ? ` maxlen="${e.maxLength}"` : ''}/>`;
  }
  return `<type${attrs}>${inner}</type>`;
}

/** `listdefinitions` (§2.3): nested `<group>` elements with `<parameter>` leaves. */
export function definitionsXml(entries: ParamDefinitionEntry[], model: string): string {
  let out = '<?xml version="1.0" encoding="iso-8859-1" ?>\n';
  out += '<parameterDefinitions xmlns="http://www.axis.com/ParameterDefinitionsSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.axis.com/ParameterDefinitionsSchema http://localhost/pub/parameterdefinitions.xsd" version="1.0">\n';
  out += ` <model>${xmlEscape(model)}</model><firmwareVersion>${xmlEscape(FIRMWARE.version)}</firmwareVersion>\n`;
  let open: string[] = [];
  for (const e of entries) {
    const parts = e.name.split('.');
    const groups = parts.slice(0, -1);
    let common = 0;
    while (common < open.length && common < groups.length && open[common] === groups[common]) common++;
    for (let i = open.length; i > common; i--) out += '</group>';
    for (let i = common; i < groups.length; i++) out += `<group name="${xmlEscape(groups[i]!)}">`;
    open = groups;
    const value = e.secret ? '' : (e.value ?? '');
    out += `<parameter name="${xmlEscape(parts.at(-1)!)}" value="${xmlEscape(value)}" securityLevel="${e.securityLevel}"${e.niceName ? ` niceName="${xmlEscape(e.niceName)}"` : ''}>${typeXml(e)}</parameter>\n`;
  }
  for (let i = open.length; i > 0; i--) out += '</group>';
  out += '\n</parameterDefinitions>\n';
  return out;
}
