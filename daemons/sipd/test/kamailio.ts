import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * kamailio as registrar and proxy on its own loopback address, from a config generated here:
 * REGISTER is saved in memory (usrloc), other requests are looked up and relayed (record-routed,
 * so in-dialog requests come through it too).
 */
export function kamailioConfig(address: string): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
disable_tcp=yes
auto_aliases=no
listen=udp:${address}:5060
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
modparam("usrloc", "db_mode", 0)
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("REGISTER")) { save("location"); exit; }
  if (is_method("INVITE")) { record_route(); }
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
`;
}

export interface Kamailio {
  proc: ChildProcess;
  out: () => string;
  stop(): Promise<void>;
}

export async function startKamailio(address: string): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-kamailio-'));
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, kamailioConfig(address));
  const proc = spawn('kamailio', ['-f', cfg, '-DD', '-E', '-m', '16', '-M', '4', '-Y', dir, '-P', join(dir, 'pid'), '-w', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const add = (d: Buffer) => void ((out += d.toString()).length > 100_000 && (out = out.slice(-50_000)));
  proc.stdout.on('data', add);
  proc.stderr.on('data', add);
  const end = Date.now() + 10_000;
  while (!/INFO: .*(init_child|main_loop|listening on)|udp: ${address}/.test(out) && Date.now() < end && proc.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  if (proc.exitCode !== null) throw new Error(`kamailio exited: ${out.slice(-2000)}`);
  await new Promise((r) => setTimeout(r, 300));
  return {
    proc,
    out: () => out,
    async stop() {
      if (proc.exitCode === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
