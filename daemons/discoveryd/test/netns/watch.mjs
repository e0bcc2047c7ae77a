// Listens to the WS-Discovery and SSDP groups on eth0 and prints every datagram as a JSON line.
import dgram from 'node:dgram';
for (const [port, group] of [[3702, '239.255.255.250'], [1900, '239.255.255.250']]) {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  s.on('message', (m, r) => console.log(JSON.stringify({ port, from: r.address, text: m.toString() })));
  s.bind(port, () => {
    s.addMembership(group, process.argv[2]);
    if (port === 1900) console.log('watching');
  });
}
