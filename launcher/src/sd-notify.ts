import { execFile, spawn, type ChildProcess } from 'node:child_process';

/**
 * sd_notify(3) without a process per message. Node has no Unix datagram socket, and spawning
 * `systemd-notify` for each watchdog ping cost ~8 ms of CPU (fork of a Node process + exec), every
 * 5 s per host: more than everything else an idle host does. One small Perl child per host, alive
 * as long as the host (perl-base is Essential on Debian; its `Socket` module is in it), sends each
 * line it reads as one datagram to `$NOTIFY_SOCKET` (`@` = the abstract namespace). It leaves when
 * its stdin closes, so it dies with the host. The unit's `NotifyAccess=all` lets a child speak.
 * Without perl (not Debian), each message falls back to `systemd-notify`, said once on stderr.
 */
const SENDER = [
  'use Socket;',
  '(my $p = $ENV{NOTIFY_SOCKET}) =~ s/^@/\\0/;',
  'socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\\n";',
  'my $to = pack_sockaddr_un($p);',
  'while (my $l = <STDIN>) { chomp $l; send($s, $l, 0, $to) or warn "sd_notify: $!\\n"; }',
].join(' ');

export interface Notifier {
  /** one sd_notify message, e.g. `READY=1` or `WATCHDOG=1` (no newline in it) */
  send(msg: string): void;
  close(): void;
  /** the sender child's pid (tests: it stays the same process) */
  readonly pid: number | undefined;
}

export function sdNotifier(socket: string, perl = 'perl'): Notifier {
  let child: ChildProcess | undefined = spawn(perl, ['-e', SENDER], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NOTIFY_SOCKET: socket }, stdio: ['pipe', 'ignore', 'inherit'] });
  const fallBack = (why: string) => {
    if (!child) return;
    child = undefined;
    process.stderr.write(`sd_notify: ${why}; using systemd-notify per message\n`);
  };
  child.once('error', (err) => fallBack(`no ${perl} (${err.message})`));
  child.once('exit', (code) => fallBack(`the sender left (exit ${code})`));
  child.stdin!.on('error', () => undefined);
  // neither the child nor its pipe keeps the host's event loop alive
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
  return {
    send(msg) {
      if (child?.stdin?.writable) child.stdin.write(msg + '\n');
      else execFile('systemd-notify', [msg], { env: { ...process.env, NOTIFY_SOCKET: socket } }, () => undefined);
    },
    close() {
      child?.removeAllListeners('exit');
      child?.stdin?.end();
      child = undefined;
    },
    get pid() {
      return child?.pid;
    },
  };
}
