import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BelfryError } from '@belfry/core';
import { FIRMWARE } from '@belfry/param-db';
import { NEW } from '../ajr.js';
import type { Http, RouteDef } from '../context.js';
import { accessLog, auditLog, systemLog } from '../logs.js';
import { tarGz, zip } from '../archive.js';
import { ajrRoute, AjrFailure } from './ajr-cgi.js';
import { formArgs } from './util.js';

/** systemready.cgi waits at most this long for readiness (`params.timeout`, seconds). */
export const MAX_SYSTEMREADY_WAIT_S = 60;

/** Boot identity: the launcher's (simulated device) or the kernel's (device). */
function boot(runDir: string): { bootid: string; uptimeS: number } {
  try {
    const b = JSON.parse(readFileSync(join(runDir, 'boot.json'), 'utf8')) as { bootid: string; bootedAt: number };
    return { bootid: b.bootid, uptimeS: Math.floor((Date.now() - b.bootedAt) / 1000) };
  } catch {
    let id = '';
    try {
      id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      id = randomUUID();
    }
    return { bootid: id, uptimeS: Math.floor(uptime()) };
  }
}

/** One line for the server report: is the configuration the one the user made? */
export function storageLine(s: { fallback: string; reason: string; at: string | null } | undefined, lostWhat = 'CONFIGURATION', defaults = 'defaults'): string {
  if (!s) return 'unknown (paramd has not said)';
  if (s.fallback === 'none') return 'sound';
  const what =
    s.fallback === 'defaults' ? `${lostWhat} RESET to ${defaults}` : s.fallback === 'previous' ? `${lostWhat} RESET to the state before the last change` : 'repaired from its other copy (nothing lost)';
  return `${what} at ${s.at}: ${s.reason}`;
}

function page(meta: string, title: string, body: string): string {
  return `<html><head><meta name="${meta}" content="${body}"><title>${title}</title></head><body>${body}</body></html>\n`;
}

/** Device time as the time API shows it, in a time zone (IANA name). */
export function dateTimeInfo(utcMs: number, timeZone: string, posix: string, dst: boolean) {
  const d = new Date(utcMs);
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(d);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return {
    dateTime: d.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    localDateTime: `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`,
    timeZone,
    posixTimeZone: posix,
    dstEnabled: dst,
    maxSupportedYear: 2037,
  };
}

