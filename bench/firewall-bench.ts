// firewalld's engine in process, applying with the real nft inside a network namespace this bench
// makes (and deletes):   node --import tsx bench/firewall-bench.ts [json options]
// For 1, 64 and 256 rules: the time of `setRules` applied without a test (check, save, apply) and
// of a test's rollback (`clearPendingRules`: check, save, apply of the previous set), each the
// median of `rounds`. Prints one JSON document on stdout.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '@belfry/core';
import { Firewall } from '../daemons/firewalld/src/firewall.js';
import { realNft } from '../daemons/firewalld/src/nft.js';
import { parseSetRules } from '../daemons/firewalld/src/ruleset.js';
import { latency } from './stats.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}') as { rounds?: number };
const ROUNDS = opts.rounds ?? 15;
const ns = `bfw-bench-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'fw-bench-'));
const who = { user: 'bench', via: 'bench' };

function rules(n: number) {
  const list = Array.from({ length: n }, (_, i) =>
    i % 4 === 3
      ? { ruleType: 'LIMIT', tcpPort: 2000 + i, limit: { amount: 10, period: 'SECOND', unit: 'NEWCONNECTIONS', burst: 5 } }
      : { ruleType: 'FILTER', ip: `10.${i >> 8}.${i & 255}.0/24`, ...(i % 2 ? { udpPort: 1000 + i } : { tcpPort: 1000 + i }), filter: { policy: i % 3 ? 'ACCEPT' : 'DROP' } },
  );
  return parseSetRules({ rules: list, defaultPolicy: 'DROP' }).set;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const s = performance.now();
  await fn();
  return performance.now() - s;
}

execFileSync('ip', ['netns', 'add', ns]);
try {
  const fw = new Firewall({ dir, nft: realNft({ kind: 'netns', name: ns }), audit: new AuditLog(join(dir, 'log'), 'firewalld'), legacy: () => ({ enabled: false, policy: 'allow', addresses: [], log: false }) });
  await fw.open();
  await fw.setActivated(true, who);
  const out: Record<string, unknown> = {};
  for (const n of [1, 64, 256]) {
    const set = rules(n);
    const apply: number[] = [];
    const rollback: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await fw.setRules(rules(0), 0, who);
      apply.push(await timed(() => fw.setRules(set, 0, who)));
      await fw.setRules(rules(0), 0, who);
      await fw.setRules(set, 60, who);
      rollback.push(await timed(() => fw.clearPending(who)));
    }
    out[`rules${n}`] = { apply: latency(apply), rollback: latency(rollback) };
  }
  fw.stop();
  process.stdout.write(JSON.stringify({ rounds: ROUNDS, ...out }) + '\n');
} finally {
  execFileSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}
