import t from 'tap';
import { globalAgent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { LIMITS } from '../src/server.js';
import { startDevice, type Device } from './device.js';
import { ADMIN } from './cgi-helpers.js';
import { digestAuth, freshNonce } from './auth-helpers.js';

/**
 * Connection slots under attack (issue 9 item 8): per-address limit, reserved slots for
 * authenticated requests, maxConnections, and a bounded slowloris run. The device listens on
 * 127.0.0.1; clients pick their source address in 127.0.0.0/8 (all loopback on Linux).
 */

const LIST = '/axis-cgi/param.cgi?action=list&group=Brand.ProdNbr';

interface Conn {
  sock: Socket;
  /** the status of the first answer, 0 when the connection closed without one */
  status: number;
  headers: string;
}

/** Opens a keep-alive connection from `from`, sends one request, waits for the answer's head (the connection stays open). */
function open(d: Device, from: string, socks: Socket[], headers = ''): Promise<Conn> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port: d.httpPort, localAddress: from });
    socks.push(sock);
    let data = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const head = data.slice(0, data.indexOf('\r\n\r\n'));
      resolve({ sock, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head });
    };
    sock.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      if (data.includes('\r\n\r\n')) finish();
    });
    sock.on('close', finish);
    sock.on('error', () => undefined);
    sock.write(`GET ${LIST} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`);
  });
}

/** Sends another request on an open connection and waits for its answer's status. */
function again(c: Conn, headers = ''): Promise<number> {
  return new Promise((resolve) => {
    let data = '';
    const onData = (b: Buffer) => {
      data += b.toString('latin1');
      if (!data.includes('\r\n\r\n')) return;
      c.sock.off('data', onData);
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0));
    };
    c.sock.on('data', onData);
    c.sock.once('close', () => resolve(0));
    c.sock.write(`GET ${LIST} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`);
  });
}

/**
 * Closes the sockets and lets the server see them go: the device runs in this process, so its
 * sockets close within a few turns of the event loop after ours.
 */
async function closeAll(socks: Socket[]): Promise<void> {
  socks.forEach((s) => s.destroy());
  await new Promise((r) => setTimeout(r, 300));
}

