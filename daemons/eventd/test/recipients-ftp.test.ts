import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystem, FtpSrv, type FtpConnection } from 'ftp-srv';
import { freePorts } from '@belfry/core/testing';
import { ftpSender } from '../src/recipients/ftp.js';
import { withAllParams } from '../src/recipients/templates.js';
import { FAST, listen } from './recipients-helpers.js';

const never = () => new AbortController().signal;
const quiet = { child: () => quiet, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** ftp-srv on loopback (passive only), user `cam` / `s3cret`, recording writes and renames. */
async function ftpServer(t: Test) {
  const root = mkdtempSync(join(tmpdir(), 'eventd-ftp-'));
  mkdirSync(join(root, 'events'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const [port, pasv] = (await freePorts(2)) as [number, number];
  const ops: string[] = [];
  class Recording extends FileSystem {
    override write(name: string, o?: { append?: boolean; start?: unknown }) {
      ops.push(`write ${name}`);
      return super.write(name, o);
    }
    override rename(from: string, to: string) {
      ops.push(`rename ${from} ${to}`);
      return super.rename(from, to);
    }
  }
  const srv = new FtpSrv({ url: `ftp://127.0.0.1:${port}`, pasv_url: '127.0.0.1', pasv_min: pasv, pasv_max: pasv, log: quiet, greeting: 'test' });
  srv.on('login', ({ connection, username, password }: { connection: FtpConnection; username: string; password: string }, resolve: (c: { fs: FileSystem }) => void, reject: (e: Error) => void) => {
    if (username !== 'cam' || password !== 's3cret') return reject(new Error('bad login'));
    resolve({ fs: new Recording(connection, { root, cwd: '/' }) });
  });
  await srv.listen();
  t.teardown(() => srv.close());
  return { port, root, ops };
}

const target = (port: number, extra: Record<string, string> = {}, password = 's3cret') => ({
  template: 'com.axis.recipient.ftp',
  params: withAllParams('com.axis.recipient.ftp', { host: '127.0.0.1', port: String(port), upload_path: 'events', login: 'cam', ...extra }),
  password,
});

t.test('FTP: passive upload into the folder under a temporary name, then renamed', async (t) => {
  const s = await ftpServer(t);
  await ftpSender.send(target(s.port), { text: 'door 1 opened at 12:00', fileName: 'door.txt' }, never());
  t.equal(readFileSync(join(s.root, 'events', 'door.txt'), 'utf8'), 'door 1 opened at 12:00');
  t.equal(s.ops.length, 2);
  t.match(s.ops[0], /^write \.door\.txt\..*\.tmp$/);
  t.equal(s.ops[1], `rename ${s.ops[0]!.slice(6)} door.txt`);
  t.same(readdirSync(join(s.root, 'events')), ['door.txt'], 'no temporary file left');
});

t.test('FTP: temporary off writes the name directly; a generated name has a sequence number', async (t) => {
  const s = await ftpServer(t);
  await ftpSender.send(target(s.port, { temporary: 'no' }), { text: 'a' }, never());
  await ftpSender.send(target(s.port, { temporary: 'no' }), { text: 'b' }, never());
  const files = readdirSync(join(s.root, 'events')).sort();
  t.equal(files.length, 2);
  for (const f of files) t.match(f, /^notification_\d{8}_\d{6}_\d{6}\.txt$/);
  t.same(s.ops.map((o) => o.split(' ')[0]), ['write', 'write']);
});

t.test('FTP: the test uploads a test file; wrong password, missing folder and active mode are reported', async (t) => {
  const s = await ftpServer(t);
  await ftpSender.test(target(s.port), never());
  t.match(readFileSync(join(s.root, 'events', 'belfry_test.txt'), 'utf8'), /test message/);
  await t.rejects(ftpSender.test(target(s.port, {}, 'wrong'), never()), { code: 'unavailable' });
  await t.rejects(ftpSender.test(target(s.port, { upload_path: 'nope' }), never()), { code: 'unavailable' });
  await t.rejects(ftpSender.test(target(s.port, { passive: 'no' }), never()), { code: 'failed_precondition' });
  await t.rejects(ftpSender.send(target(s.port), { text: 'x', fileName: '../escape.txt' }, never()), { code: 'invalid_argument' });
});

t.test('FTP: a server that never greets times out within the limit', async (t) => {
  const port = await listen(net.createServer(() => undefined), t);
  await t.rejects(ftpSender.test(target(port), never(), FAST), { code: 'timeout' });
});
