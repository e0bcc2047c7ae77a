import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import ssh2 from 'ssh2';
import { fingerprints } from '../src/recipients/fingerprint.js';
import { sftpSender } from '../src/recipients/sftp.js';
import { withAllParams } from '../src/recipients/templates.js';
import { FAST, listen } from './recipients-helpers.js';

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;
const never = () => new AbortController().signal;
const hostKey = utils.generateKeyPairSync('ed25519').private;
const blob = (utils.parseKey(hostKey) as ssh2.ParsedKey).getPublicSSH();
const right = fingerprints(blob);

/** An ssh2 SFTP server over a temporary folder (open/write/close/rename), user `cam` / `s3cret`. */
async function sftpServer(t: Test) {
  const root = mkdtempSync(join(tmpdir(), 'eventd-sftp-'));
  mkdirSync(join(root, 'events'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const auths: string[] = [];
  const ops: string[] = [];
  const inRoot = (p: string) => join(root, normalize('/' + p));
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      auths.push(`${ctx.method} ${ctx.username}`);
      if (ctx.method === 'password' && ctx.username === 'cam' && ctx.password === 's3cret') return ctx.accept();
      ctx.reject(['password']);
    });
    client.on('session', (accept) => {
      accept().on('sftp', (acceptSftp) => {
        const sftp = acceptSftp();
        const fds = new Map<number, number>();
        let next = 0;
        sftp.on('OPEN', (id, path) => {
          ops.push(`open ${path}`);
          try {
            const h = next++;
            fds.set(h, openSync(inRoot(path), 'w'));
            sftp.handle(id, Buffer.from([h]));
          } catch {
            sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
          }
        });
        sftp.on('WRITE', (id, handle, offset, data) => {
          writeSync(fds.get(handle[0]!)!, data, 0, data.length, offset);
          sftp.status(id, STATUS_CODE.OK);
        });
        sftp.on('CLOSE', (id, handle) => {
          closeSync(fds.get(handle[0]!)!);
          sftp.status(id, STATUS_CODE.OK);
        });
        sftp.on('RENAME', (id, from, to) => {
          ops.push(`rename ${from} ${to}`);
          renameSync(inRoot(from), inRoot(to));
          sftp.status(id, STATUS_CODE.OK);
        });
      });
    });
  });
  const port = await listen((server as unknown as { _srv: net.Server })._srv, t);
  return { port, root, auths, ops };
}

const target = (port: number, extra: Record<string, string> = {}, password = 's3cret') => ({
  template: 'com.axis.recipient.sftp',
  params: withAllParams('com.axis.recipient.sftp', { host: '127.0.0.1', port: String(port), upload_path: 'events', login: 'cam', ssh_host_public_key_sha256: right.sha256, ...extra }),
  password,
});

t.test('the right SHA-256 fingerprint: uploaded under a temporary name, then renamed', async (t) => {
  const s = await sftpServer(t);
  await sftpSender.send(target(s.port), { text: 'door 1 opened', fileName: 'door.txt' }, never());
  t.equal(readFileSync(join(s.root, 'events', 'door.txt'), 'utf8'), 'door 1 opened');
  t.match(s.ops[0], /^open events\/\.door\.txt\..*\.tmp$/);
  t.equal(s.ops[1], `rename ${s.ops[0]!.slice(5)} events/door.txt`);
  t.same(readdirSync(join(s.root, 'events')), ['door.txt']);
  t.same(s.auths.filter((a) => !a.startsWith('none ')), ['password cam'], 'one password attempt, after the key check');
});

t.test('the right MD5 fingerprint (with colons, any case) passes the test; both given must both match', async (t) => {
  const s = await sftpServer(t);
  const colons = right.md5.toUpperCase().match(/../g)!.join(':');
  await sftpSender.test(target(s.port, { ssh_host_public_key_sha256: '', ssh_host_public_key_md5: colons }), never());
  t.match(readFileSync(join(s.root, 'events', 'belfry_test.txt'), 'utf8'), /test message/);
  await t.rejects(sftpSender.test(target(s.port, { ssh_host_public_key_md5: '0'.repeat(32) }), never()), { code: 'failed_precondition' });
});

t.test('a wrong fingerprint is refused before authenticating: the server never sees the password', async (t) => {
  const s = await sftpServer(t);
  await t.rejects(sftpSender.test(target(s.port, { ssh_host_public_key_sha256: 'A'.repeat(43) }), never()), { code: 'failed_precondition', message: /host key does not match/ });
  await t.rejects(sftpSender.test(target(s.port, { ssh_host_public_key_sha256: '', ssh_host_public_key_md5: 'f'.repeat(32) }), never()), { code: 'failed_precondition' });
  t.same(s.auths, [], 'no authentication attempt at all');
  t.same(readdirSync(join(s.root, 'events')), []);
});

t.test('a wrong password and a missing folder are reported', async (t) => {
  const s = await sftpServer(t);
  await t.rejects(sftpSender.test(target(s.port, {}, 'wrong'), never()), { code: 'unavailable' });
  await t.rejects(sftpSender.test(target(s.port, { upload_path: 'nope' }), never()), { code: 'unavailable' });
});

t.test('a server that never sends its banner times out within the limit', async (t) => {
  const port = await listen(net.createServer(() => undefined), t);
  await t.rejects(sftpSender.test(target(port), never(), FAST), { code: 'timeout' });
});
