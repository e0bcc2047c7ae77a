import type { ActionRule, Condition } from '../model.js';
import type { EventdStore } from '../store.js';

const MIC_ON: Condition = { topic: 'belfry:Board/Switch', content: 'boolean(//SimpleItem[@Name="name" and @Value="mic"]) and boolean(//SimpleItem[@Name="on" and @Value="1"])' };
const CALL_RINGING: Condition = { topic: 'tnsaxis:Call/State', content: 'boolean(//SimpleItem[@Name="CallState" and @Value="Calling"])' };
const CALL_ACTIVE: Condition = { topic: 'tnsaxis:Call/State', content: 'boolean(//SimpleItem[@Name="CallState" and @Value="Active"])' };
const LED_GREEN = { template: 'com.axis.action.unlimited.ledcontrol', params: { led: 'front', color: 'green', duration: '', interval: '' } };
const PLAY = (location: string, repeat: string) => ({
  template: repeat === '-1' ? 'com.axis.action.unlimited.play.audioclip' : 'com.axis.action.fixed.play.audioclip',
  params: { location, audiooutput: '', audiodeviceid: '', audiooutputid: '', repeat, volume: '100' },
});

interface Seed {
  name: string;
  startEvent?: Condition;
  conditions: Condition[];
  action: { template: string; params: Record<string, string> };
}

/**
 * The rules the user manual lists as preconfigured. Each waits for what it needs: the front LED
 * action, SIP call events, live stream and recording events (none of which this device declares
 * yet); until they are declared a rule stays disabled and enabling it is refused (checkRule).
 */
export const PRECONFIGURED: readonly Seed[] = [
  { name: 'Front-facing LED Activation: LiveStream', conditions: [MIC_ON, { topic: 'tnsaxis:Audio/tnsaxis:LiveStream', content: 'boolean(//SimpleItem[@Name="active" and @Value="1"])' }], action: LED_GREEN },
  { name: 'Front-facing LED Activation: Recording', conditions: [MIC_ON, { topic: 'tnsaxis:Audio/tnsaxis:Recording', content: 'boolean(//SimpleItem[@Name="active" and @Value="1"])' }], action: LED_GREEN },
  { name: 'Front-facing LED Activation: SIP', conditions: [MIC_ON, CALL_ACTIVE], action: LED_GREEN },
  { name: 'Pre-announcement tone: Play tone on incoming call', startEvent: CALL_RINGING, conditions: [], action: PLAY('Pre-announcement tone*', '0') },
  {
    name: 'Pre-announcement tone: Answer call after incoming call-tone',
    startEvent: { topic: 'tnsaxis:MediaClip/tnsaxis:Playing', content: 'boolean(//SimpleItem[@Name="Playing" and @Value="0"])' },
    conditions: [CALL_RINGING],
    action: { template: 'com.axis.action.fixed.sip.answer', params: {} },
  },
  { name: 'Loud ringer', conditions: [CALL_RINGING], action: PLAY('Ringer*', '-1') },
];

/** Seeds a device that has no configuration with the preconfigured rules, present but disabled. */
export function seedPreconfigured(store: EventdStore): void {
  for (const s of PRECONFIGURED) {
    const action = store.add('actions', { name: s.name, ...s.action });
    const rule: Omit<ActionRule, 'id'> = { name: s.name, enabled: false, conditions: s.conditions, activationTimeoutMs: 0, primaryAction: action.id, preconfigured: true };
    if (s.startEvent) rule.startEvent = s.startEvent;
    store.add('rules', rule);
  }
}
