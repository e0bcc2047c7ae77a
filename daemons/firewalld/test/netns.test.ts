import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { realNft } from '../src/nft.js';
import { parseSetRules } from '../src/ruleset.js';
import { testFirewall } from './helpers.js';

/**
 * The firewall for real: a device namespace and a client namespace joined by a veth pair, a TCP
 * server on two ports in the device namespace, and connections from the client namespace.
 */
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const tag = randomBytes(3).toString('hex');
const DEV = `bfw-dev-${tag}`;
const CLI = `bfw-cli-${tag}`;
const net = `10.${200 + (parseInt(tag.slice(0, 2), 16) % 50)}.${parseInt(tag.slice(2, 4), 16)}`;
const DEV_IP = `${net}.1`;
const CLI_IP = `${net}.2`;

function makeNamespaces(t: { teardown(fn: () => void): void }): void {
  t.teardown(() => {
    for (const ns of [DEV, CLI]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
  });
  ip('netns', 'add', DEV);
  ip('netns', 'add', CLI);
  ip('link', 'add', `vd${tag}`, 'netns', DEV, 'type', 'veth', 'peer', 'name', `vc${tag}`, 'netns', CLI);
  for (const [ns, dev, addr] of [[DEV, `vd${tag}`, DEV_IP], [CLI, `vc${tag}`, CLI_IP]] as const) {
    ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev);
    ip('-n', ns, 'link', 'set', dev, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }
}

const SERVER = `const net = require('node:net'); let n = 0; for (const p of [8080, 8081]) net.createServer((s) => s.end('hi')).listen(p, () => ++n === 2 && console.log('ready'));`;

async function startServer(t: { teardown(fn: () => void): void }): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', DEV, process.execPath, '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill());
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

/** Connections from the client namespace, one after another: true for each that got the server's answer within 700 ms. */
function connect(ports: number[]): boolean[] {
  const code = `const net = require('node:net'); (async () => { const out = []; for (const p of ${JSON.stringify(ports)}) out.push(await new Promise((r) => { const s = net.connect(p, '${DEV_IP}'); const t = setTimeout(() => (s.destroy(), r(false)), 700); s.on('data', () => (clearTimeout(t), s.destroy(), r(true))); s.on('error', () => (clearTimeout(t), r(false))); })); console.log(JSON.stringify(out)); })();`;
  return JSON.parse(execFileSync('ip', ['netns', 'exec', CLI, process.execPath, '-e', code]).toString()) as boolean[];
}

const who = { user: 'root', via: 'rest' };
const rules = (r: unknown[], defaultPolicy: 'ACCEPT' | 'DROP') => parseSetRules({ rules: r, defaultPolicy }).set;

t.test('in the device namespace: allowed passes, dropped does not, LIMIT limits, a test rolls back by itself', async (t) => {
  const hostBefore = execFileSync('nft', ['list', 'ruleset']).toString();
  makeNamespaces(t);
  await startServer(t);
  const f = await testFirewall(t, { nft: realNft({ kind: 'netns', name: DEV }) });
  t.same(connect([8080, 8081]), [true, true], 'no firewall: both ports answer');

  await f.fw.setActivated(true, who);
  await f.fw.setRules(rules([{ ruleType: 'FILTER', ip: `${CLI_IP}/32`, tcpPort: 8080, filter: { policy: 'ACCEPT' } }], 'DROP'), 0, who);
  t.match(ip('netns', 'exec', DEV, 'nft', 'list', 'table', 'inet', 'belfry'), /policy drop;/, 'the table is in the device namespace');
  t.same(connect([8080, 8081]), [true, false], 'the accepted port answers, the rest is dropped');

  await f.fw.setRules(rules([{ ruleType: 'LIMIT', tcpPort: 8081, limit: { amount: 2, period: 'MINUTE', unit: 'NEWCONNECTIONS', burst: 2 } }], 'ACCEPT'), 0, who);
  t.same(connect([8081, 8081, 8081, 8081]), [true, true, false, false], 'two new connections a minute (burst 2): the third and fourth dropped');
  t.same(connect([8080]), [true], 'another port is not limited');

  await f.fw.setRules(rules([], 'DROP'), 2, who);
  t.same(connect([8080]), [false], 'under test: DROP everything');
  await new Promise((r) => setTimeout(r, 2300));
  t.equal(f.fw.view().testTimeLeft, 0);
  t.same(connect([8080, 8081]), [true, true], 'rolled back after the fallback time: the LIMIT set again (a new table: its counter starts afresh)');

  await f.fw.setActivated(false, who);
  t.throws(() => ip('netns', 'exec', DEV, 'nft', 'list', 'table', 'inet', 'belfry'), 'deactivated: the table is gone');
  t.equal(execFileSync('nft', ['list', 'ruleset']).toString(), hostBefore, "the machine's own ruleset never changed");
});
