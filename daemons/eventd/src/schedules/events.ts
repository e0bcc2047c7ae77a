import type { EventDecl } from '@belfry/core';

export const INTERVAL = 'tns1:UserAlarm/tnsaxis:Recurring/tnsaxis:Interval';
export const PULSE = 'tns1:UserAlarm/tnsaxis:Recurring/tnsaxis:Pulse';

/** The two schedule topics, their `id` values the current schedules and pulses (GetEventInstances lists them). */
export function scheduleDecls(schedules: string[], pulses: string[]): EventDecl[] {
  return [
    { topic: INTERVAL, niceName: 'Scheduled event', stateful: true, source: [{ name: 'id', type: 'xsd:string', niceName: 'Schedule', values: schedules }], data: [{ name: 'active', type: 'xsd:boolean', niceName: 'Active' }] },
    { topic: PULSE, niceName: 'Recurring pulse', stateful: false, source: [{ name: 'id', type: 'xsd:string', niceName: 'Pulse', values: pulses }], data: [] },
  ];
}
