import { Type } from 'typebox';
import { defineContract } from '@belfry/core/contract';

/**
 * boardd's contract: what other daemons (and later apps) may use of it. Imports only `typebox`, so a
 * caller never loads the board drivers.
 */

/** Internal board events (stateful, one instance per button/switch); eventd decides later which a user sees. */
export const BOARD_BUTTON = 'belfry:Board/Button';
export const BOARD_SWITCH = 'belfry:Board/Switch';

/** The clock can be set between 2000-01-01 and 2037-12-31 (32-bit time on many peers). */
export const CLOCK_MIN_MS = Date.UTC(2000, 0, 1);
export const CLOCK_MAX_MS = Date.UTC(2037, 11, 31, 23, 59, 59);

const LedModeT = Type.Union([Type.Literal('off'), Type.Literal('steady'), Type.Literal('flash')]);
const None = Type.Object({}, { additionalProperties: false });
const Name = Type.Object({ name: Type.String() });

export const BOARDD = defineContract({
  name: 'boardd',
  methods: {
    state: {
      summary: 'buttons, switches and LEDs as the board has them now',
      params: None,
      result: Type.Object({
        buttons: Type.Record(Type.String(), Type.Boolean()),
        switches: Type.Record(Type.String(), Type.Boolean()),
        leds: Type.Record(Type.String(), Type.Object({ color: Type.String(), mode: LedModeT })),
      }),
      callers: 'apps',
    },
    setLed: {
      params: Type.Object({ name: Type.String({ maxLength: 64 }), color: Type.String({ maxLength: 32 }), mode: LedModeT }, { additionalProperties: false }),
      result: Type.Object({ ok: Type.Literal(true) }),
      callers: 'daemons',
    },
    getTime: { summary: 'the device clock, UTC ms', params: None, result: Type.Object({ utcMs: Type.Integer() }), callers: 'apps' },
    setTime: {
      params: Type.Object({ utcMs: Type.Integer({ minimum: CLOCK_MIN_MS, maximum: CLOCK_MAX_MS }) }, { additionalProperties: false }),
      result: Type.Object({ utcMs: Type.Integer() }),
      callers: 'daemons',
    },
  },
  events: {
    button: { topic: BOARD_BUTTON, niceName: 'Button', stateful: true, source: Name, data: Type.Object({ pressed: Type.Boolean() }) },
    switch: { topic: BOARD_SWITCH, niceName: 'Switch', stateful: true, source: Name, data: Type.Object({ on: Type.Boolean() }) },
  },
});
