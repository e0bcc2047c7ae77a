import t from 'tap';
import { createSocket } from 'node:dgram';
import { freePorts } from '@belfry/core/testing';
import { Discovery } from '../src/discovery.js';
import { config, MSEARCH } from './fixtures.js';

t.test('a protocol whose port is taken (not shared) is one warning; the others still run', async (t) => {
  const [wsd, ssdp, mdns] = (await freePorts(3)) as [number, number, number];
  const squatter = createSocket({ type: 'udp4', reuseAddr: false });
  await new Promise<void>((r) => squatter.bind(wsd, () => r()));
  t.teardown(() => squatter.close());
  const warnings: string[] = [];
  const log = { warn: (_o: object, m: string) => void warnings.push(m), debug: () => undefined };
  const d = new Discovery(config({ bonjour: false }, { ifaces: [{ name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' }], ports: { wsd, ssdp, mdns } }), log);
  await d.start();
  t.teardown(() => d.stop());
  t.same(warnings, [`WS-Discovery cannot listen on UDP ${wsd}; the other discovery protocols run`], 'said once, with the port');
  const answers = await new Promise<string[]>((resolve) => {
    const s = createSocket('udp4');
    const got: string[] = [];
    s.on('message', (m) => got.push(m.toString()));
    s.bind(0, '127.0.0.1', () => s.send(MSEARCH('upnp:rootdevice'), ssdp, '127.0.0.1'));
    setTimeout(() => s.close(() => resolve(got)), 800);
  });
  t.equal(answers.length, 1, 'SSDP answers');
  t.match(answers[0], 'ST: upnp:rootdevice\r\n');
});
