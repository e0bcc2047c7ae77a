// The clients the namespace tests run, one per invocation: `node clients.cjs <what> [args]`.
import dgram from 'node:dgram';
import onvif from 'onvif';
import nodeOnvif from 'node-onvif';
import makeMdns from 'multicast-dns';
const what = process.argv[2];
const out = (x) => {
  console.log(JSON.stringify(x));
  process.exit(0);
};

if (what === 'onvif') {
  // onvif 0.8.3's own discovery (as HA-style tools and OV-based VMS scripts call it)
  onvif.Discovery.probe({ timeout: 2500 }, (err, cams) => out((cams || []).map((c) => ({ hostname: c.hostname, port: String(c.port), path: c.path, urn: c.urn, xaddrs: c.xaddrs.map(String) }))));
} else if (what === 'node-onvif') {
  nodeOnvif.startProbe().then(out, (e) => out({ error: String(e) }));
} else if (what === 'msearch') {
  const st = process.argv[3];
  const s = dgram.createSocket('udp4');
  const got = [];
  s.on('message', (m, r) => got.push({ from: r.address, text: m.toString() }));
  s.bind(() => s.send(`M-SEARCH * HTTP/1.1\r\nHost:239.255.255.250:1900\r\nST:${st}\r\nMan:"ssdp:discover"\r\nMX:1\r\n\r\n`, 1900, '239.255.255.250'));
  setTimeout(() => out(got), 1500);
} else if (what === 'mdns') {
  // multicast-dns as a client (port 5353, the group): PTR _axis-video._tcp until an answer
  const m = makeMdns({ loopback: false });
  const ask = () => m.query({ questions: [{ name: '_axis-video._tcp.local', type: 'PTR' }] });
  m.on('response', (p, r) => {
    if (!p.answers.some((a) => a.name === '_axis-video._tcp.local')) return;
    out({ from: r.address, records: [...p.answers, ...p.additionals].map((a) => ({ name: a.name, type: a.type, data: Buffer.isBuffer(a.data) ? a.data.toString() : Array.isArray(a.data) ? a.data.map(String) : a.data })) });
  });
  ask();
  setInterval(ask, 500);
  setTimeout(() => out(null), 6000);
} else if (what === 'bad') {
  // bad input: malformed, 64 KB, huge SSDP header; then a probe flood; counts the answers
  const [dev, probe] = [process.argv[3], process.argv[4]];
  const s = dgram.createSocket('udp4');
  let answers = 0;
  s.on('message', () => answers++);
  s.bind(async () => {
    const send = (buf, port, to = dev) => new Promise((r) => s.send(buf, port, to, r));
    await send(Buffer.from('<Envelope><Body><Probe>'), 3702);
    await send(Buffer.alloc(65000, 0x3c), 3702);
    await send(Buffer.from(`M-SEARCH * HTTP/1.1\r\nMAN: "ssdp:discover"\r\nST: ssdp:all\r\nMX: 1\r\nUSER-AGENT: ${'x'.repeat(60000)}\r\n\r\n`), 1900);
    await new Promise((r) => setTimeout(r, 1200));
    const quiet = answers;
    for (let i = 0; i < 200; i++) await send(Buffer.from(probe.replace('MSGID', `urn:uuid:flood-${i}`)), 3702, '239.255.255.250');
    setTimeout(() => out({ quiet, flood: answers - quiet }), 1500);
  });
}

if (what === 'squat') {
  // another host already using an instance name: answers every query that asks for it
  const name = process.argv[3];
  const m = makeMdns({ loopback: false });
  m.on('query', (q) => {
    if (!q.questions.some((x) => x.name.toLowerCase() === name.toLowerCase())) return;
    m.respond({ answers: [{ name, type: 'SRV', ttl: 120, flush: true, data: { port: 80, target: 'squatter.local' } }] });
    console.log('claimed');
  });
  m.on('ready', () => console.log('squatting'));
}
