import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The network host loads the large parsers of features that are off only once they are turned on
 * (bench/README.md, "Round 3"): sip.js until SIP.Enabled=yes, multicast-dns until discoveryd serves
 * an interface, mqtt.js's client with its transports until mqttd has a broker to connect to (the bus
 * client in core loads only `mqtt/lib/client`). Checked on the module graph a fresh process resolves when it imports a daemon.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Every URL a fresh Node process resolves while importing `file` (a module hook logs them). */
function resolvedBy(file: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'belfry-lazy-'));
  try {
    const log = join(dir, 'resolved');
    writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify('file://' + join(dir, 'hooks.mjs'))});\n`);
    execFileSync(process.execPath, ['--import', 'tsx', '--import', join(dir, 'register.mjs'), '--input-type=module', '-e', `await import(${JSON.stringify(join(repo, file))});`], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const has = (urls: string[], pkg: string) => urls.some((u) => u.includes(`/node_modules/${pkg}/`));

t.test('sipd loads sip.js only with SIP enabled', async (t) => {
  const main = resolvedBy('daemons/sipd/src/main.ts');
  t.ok(main.length > 100, `${main.length} modules resolved for sipd's main`);
  t.notOk(has(main, 'sip.js'), "sipd's main does not load sip.js");
  t.ok(has(resolvedBy('daemons/sipd/src/service.ts'), 'sip.js'), 'its SIP side does (what SIP.Enabled=yes loads)');
});

t.test('discoveryd loads multicast-dns only to serve an interface', async (t) => {
  t.notOk(has(resolvedBy('daemons/discoveryd/src/main.ts'), 'multicast-dns'), "discoveryd's main does not load multicast-dns");
});

t.test("mqttd loads mqtt.js's client and transports only for a broker connection", async (t) => {
  const entry = (urls: string[]) => urls.some((u) => u.endsWith('/node_modules/mqtt/build/index.js'));
  t.notOk(entry(resolvedBy('daemons/mqttd/src/main.ts')), "mqttd's main does not load mqtt.js's entry");
  t.ok(entry(resolvedBy('daemons/mqttd/src/connection.ts')), 'its connection does');
});
