// discoveryd on a device started with `--only paramd,boardd,httpd,discoveryd`, serving loopback on
// ports of its own with no answer delay (BELFRY_DISCOVERY_REPLY_DELAY_MS=0):
//   node --import tsx bench/discovery-bench.ts <wsdPort> <ssdpPort> <discoverydPid> [json options]
// Probe → ProbeMatch and M-SEARCH → answer latency, one at a time and paced under the per-sender rate
// limit (4/s after a burst of 8); then a flood of probes as fast as one socket sends them: answers,
// discoveryd's CPU time and memory after. Prints one JSON document on stdout.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { latency, round } from './stats.mjs';

const [wsdArg, ssdpArg, pidArg, optsJson] = process.argv.slice(2) as [string, string, string, string | undefined];
const [wsdPort, ssdpPort, pid] = [Number(wsdArg), Number(ssdpArg), Number(pidArg)];
const opts = JSON.parse(optsJson ?? '{}') as { probes?: number; paceMs?: number; flood?: number };
const PROBES = opts.probes ?? 40;
const PACE_MS = opts.paceMs ?? 260;
const FLOOD = opts.flood ?? 5000;

const probe = (id: string) =>
  '<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><Header>' +
  `<wsa:MessageID xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">${id}</wsa:MessageID>` +
  '<wsa:Action xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>' +
  '</Header><Body><Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery"><Types>dn:NetworkVideoTransmitter</Types><Scopes /></Probe></Body></Envelope>';
const msearch = 'M-SEARCH * HTTP/1.1\r\nHOST: 127.0.0.1:1900\r\nMAN: "ssdp:discover"\r\nST: urn:axis-com:service:BasicService:1\r\n\r\n';

function memory() {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const mb = (f: string) => round(Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024, 1);
  return { rssMB: mb('Rss'), pssMB: mb('Pss'), pssAnonMB: mb('Pss_Anon') };
}
function cpuMs(): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

/** One request at a time: send, wait for an answer containing `expect` (1 s at most); ms each. */
async function timed(port: number, make: (i: number) => string, expect: (i: number) => string): Promise<{ ms: number[]; lost: number }> {
  const s = await bound();
  const ms: number[] = [];
  let lost = 0;
  for (let i = 0; i < PROBES; i++) {
    const got = new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(NaN), 1000);
      const on = (m: Buffer) => {
        if (!m.toString().includes(expect(i))) return;
        clearTimeout(timer);
        s.off('message', on);
        resolve(performance.now());
      };
      s.on('message', on);
    });
    const t0 = performance.now();
    s.send(make(i), port, '127.0.0.1');
    const t1 = await got;
    if (Number.isNaN(t1)) lost++;
    else ms.push(t1 - t0);
    await sleep(PACE_MS);
  }
  s.close();
  return { ms, lost };
}

// discoveryd is not required for systemready: wait until it answers
for (let i = 0; ; i++) {
  const s = await bound();
  const ok = new Promise<boolean>((r) => {
    s.once('message', () => r(true));
    setTimeout(() => r(false), 300);
  });
  s.send(msearch, ssdpPort, '127.0.0.1');
  const answered = await ok;
  s.close();
  if (answered) break;
  if (i > 30) throw new Error('discoveryd never answered');
}
await sleep(2500); // the rate-limit buckets refill
const memAtStart = memory();
const wsd = await timed(wsdPort, (i) => probe(`urn:uuid:bench-${i}`), (i) => `urn:uuid:bench-${i}<`);
const ssdp = await timed(ssdpPort, () => msearch, () => 'urn:axis-com:service:BasicService:1');
await sleep(2500); // the rate-limit buckets refill

const s = await bound();
let answers = 0;
s.on('message', () => answers++);
const cpu0 = cpuMs();
const t0 = performance.now();
for (let i = 0; i < FLOOD; i++) await new Promise((r) => s.send(probe(`urn:uuid:flood-${i}`), wsdPort, '127.0.0.1', r));
const floodMs = performance.now() - t0;
await sleep(1000);
const cpu = cpuMs() - cpu0;
s.close();
process.stdout.write(
  JSON.stringify({
    probeToMatch: { ...latency(wsd.ms), lost: wsd.lost },
    msearchToAnswer: { ...latency(ssdp.ms), lost: ssdp.lost },
    flood: { probes: FLOOD, sentInMs: round(floodMs, 0), answers, cpuMs: cpu, cpuUsPerProbe: round((cpu * 1000) / FLOOD, 1) },
    memory: { atStart: memAtStart, afterFlood: memory() },
  }) + '\n',
);
process.exit(0);
