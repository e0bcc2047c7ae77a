import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@belfry/core/testing';

/** Test certificates made with openssl: a CA, a server cert for 127.0.0.1/localhost, a client cert, and a second CA. */
export interface Certs {
  dir: string;
  ca: string;
  otherCa: string;
  serverCert: string;
  serverKey: string;
  /** a server certificate for another host name, signed by `ca` */
  wrongHostCert: string;
  wrongHostKey: string;
  clientCert: string;
  clientKey: string;
  caFile: string;
}

export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), 'mqttd-certs-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) => ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
  const leaf = (name: string, cn: string, san: string, ext: string) => {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(join(dir, `${name}.ext`), `${san ? `subjectAltName=${san}\n` : ''}extendedKeyUsage=${ext}\n`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  ca('ca');
  ca('other-ca');
  leaf('server', '127.0.0.1', 'IP:127.0.0.1,DNS:localhost', 'serverAuth');
  leaf('wronghost', 'broker.example', 'DNS:broker.example', 'serverAuth');
  leaf('client', 'belfry-client', '', 'clientAuth');
  const r = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { dir, ca: r('ca.pem'), otherCa: r('other-ca.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server.key'), wrongHostCert: join(dir, 'wronghost.pem'), wrongHostKey: join(dir, 'wronghost.key'), clientCert: r('client.pem'), clientKey: r('client.key'), caFile: join(dir, 'ca.pem') };
}

export interface BrokerOpts {
  /** users and passwords (anonymous access is refused when given) */
  users?: Record<string, string>;
  certs?: Certs;
  /** the TLS listeners present this certificate (`wronghost`) */
  wrongHost?: boolean;
  /** a TLS listener that wants a client certificate */
  requireClientCert?: boolean;
  /** keep these ports (a restarted broker) */
  ports?: BrokerPorts;
}

export interface BrokerPorts {
  tcp: number;
  tls: number;
  ws: number;
  wss: number;
}

export interface Broker {
  ports: BrokerPorts;
  stop(): Promise<void>;
  /** stops the broker, keeping its ports and files for `resume` */
  halt(): Promise<void>;
  /** starts it again on the same ports (its in-memory state is gone) */
  resume(): Promise<void>;
}

function waitPort(port: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > end) reject(new Error(`broker port ${port} did not open`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** An external mosquitto on loopback: plain TCP, TLS, WebSocket and WebSocket Secure listeners. */
export async function startBroker(opts: BrokerOpts = {}): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'mqttd-broker-'));
  const [tcp, tls, ws, wss] = opts.ports ? [opts.ports.tcp, opts.ports.tls, opts.ports.ws, opts.ports.wss] : ((await freePorts(4)) as [number, number, number, number]);
  // as root mosquitto drops to its own user, which cannot read the test's temporary files
  const lines = ['per_listener_settings true', 'persistence false', 'log_dest stderr', 'log_type error', ...(process.getuid?.() === 0 ? ['user root'] : [])];
  const auth = () => {
    if (!opts.users) return ['allow_anonymous true'];
    return ['allow_anonymous false', `password_file ${join(dir, 'passwd')}`];
  };
  if (opts.users) {
    writeFileSync(join(dir, 'passwd'), '');
    for (const [u, p] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', join(dir, 'passwd'), u, p], { stdio: 'pipe' });
  }
  const tlsLines = () => {
    const c = opts.certs!;
    const [cert, key] = opts.wrongHost ? [c.wrongHostCert, c.wrongHostKey] : [c.serverCert, c.serverKey];
    return [`cafile ${c.caFile}`, `certfile ${cert}`, `keyfile ${key}`, ...(opts.requireClientCert ? ['require_certificate true', 'use_identity_as_username true'] : [])];
  };
  lines.push(`listener ${tcp} 127.0.0.1`, ...auth());
  lines.push(`listener ${ws} 127.0.0.1`, 'protocol websockets', ...auth());
  if (opts.certs) {
    lines.push(`listener ${tls} 127.0.0.1`, ...(opts.requireClientCert ? ['allow_anonymous true'] : auth()), ...tlsLines());
    lines.push(`listener ${wss} 127.0.0.1`, 'protocol websockets', ...(opts.requireClientCert ? ['allow_anonymous true'] : auth()), ...tlsLines());
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, lines.join('\n') + '\n');
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      if (code && code !== 0) err += `\n(exit ${code})`;
    });
    try {
      await waitPort(tcp);
      if (opts.certs) await waitPort(tls);
    } catch (e) {
      child.kill('SIGKILL');
      throw new Error(`${(e as Error).message}: ${err}`);
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    ports: { tcp, tls, ws, wss },
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    halt: stop,
    resume: start,
  };
}
