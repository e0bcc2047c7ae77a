import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sdNotifier } from '../src/sd-notify.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A stand-in for systemd's notify socket (a Unix datagram socket, which Node cannot open): each datagram as a line. */
async function notifySocket(t: { teardown(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'sd-notify-'));
  const path = join(dir, 'notify');
  const recv = spawn('perl', ['-MSocket', '-e', 'socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die; bind($s, pack_sockaddr_un($ARGV[0])) or die; $| = 1; while (defined recv($s, my $m, 4096, 0)) { print "$m\\n" }', path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const got: string[] = [];
  let text = '';
  recv.stdout.on('data', (b: Buffer) => {
    text += b.toString();
    const lines = text.split('\n');
    text = lines.pop()!;
    got.push(...lines);
  });
  t.teardown(() => {
    recv.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  while (!existsSync(path)) await sleep(20);
  return { path, got };
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);
const children = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

t.test('sdNotifier: each message is one datagram, all through one sender process', async (t) => {
  const sock = await notifySocket(t);
  const n = sdNotifier(sock.path);
  const pid = n.pid!;
  t.ok(pid > 0);
  n.send('READY=1');
  for (let i = 0; i < 5; i++) n.send('WATCHDOG=1');
  while (sock.got.length < 6) await sleep(20);
  t.same(sock.got, ['READY=1', ...Array(5).fill('WATCHDOG=1')]);
  t.equal(n.pid, pid, 'the same sender');
  n.close();
  while (alive(pid)) await sleep(20);
  t.pass('it leaves when closed');
});

t.test('a host under systemd pings its watchdog without a process per ping; the sender dies with the host', async (t) => {
  const sock = await notifySocket(t);
  const heartbeat = join(import.meta.dirname, '../src/heartbeat.ts');
  const host: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `const h = (await import(${JSON.stringify(heartbeat)})).startHeartbeat(); h.ready(); setInterval(() => {}, 1000);`],
    // WATCHDOG_USEC 2 s: a ping every second
    { env: { ...process.env, NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '2000000' }, stdio: 'ignore' },
  );
  t.teardown(() => host.kill('SIGKILL'));
  while (!sock.got.includes('READY=1')) await sleep(20);
  const sender = children(host.pid!);
  t.equal(sender.length, 1, 'one child: the sender');
  const before = sock.got.length;
  await sleep(3500);
  t.ok(sock.got.length - before >= 3, `${sock.got.length - before} WATCHDOG=1 in 3.5 s`);
  t.ok(sock.got.slice(before).every((m) => m === 'WATCHDOG=1'));
  t.same(children(host.pid!), sender, 'still that one child, no other process made');
  host.kill('SIGKILL');
  while (alive(sender[0]!)) await sleep(20);
  t.pass('the sender left with its host');
});
