import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A little LAN of network namespaces: a bridge in its own namespace, a "device" namespace (eth0 with
 * a routable and a link-local address) and a "client" namespace, joined by veth pairs, multicast on.
 * The real discovery ports are free in them. `cleanup` deletes every namespace (the veths go with them).
 */
export interface Lan {
  dev: string;
  cli: string;
  devAddr: string;
  devLinkLocal: string;
  cliAddr: string;
  cleanup(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export function makeLan(tag: string): Lan {
  const base = `bfd${process.pid}${tag}`;
  const [br, dev, cli] = [`${base}-br`, `${base}-dev`, `${base}-cli`];
  const made: string[] = [];
  const cleanup = () => {
    for (const ns of made.splice(0)) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
  };
  try {
    for (const ns of [br, dev, cli]) {
      ip('netns', 'add', ns);
      made.push(ns);
    }
    ip('-n', br, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
    ip('-n', br, 'link', 'set', 'br0', 'up');
    for (const [ns, name, addrs] of [
      [dev, 'd', ['10.77.0.1/24', '169.254.77.1/16']],
      [cli, 'c', ['10.77.0.2/24']],
    ] as const) {
      ip('-n', br, 'link', 'add', `${name}0`, 'type', 'veth', 'peer', 'name', `${name}1`);
      ip('-n', br, 'link', 'set', `${name}1`, 'netns', ns);
      ip('-n', br, 'link', 'set', `${name}0`, 'master', 'br0', 'up');
      ip('-n', ns, 'link', 'set', `${name}1`, 'name', 'eth0');
      for (const a of addrs) ip('-n', ns, 'addr', 'add', a, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up', 'multicast', 'on');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      // clients send multicast without choosing an interface: the route picks eth0
      ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
    }
  } catch (err) {
    cleanup();
    throw err;
  }
  return { dev, cli, devAddr: '10.77.0.1', devLinkLocal: '169.254.77.1', cliAddr: '10.77.0.2', cleanup };
}

/** A process in a namespace whose stdout lines can be awaited. */
export interface NsProc {
  proc: ChildProcess;
  lines: string[];
  /** the first line (seen or to come) that `pred` accepts; rejects after `ms` */
  waitLine(pred: (l: string) => boolean, ms?: number): Promise<string>;
  send(line: string): void;
  exited: Promise<number | null>;
}

export function spawnIn(ns: string, args: string[], cwd: string): NsProc {
  const proc = spawn('ip', ['netns', 'exec', ns, ...args], { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.filter((w) => w.pred(l))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    lines,
    exited,
    send: (line) => proc.stdin!.write(line + '\n'),
    waitLine(pred, ms = 10_000) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such line within ${ms} ms; got:\n${lines.join('\n')}`)), ms);
        waiters.push({ pred, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
  };
}

/** Runs a node script in a namespace to its end; its stdout. */
export function runIn(ns: string, args: string[], cwd: string): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
}