export function validTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length > 64 || !/^[A-Za-z0-9_+/-]+$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function systemRoutes(http: Http, unauthorized: (req: FastifyRequest, reply: FastifyReply) => FastifyReply): RouteDef[] {
  const run = http.d.paths.run;
  const logDir = http.d.paths.log;
  const boardd = http.d.rpc.client<{ getTime(p: Record<string, never>): { utcMs: number }; setTime(p: { utcMs: number }): { utcMs: number } }>('boardd');
  const restartSoon = (reply: FastifyReply) => {
    // answer first, then restart: the client must see its 200. On the response's `finish`, not on a
    // timer: a timer could fire after this daemon stopped and call over a closed bus
    reply.raw.once('finish', () => {
      http.d.rpc.call('launcher', 'restart', {}, 5000).catch((err: Error) => http.d.log.error({ err: err.message }, 'restart request failed'));
    });
  };
  const timeInfo = async () => {
    const [tz, posix, dst] = await Promise.all([http.d.params.get('Time.TimeZone'), http.d.params.get('Time.POSIXTimeZone'), http.d.params.get('Time.DST.Enabled')]);
    const { utcMs } = await boardd.getTime({});
    return dateTimeInfo(utcMs, validTimeZone(tz) ? tz : 'UTC', posix ?? 'UTC0', dst === 'yes');
  };
  const report = async (): Promise<{ text: string; params: string }> => {
    const id = http.d.board.identity;
    const params = await http.paramd.list({ level: 'admin' });
    const paramText = Object.entries(params.params).map(([k, v]) => `root.${k}=${v}`).join('\n') + '\n';
    const b = boot(run);
    const text = [
      `Server report for ${id.prodFullName}`,
      `Serial number: ${id.serialNumber}`,
      `Firmware: ${FIRMWARE.version} (build ${FIRMWARE.buildNumber}, ${FIRMWARE.buildDate})`,
      `Report time: ${new Date().toISOString()}`,
      `Uptime: ${b.uptimeS} s (boot ${b.bootid})`,
      `System ready: ${http.systemReady() ? 'yes' : 'no'}`,
      `Parameter store: ${storageLine(http.paramdStorage())}`,
      `Accounts store: ${storageLine(http.accounts.storage, 'ACCOUNTS', 'setup state')}`,
      `Accounts: ${http.accounts.all().map((a) => `${a.name} (${a.role}${a.ptz ? ', ptz' : ''})`).join(', ') || 'none (setup state)'}`,
      '',
      '----- Parameters -----',
      paramText,
      '----- System log (tail) -----',
      (await systemLog(logDir)).slice(-64 * 1024),
    ].join('\n');
    return { text, params: paramText };
  };

  return [
    ajrRoute(http, unauthorized, {
      path: '/axis-cgi/systemready.cgi',
      codes: NEW,
      defaultVersion: '1.0',
      answerVersion: '1.4',
      maxMinor: 4,
      methods: {
        systemready: {
          needs: 'anonymous',
          run: async (ar) => {
            const t = (ar.params as { timeout?: unknown } | undefined)?.timeout;
            const wait = t === undefined ? 0 : Number(t);
            if (!Number.isFinite(wait) || wait < 0) throw new AjrFailure(NEW.invalidValue);
            const until = Date.now() + Math.min(wait, MAX_SYSTEMREADY_WAIT_S) * 1000;
            while (!http.systemReady() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
            const b = boot(run);
            return { systemready: http.systemReady() ? 'yes' : 'no', needsetup: http.accounts.needsSetup ? 'yes' : 'no', uptime: String(b.uptimeS), bootid: b.bootid };
          },
        },
        getSupportedVersions: { needs: 'anonymous', run: () => ({ apiVersions: ['1.4'] }) },
      },
      probe: { method: 'POST', url: '/axis-cgi/systemready.cgi', body: '{"apiVersion":"1","method":"systemready"}', contentType: 'application/json', needs: 'anonymous' },
    }),
    ajrRoute(http, unauthorized, {
      path: '/axis-cgi/time.cgi',
      codes: NEW,
      defaultVersion: '1.0',
      maxMinor: 0,
      methods: {
        getDateTimeInfo: { needs: 'viewer', run: () => timeInfo() },
        getAll: { needs: 'viewer', run: () => timeInfo() },
        setDateTime: {
          needs: 'admin',
          run: async (ar) => {
            const v = (ar.params as { dateTime?: unknown } | undefined)?.dateTime;
            if (v === undefined) throw new AjrFailure(NEW.missing);
            const ms = typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v) ? Date.parse(v) : NaN;
            if (!Number.isFinite(ms)) throw new AjrFailure(NEW.invalidValue);
            try {
              await boardd.setTime({ utcMs: ms });
            } catch (err) {
              if (err instanceof BelfryError && err.code === 'bad_request') throw new AjrFailure(NEW.invalidValue);
              throw err;
            }
            await http.paramd.update({ changes: { 'Time.SyncSource': 'None' } });
            return {};
          },
        },
        setTimeZone: {
          needs: 'admin',
          run: async (ar) => {
            const tz = (ar.params as { timeZone?: unknown } | undefined)?.timeZone;
            if (tz === undefined) throw new AjrFailure(NEW.missing);
            if (!validTimeZone(tz)) throw new AjrFailure(NEW.invalidValue);
            await http.paramd.update({ changes: { 'Time.TimeZone': tz } });
            return {};
          },
        },
        getSupportedVersions: { needs: 'viewer', run: () => ({ apiVersions: ['1.0'] }) },
      },
      probe: { method: 'POST', url: '/axis-cgi/time.cgi', body: '{"apiVersion":"1.0","method":"getDateTimeInfo"}', contentType: 'application/json', needs: 'viewer' },
    }),
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/restart.cgi',
      access: 'admin',
      handler: async (_req, reply) => {
        http.d.audit.write('device.restart', {});
        restartSoon(reply);
        return reply.type('text/html').send(page('restartMessage', 'Restart', 'Restarting. Please wait about 60 seconds.'));
      },
      probe: { method: 'GET', url: '/axis-cgi/restart.cgi', needs: 'admin', destructive: true },
    },
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/factorydefault.cgi',
      access: 'admin',
      handler: async (_req, reply) => {
        // paramd announces the reset; every owner (httpd's accounts too) drops its own state
        await http.paramd.restore({});
        restartSoon(reply);
        return reply.type('text/html').send(page('factoryMessage', 'Factory default', 'Restoring factory default settings. Network basics are kept. Please wait about 60 seconds.'));
      },
      probe: { method: 'GET', url: '/axis-cgi/factorydefault.cgi', needs: 'admin', destructive: true },
    },
    {
      method: ['GET', 'POST'],
      path: '/axis-cgi/hardfactorydefault.cgi',
      access: 'admin',
      handler: async (_req, reply) => {
        await http.paramd.factoryDefault({});
        restartSoon(reply);
        return reply.type('text/html').send(page('factoryMessage2', 'Factory default', 'Restoring all factory default settings. Please wait about 60 seconds.'));
      },
      probe: { method: 'GET', url: '/axis-cgi/hardfactorydefault.cgi', needs: 'admin', destructive: true },
    },
    {
      method: ['GET'],
      path: '/axis-cgi/admin/systemlog.cgi',
      access: 'admin',
      handler: async (_req, reply) => reply.type('text/plain').send(await systemLog(logDir)),
      probe: { method: 'GET', url: '/axis-cgi/admin/systemlog.cgi', needs: 'admin' },
    },
    {
      method: ['GET'],
      path: '/axis-cgi/admin/accesslog.cgi',
      access: 'admin',
      handler: async (_req, reply) => {
        http.accessLog.flush();
        return reply.type('text/plain').send(accessLog(logDir));
      },
      probe: { method: 'GET', url: '/axis-cgi/admin/accesslog.cgi', needs: 'admin' },
    },
    {
      method: ['GET'],
      path: '/axis-cgi/admin/auditlog.cgi',
      access: 'admin',
      handler: async (_req, reply) => reply.type('text/plain').send(auditLog(logDir)),
      probe: { method: 'GET', url: '/axis-cgi/admin/auditlog.cgi', needs: 'admin' },
    },
    {
      method: ['GET'],
      path: '/axis-cgi/serverreport.cgi',
      access: 'admin',
      handler: async (req, reply) => {
        const mode = formArgs(req).get('mode') ?? 'text';
        const r = await report();
        if (mode === 'text') return reply.type('text/plain').send(r.text);
        if (mode !== 'zip' && mode !== 'zip_with_image') return reply.code(400).type('text/plain').send('400 Bad Request\nmode must be text or zip\n');
        http.accessLog.flush();
        const body = zip([
          { name: 'serverreport.txt', data: r.text },
          { name: 'params.txt', data: r.params },
          { name: 'system.log', data: await systemLog(logDir) },
          { name: 'access.log', data: accessLog(logDir) },
          { name: 'audit.log', data: auditLog(logDir) },
        ]);
        return reply.type('application/zip').header('Content-Disposition', `attachment; filename="serverreport_${http.d.board.identity.serialNumber}.zip"`).send(body);
      },
      probe: { method: 'GET', url: '/axis-cgi/serverreport.cgi', needs: 'admin' },
    },
    {
      method: ['GET'],
      path: '/axis-cgi/debug/debug.tgz',
      access: 'admin',
      handler: async (_req, reply) => {
        const r = await report();
        http.accessLog.flush();
        const body = tarGz([
          { name: 'serverreport.txt', data: r.text },
          { name: 'params.txt', data: r.params },
          { name: 'accounts.txt', data: http.accounts.all().map((a) => `${a.name} ${a.role}${a.ptz ? ' ptz' : ''}`).join('\n') + '\n' },
          { name: 'system.log', data: await systemLog(logDir) },
          { name: 'access.log', data: accessLog(logDir) },
          { name: 'audit.log', data: auditLog(logDir) },
        ]);
        return reply.type('application/x-gzip').header('Content-Disposition', `attachment; filename="debug_${http.d.board.identity.serialNumber}.tgz"`).send(body);
      },
      probe: { method: 'GET', url: '/axis-cgi/debug/debug.tgz', needs: 'admin' },
    },
  ];
}
