import t from 'tap';
import type { NetworkInterfaceInfo } from 'node:os';
import { ifaceChoice, ifaceFor, ifacesKey, onIface, pickIfaces } from '../src/interfaces.js';

const v4 = (address: string, netmask: string, internal = false) => ({ address, netmask, family: 'IPv4', internal, mac: '02:00:00:00:00:01', cidr: null }) as NetworkInterfaceInfo;
const OS = {
  lo: [v4('127.0.0.1', '255.0.0.0', true)],
  eth0: [v4('192.168.1.50', '255.255.255.0'), v4('169.254.10.20', '255.255.0.0')],
  wlan0: [v4('10.0.0.5', '255.255.0.0')],
  ll0: [v4('169.254.3.3', '255.255.0.0')],
  v6: [{ address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', internal: false, mac: '', cidr: null, scopeid: 1 } as NetworkInterfaceInfo],
};

t.test('the choice: none on the simulated board unless named, all on a real one', async (t) => {
  t.same(ifaceChoice(undefined, 'sim'), { kind: 'none' });
  t.same(ifaceChoice('', 'rpi'), { kind: 'all' });
  t.same(ifaceChoice('all', 'sim'), { kind: 'all' });
  t.same(ifaceChoice('none', 'rpi'), { kind: 'none' });
  t.same(ifaceChoice(' eth0, wlan0 ,', 'sim'), { kind: 'named', names: ['eth0', 'wlan0'] });
});

t.test('interfaces with a routable IPv4, the link-local one beside it; loopback only when named', async (t) => {
  t.same(pickIfaces({ kind: 'all' }, OS), [
    { name: 'eth0', address: '192.168.1.50', netmask: '255.255.255.0', linkLocal: '169.254.10.20' },
    { name: 'wlan0', address: '10.0.0.5', netmask: '255.255.0.0' },
  ]);
  t.same(pickIfaces({ kind: 'named', names: ['lo', 'v6', 'll0'] }, OS), [{ name: 'lo', address: '127.0.0.1', netmask: '255.0.0.0' }], 'no IPv6-only or link-local-only interface');
  t.same(pickIfaces({ kind: 'none' }, OS), []);
  t.not(ifacesKey(pickIfaces({ kind: 'all' }, OS)), ifacesKey(pickIfaces({ kind: 'all' }, { ...OS, wlan0: [v4('10.0.0.6', '255.255.0.0')] })), 'a new address changes the key');
});

t.test('which interface an asker is on: by subnet, link-local to the interface that has one, else the first', async (t) => {
  const ifaces = pickIfaces({ kind: 'all' }, OS);
  t.equal(ifaceFor(ifaces, '10.0.200.1')!.name, 'wlan0');
  t.equal(ifaceFor(ifaces, '192.168.1.7')!.name, 'eth0');
  t.equal(ifaceFor(ifaces, '169.254.99.1')!.name, 'eth0');
  t.equal(ifaceFor(ifaces, '8.8.8.8')!.name, 'eth0', 'off-subnet: the first');
  t.notOk(onIface(ifaces[1]!, '169.254.99.1'), 'no link-local on wlan0');
  t.notOk(onIface(ifaces[0]!, 'fe80::1'));
  t.equal(ifaceFor([], '1.2.3.4'), undefined);
});
