import { BelfryError } from '@belfry/core';
import type { StartPart } from '../part.js';
import { systemClock, type Clock } from '../schedules/clock.js';
import { triggerApiHandlers } from './api.js';
import { inputCgiHandlers } from './cgi.js';
import { INPUT_EVENTS, PORTS, VIRTUAL_INPUT, VIRTUAL_PORT } from './events.js';
import { ManualTriggers } from './manual-trigger.js';
import { publishSystemReady } from './system-ready.js';
import { MAX_DURATION_S, PortStates } from './virtual-inputs.js';

/**
 * The inputs part: virtual inputs 1–32 (`VirtualInput`, their CGIs, `shared.virtualInputs` for the
 * SOAP ChangeVirtualInputState), manual triggers 1–32 (`VirtualPort`, `io/virtualinput.cgi` and the
 * JSON API), and the SystemReady event. Every instance is Initialized inactive at start. `clock` is
 * for tests.
 */
export function inputsPart(clock: Clock = systemClock): StartPart {
  return async ({ ctx, shared }) => {
    ctx.events.declare(INPUT_EVENTS);
    const inputs = new PortStates(clock, (port, active) => ctx.events.setState(VIRTUAL_INPUT, { port }, { active }));
    const triggers = new ManualTriggers(
      clock,
      new PortStates(clock, (port, state) => ctx.events.setState(VIRTUAL_PORT, { port }, { state })),
    );
    inputs.init();
    triggers.ports.init();
    shared.virtualInputs = {
      set: (port, active, durationS) => {
        if (!Number.isInteger(port) || port < 1 || port > PORTS) throw new BelfryError('invalid_argument', `virtual input ${port} does not exist (1–${PORTS})`);
        if (durationS !== undefined && !(Number.isInteger(durationS) && durationS >= 0 && durationS <= MAX_DURATION_S)) throw new BelfryError('invalid_argument', `duration is 0–${MAX_DURATION_S} seconds`);
        return inputs.set(port, active, durationS);
      },
    };
    const unwatch = await publishSystemReady(ctx);
    return {
      handlers: { ...inputCgiHandlers(inputs, triggers), ...triggerApiHandlers(triggers, inputs) },
      async stop() {
        await unwatch();
        triggers.stop();
        inputs.stop();
      },
    };
  };
}
