// Listens to the WS-Discovery, SSDP and mDNS groups on the given address's interface and prints
// every datagram as a JSON line (mDNS as base64).
import dgram from 'node:dgram';
for (const [port, group] of [[3702, '239.255.255.250'], [5353, '224.0.0.251'], [1900, '239.255.255.250']]) {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  s.on('message', (m, r) => console.log(JSON.stringify({ port, from: r.address, text: port === 5353 ? m.toString('base64') : m.toString() })));
  s.bind(port, () => {
    s.addMembership(group, process.argv[2]);
    if (port === 1900) console.log('watching');
  });
}