/** `count` connections from consecutive addresses `prefix.1`, `prefix.2`, …, at most maxConnectionsPerAddress each. */
function spread(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}.${Math.floor(i / LIMITS.maxConnectionsPerAddress) + 1}`);
}

t.test('connection slots', async (t) => {
  const d = await startDevice(t);
  await d.addAdmin(ADMIN.user, ADMIN.pw);
  const nonce = await freshNonce(d, LIST.replace('list', 'update'));
  let nc = 0;
  const auth = () => `Authorization: ${digestAuth({ user: ADMIN.user, password: ADMIN.pw, realm: nonce.realm, nonce: nonce.nonce, method: 'GET', uri: LIST, nc: ++nc })}\r\n`;

  t.test('maxConnectionsPerAddress: one address holds that many, no more', async (t) => {
    const socks: Socket[] = [];
    t.teardown(() => closeAll(socks));
    const at = await Promise.all(Array.from({ length: LIMITS.maxConnectionsPerAddress }, () => open(d, '127.0.0.3', socks)));
    t.same(at.map((c) => c.status), at.map(() => 200), `${LIMITS.maxConnectionsPerAddress} connections from 127.0.0.3 served`);
    const over = await open(d, '127.0.0.3', socks);
    t.equal(over.status, 0, `connection ${LIMITS.maxConnectionsPerAddress + 1} from the same address is closed unanswered`);
    t.equal((await open(d, '127.0.0.4', socks)).status, 200, 'another address is served meanwhile');
    await closeAll([at[0]!.sock]);
    t.equal((await open(d, '127.0.0.3', socks)).status, 200, 'after one closes, the address gets a slot again');
  });

  t.test('reservedConnections and maxConnections: the last slots are for credentials', async (t) => {
    // the set-up's keep-alive sockets (Node's global agent keeps them) hold slots too
    globalAgent.destroy();
    await closeAll([]);
    const socks: Socket[] = [];
    t.teardown(() => closeAll(socks));
    const free = LIMITS.maxConnections - LIMITS.reservedConnections;
    const anon = await Promise.all(spread('127.0.1', free).map((a) => open(d, a, socks)));
    t.same(anon.map((c) => c.status).filter((s) => s !== 200), [], `${free} anonymous connections from many addresses served`);
    // the next one sits on a reserved slot: anonymous gets the challenge, on a connection it may answer on
    const probe = await open(d, '127.0.2.1', socks);
    t.equal(probe.status, 401, 'an anonymous request on a reserved slot is challenged');
    t.match(probe.headers, /\r\nWWW-Authenticate: Digest /i);
    t.equal(await again(probe, auth()), 200, 'and the same connection, authenticated, is served');
    t.equal(await again(probe), 200, 'after which it is an ordinary connection');
    await new Promise((r) => setTimeout(r, LIMITS.reservedAdmitMs + 1000));
    t.equal(await again(probe), 200, 'and keeps its slot past reservedAdmitMs');
    const managers = await Promise.all(spread('127.0.3', LIMITS.reservedConnections - 1).map((a) => open(d, a, socks, auth())));
    t.equal(managers.filter((c) => c.status === 200).length, LIMITS.reservedConnections - 1, 'the other reserved slots serve authenticated requests');
    const full = await open(d, '127.0.4.1', socks, auth());
    t.equal(full.status, 0, `connection ${LIMITS.maxConnections + 1} is closed unanswered, even with credentials`);
    const https = await d.req('GET', LIST, { https: true });
    t.equal(https.status, 200, 'HTTPS has its own slots');
  });

  t.test('reservedAdmitMs: a reserved slot that never authenticates is closed', async (t) => {
    const socks: Socket[] = [];
    t.teardown(() => closeAll(socks));
    const free = LIMITS.maxConnections - LIMITS.reservedConnections;
    await Promise.all(spread('127.0.5', free).map((a) => open(d, a, socks)));
    const idle = await open(d, '127.0.6.1', socks);
    t.equal(idle.status, 401);
    const closed = await new Promise<boolean>((r) => {
      const guard = setTimeout(() => r(false), LIMITS.reservedAdmitMs + 5000);
      idle.sock.once('close', () => {
        clearTimeout(guard);
        r(true);
      });
    });
    t.ok(closed, 'the server closed it');
  });

  t.test('slowloris: 300 slow sockets from one address, legitimate clients from another', async (t) => {
    const socks: Socket[] = [];
    let running = true;
    let reconnects = 0;
    // each attacker socket sends a request line and then one header line a second, forever; a
    // closed one is opened again at once (the attack keeps its pressure)
    const attacker = () => {
      if (!running) return;
      const s = connect({ host: '127.0.0.1', port: d.httpPort, localAddress: '127.0.0.1' });
      socks.push(s);
      s.on('error', () => undefined);
      s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      const iv = setInterval(() => s.writable && s.write(`X-${Math.random()}: y\r\n`), 1000);
      s.on('close', () => {
        clearInterval(iv);
        reconnects++;
        setTimeout(attacker, 1000);
      });
    };
    t.teardown(() => {
      running = false;
      return closeAll(socks);
    });
    for (let i = 0; i < 300; i++) attacker();
    // legitimate clients: 20 requests, one after the other, each on a new connection, while the attack
    // goes on for at least a header timeout (so attacker sockets are cut and come back meanwhile)
    const statuses: number[] = [];
    const until = Date.now() + LIMITS.headersTimeoutMs + 2000;
    for (let i = 0; i < 20 || Date.now() < until; i++) {
      const c = await open(d, '127.0.0.2', socks, 'Connection: close\r\n');
      statuses.push(c.status);
      await new Promise((r) => setTimeout(r, 100));
    }
    t.ok(reconnects > 0, `the attack went on (${reconnects} attacker connections closed and reopened)`);
    t.same(statuses.filter((s) => s !== 200), [], `all ${statuses.length} legitimate requests served (failed: ${statuses.filter((s) => s !== 200).length})`);
  });
});
