import { LAYOUTS, SERVICES, type Layout } from '@belfry/core';
import { WATCHDOG_DEFAULT_MS } from './heartbeat.js';

/** The launcher's command line and its usage text (`--help`). */
export const USAGE = `usage: launcher [options]   (make start ARGS="…")

Starts one simulated Belfry device: the internal bus, then the daemons; restarts what crashes or
stops answering; prints "belfry: systemready {…}" with the URLs once every required daemon is ready.
Ctrl-C stops it.

options:
  --root DIR            the device's root (state, sockets, logs); default $BELFRY_ROOT, else /
  --layout NAME         how daemons share processes: default (the service list's hosts),
                        together (one process), separate (one per daemon)
  --together            the same as --layout together
  --only a,b            start only these daemons (${SERVICES.map((s) => s.name).join(', ')})
  --apart a,b           give these daemons a process each, the rest as the layout says (profiling)
  -h, --help            this text

environment:
  BELFRY_ROOT           the root when --root is not given
  HTTP_PORT, HTTPS_PORT ports of the web server for this run (default 80 and 443, which need root);
                        they win over the stored Network.HTTP.Port / HTTPS.Port without changing them
  RTSP_PORT             port of the RTSP event stream for this run (default 554, which needs root); it wins
                        over the stored Network.RTSP.Port the same way
  BELFRY_DISCOVERY_IFACES  interfaces WS-Discovery, SSDP and mDNS announce the device on: names
                        (eth0,wlan0), all, or none (default on the simulated board: none)
  BENCH_PORT            port of the simulated board's bench (default: derived from the root, 20000–31999)
  BELFRY_LOG_LEVEL      trace, debug, info (default), warn, error, silent
  BELFRY_WATCHDOG_MS    a daemon host silent this long is restarted (default ${WATCHDOG_DEFAULT_MS})
  BELFRY_NODE_FLAGS     extra Node flags for every daemon host (e.g. --cpu-prof)
  MOSQUITTO             the mosquitto binary (default: mosquitto on PATH)
  BELFRY_STOP_WITH_STDIN=1  stop when standard input closes (tests: the device cannot outlive them)

Logs are human-readable on a terminal, JSON lines otherwise; all of it also goes to
<root>/var/log/belfry/system.log.
`;

export interface Args {
  root: string;
  layout: Layout;
  only?: string[];
  apart?: string[];
  help?: boolean;
}

/** The command line; throws on a bad one (the message says what). */
export function parseArgs(argv: string[], env = process.env): Args {
  const out: Args = { root: env.BELFRY_ROOT ?? '/', layout: 'default' };
  const value = (i: number, name: string) => {
    const v = argv[i];
    if (v === undefined || v.startsWith('-')) throw new Error(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') out.help = true;
    else if (a === '--root') out.root = value(++i, a);
    else if (a === '--together') out.layout = 'together';
    else if (a === '--layout') {
      const l = value(++i, a) as Layout;
      if (!LAYOUTS.includes(l)) throw new Error(`unknown layout ${l} (${LAYOUTS.join(', ')})`);
      out.layout = l;
    } else if (a === '--only' || a === '--apart') {
      const names = value(++i, a).split(',').filter(Boolean);
      const unknown = names.filter((n) => !SERVICES.some((s) => s.name === n));
      if (unknown.length) throw new Error(`unknown daemon ${unknown.join(', ')}`);
      out[a === '--only' ? 'only' : 'apart'] = names;
    } else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

