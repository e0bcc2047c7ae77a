import { execFileSync } from 'node:child_process';
import { chownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsFile, devicePaths } from '@belfry/core';
import { writeBrokerFiles } from '@belfry/core';
import { EXTRA_BUS_USERS, HOSTS, SERVICES } from '@belfry/core';

/**
 * `bus-setup --root / [--device]`: writes the bus credentials (first boot only), password file, ACL
 * and broker config. The systemd bus unit runs it before mosquitto; with `--device` each daemon's
 * credentials file is given to the user of its host (`HOSTS`) and the broker files to `mosquitto`.
 */
const argv = process.argv.slice(2);
const root = argv.includes('--root') ? argv[argv.indexOf('--root') + 1]! : '/';
const paths = devicePaths(root);
writeBrokerFiles(paths, SERVICES.map((s) => s.name), EXTRA_BUS_USERS);
if (argv.includes('--device')) {
  const uid = (u: string) => Number(execFileSync('id', ['-u', u]).toString().trim());
  const gid = (u: string) => Number(execFileSync('id', ['-g', u]).toString().trim());
  // a daemon's credentials belong to the user of the host that runs it
  for (const h of HOSTS) for (const d of h.daemons) chownSync(credentialsFile(paths, d), uid(`belfry-${h.name}`), gid(`belfry-${h.name}`));
  const busDir = join(paths.run, 'bus');
  for (const f of readdirSync(busDir)) chownSync(join(busDir, f), uid('mosquitto'), gid('mosquitto'));
}
