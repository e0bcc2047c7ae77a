import t from 'tap';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

t.test('certd loads @peculiar/x509 only when it makes a certificate or a CSR', async (t) => {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  // a fresh process: reflect-metadata (imported with @peculiar/x509) would add Reflect.getMetadata
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(main)}); console.log(typeof Reflect.getMetadata);`], { encoding: 'utf8' }).trim();
  t.equal(out, 'undefined', 'not loaded with the daemon');
});
