import t from 'tap';
import net from 'node:net';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { FAST, listen } from './recipients-helpers.js';

// Every module this process loads from now on: an ESM loader hook reports each URL (nodemailer is
// ESM), and CommonJS packages (ssh2, basic-ftp) also land in require.cache.
const seen = new Set<string>();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url: string) => seen.add(url));
port1.unref();
const hooks = 'let port; export function initialize(d) { port = d.port; } export async function load(url, ctx, next) { port.postMessage(url); return next(url, ctx); }';
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: port2 }, transferList: [port2] });

/** Whether a package's code is loaded in this process (after the hook's messages arrived). */
async function loaded(pkg: string): Promise<boolean> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  const files = [...seen, ...Object.keys(createRequire(import.meta.url).cache)];
  return files.some((f) => f.includes(`/node_modules/${pkg}/`));
}
const never = () => new AbortController().signal;

const KINDS: { pkg: string; template: string; params: Record<string, string> }[] = [
  { pkg: 'nodemailer', template: 'com.axis.recipient.smtp', params: { email_from: 'a@b.c', email_to: 'd@e.f', encryption: 'none' } },
  { pkg: 'basic-ftp', template: 'com.axis.recipient.ftp', params: { upload_path: '/' } },
  { pkg: 'ssh2', template: 'com.axis.recipient.sftp', params: { upload_path: '/', ssh_host_public_key_sha256: 'A'.repeat(43) } },
];

t.test('eventd starts without the email, FTP and SFTP clients; a test of that kind loads its client', async (t) => {
  // the whole daemon's module graph, as the host loads it
  await import('../src/main.js');
  const { SENDERS } = await import('../src/recipients/senders.js');
  const { withAllParams } = await import('../src/recipients/templates.js');
  t.ok(await loaded('typebox'), 'the hook sees what the daemon loads');
  for (const k of KINDS) t.notOk(await loaded(k.pkg), `${k.pkg} not loaded at start`);
  for (const k of KINDS) {
    // a server that accepts and closes at once: the send fails, but only after the client ran
    const server = net.createServer((s) => s.destroy());
    const port = await listen(server, t);
    const target = { template: k.template, params: withAllParams(k.template, { host: '127.0.0.1', port: String(port), user: 'u', login: 'u', ...k.params }) };
    await t.rejects(SENDERS[k.template]!.test(target, never(), FAST), { code: /unavailable|timeout/ }, `${k.template} test fails against a closing server`);
    t.ok(await loaded(k.pkg), `${k.pkg} loaded by the first ${k.template} test`);
  }
});
