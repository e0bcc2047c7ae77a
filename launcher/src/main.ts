import { prettyLogsOnTty, prettyPrinter } from '@belfry/core';
import { USAGE, parseArgs, type Args } from './args.js';
import { Launcher } from './launcher.js';

/** `launcher [options]` — starts one simulated device (see `USAGE` in args.ts, or `--help`). */
let args: Args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`launcher: ${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
await prettyLogsOnTty();
const launcher = new Launcher({ ...args, pretty: process.stdout.isTTY ? await prettyPrinter() : undefined });
const stop = () => void launcher.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// the terminal closed
process.on('SIGHUP', stop);
// a test harness that dies (a tap timeout kills it with SIGKILL) cannot stop its device: with this
// set the device stops when the harness's end of the stdin pipe closes, whatever killed it
if (process.env.BELFRY_STOP_WITH_STDIN === '1') {
  process.stdin.on('end', stop).on('error', stop).resume();
}
try {
  await launcher.start();
} catch (err) {
  process.stderr.write(`belfry: start failed: ${(err as Error).message}\n`);
  await launcher.stop();
  process.exit(1);
}
