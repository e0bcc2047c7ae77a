import { Launcher } from './launcher.js';

/**
 * `launcher [--root DIR] [--together] [--only a,b]` — starts one simulated device. The root defaults
 * to BELFRY_ROOT (or `/` on a device).
 */
const argv = process.argv.slice(2);
let root = process.env.BELFRY_ROOT ?? '/';
let together = false;
let only: string[] | undefined;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--root') root = argv[++i] ?? root;
  else if (a === '--together') together = true;
  else if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
  else {
    process.stderr.write(`unknown argument ${a}\nusage: launcher [--root DIR] [--together] [--only a,b]\n`);
    process.exit(2);
  }
}
const launcher = new Launcher({ root, together, only });
const stop = () => void launcher.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
try {
  await launcher.start();
} catch (err) {
  process.stderr.write(`belfry: start failed: ${(err as Error).message}\n`);
  await launcher.stop();
  process.exit(1);
}
