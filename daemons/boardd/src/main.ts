import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BelfryError, eventDecl, type DaemonModule, type Logger } from '@belfry/core';
import { sim } from '@belfry/board';
import { BOARDD, BOARD_BUTTON, BOARD_SWITCH } from './contract.js';

/**
 * boardd owns the board's drivers: it turns button and switch changes into events, sets LEDs for
 * whoever asks, and on the simulated board runs the bench API and the sound card (its socket
 * announced on `belfry/notify/boardd/soundcard`) and announces the acoustic settings (retained on
 * `belfry/notify/boardd/acoustic`).
 */
export const daemon: DaemonModule = {
  name: 'boardd',
  async start(ctx) {
    const board = ctx.board;
    const drivers = await board.openDrivers();
    const caps = board.capabilities;
    ctx.events.declare(Object.values(BOARDD.events).map(eventDecl));
    for (const b of caps.buttons) ctx.events.setState(BOARD_BUTTON, { name: b }, { pressed: drivers.button(b) });
    for (const s of caps.switches) ctx.events.setState(BOARD_SWITCH, { name: s }, { on: drivers.switchOn(s) });
    const offs = [
      drivers.onButton((name, pressed) => ctx.events.setState(BOARD_BUTTON, { name }, { pressed })),
      drivers.onSwitch((name, on) => ctx.events.setState(BOARD_SWITCH, { name }, { on })),
    ];
    await ctx.serve(BOARDD, {
      state: () => ({
        buttons: Object.fromEntries(caps.buttons.map((b) => [b, drivers.button(b)])),
        switches: Object.fromEntries(caps.switches.map((s) => [s, drivers.switchOn(s)])),
        leds: Object.fromEntries(caps.leds.map((l) => [l.name, drivers.led(l.name)])),
      }),
      setLed: ({ name, color, mode }) => {
        try {
          drivers.setLed(name, { color, mode });
        } catch (err) {
          throw new BelfryError('invalid_argument', (err as Error).message, { name });
        }
        return { ok: true as const };
      },
      getTime: () => ({ utcMs: drivers.now() }),
      setTime: ({ utcMs }) => {
        drivers.setClock(utcMs);
        ctx.audit.write('clock.set', { utc: new Date(utcMs).toISOString() });
        return { utcMs: drivers.now() };
      },
    });
    let bench: InstanceType<typeof sim.Bench> | undefined;
    let card: InstanceType<typeof sim.SimSoundCard> | undefined;
    const urlFile = join(ctx.paths.run, 'bench.url');
    if (drivers instanceof sim.SimDrivers) {
      ctx.announce('acoustic', drivers.acoustic);
      offs.push(drivers.onAcoustic((s) => ctx.announce('acoustic', s)));
      const socket = join(ctx.paths.run, 'sim-audio.sock');
      card = new sim.SimSoundCard(drivers, socket);
      await card.listen();
      ctx.announce('soundcard', { socket });
      ctx.log.info({ socket }, 'sound card listening');
      bench = new sim.Bench(drivers, card);
      const url = await listenBench(bench, ctx.paths.root, ctx.log);
      mkdirSync(ctx.paths.run, { recursive: true });
      writeFileSync(urlFile, url + '\n');
      ctx.announce('bench', { url });
      ctx.log.info({ url }, 'bench listening');
    }
    return {
      async stop() {
        for (const off of offs) off();
        await bench?.close();
        await card?.close();
        rmSync(urlFile, { force: true });
        await drivers.close();
      },
    };
  },
};

/**
 * The bench listens on BENCH_PORT, else on a port derived from the root, so its URL stays the same
 * from one start to the next; when that port is taken, on any free one (said in the log).
 */
async function listenBench(bench: InstanceType<typeof sim.Bench>, root: string, log: Logger): Promise<string> {
  const env = process.env.BENCH_PORT;
  const wanted = env !== undefined && /^\d+$/.test(env) ? Number(env) : sim.defaultBenchPort(root);
  try {
    return await bench.listen(wanted);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const url = await bench.listen(0);
    log[env === undefined ? 'info' : 'warn']({ wanted, url }, 'bench port taken; listening on another');
    return url;
  }
}
