// Runs discoveryd's protocol services (no bus) in a network namespace for the namespace tests:
// config JSON as argv[2]; stdin lines `settings <json>` update the settings, `ifaces <json>` the
// interfaces (an address change), `stats` prints the
// counters; SIGTERM stops (Bye, byebye, goodbye) and exits.
import { createInterface } from 'node:readline';
import type { DiscoveryConfig } from '../../src/config.js';
import { Discovery } from '../../src/discovery.js';

const cfg = JSON.parse(process.argv[2]!) as DiscoveryConfig;
const log = { warn: (o: object, m: string) => console.error('warn', m, JSON.stringify(o)), debug: () => undefined };
const d = new Discovery(cfg, log);
await d.start();
console.log('ready');
createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...rest] = line.split(' ');
  if (cmd === 'settings') {
    const next = { ...d.config, settings: { ...d.config.settings, ...JSON.parse(rest.join(' ')) } };
    void d.update(next).then(() => console.log('updated'));
  } else if (cmd === 'ifaces') {
    void d.update({ ...d.config, ifaces: JSON.parse(rest.join(' ')) }).then(() => console.log('updated'));
  } else if (cmd === 'stats') {
    console.log('stats ' + JSON.stringify({ wsd: d.wsd.answered, wsdDropped: d.wsd.limit.dropped, ssdp: d.ssdp.answered, published: d.mdns.published() }));
  }
});
process.on('SIGTERM', () => {
  void d.stop().then(() => {
    console.log('stopped');
    process.exit(0);
  });
});
