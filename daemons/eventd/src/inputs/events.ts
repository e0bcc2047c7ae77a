import type { EventDecl } from '@belfry/core';

export const VIRTUAL_INPUT = 'tns1:Device/tnsaxis:IO/VirtualInput';
export const VIRTUAL_PORT = 'tns1:Device/tnsaxis:IO/VirtualPort';
export const SYSTEM_READY = 'tns1:Device/tnsaxis:Status/SystemReady';

/** Virtual inputs and manual triggers: ports 1–32 (see README for why not 64). */
export const PORTS = 32;
const ports = Array.from({ length: PORTS }, (_, i) => i + 1);

export const INPUT_EVENTS: EventDecl[] = [
  { topic: VIRTUAL_INPUT, niceName: 'Virtual input', stateful: true, source: [{ name: 'port', type: 'xsd:int', niceName: 'Port number', values: ports }], data: [{ name: 'active', type: 'xsd:boolean', niceName: 'Active' }] },
  { topic: VIRTUAL_PORT, niceName: 'Manual trigger', stateful: true, source: [{ name: 'port', type: 'xsd:int', niceName: 'Port number', values: ports }], data: [{ name: 'state', type: 'xsd:boolean', niceName: 'Active' }] },
  { topic: SYSTEM_READY, niceName: 'System ready', stateful: true, source: [], data: [{ name: 'ready', type: 'xsd:boolean', niceName: 'Ready' }] },
];
