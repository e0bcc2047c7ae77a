// Messages between bench/bus-bench.ts and its peers (bench/peer.ts), and the benchmark event topic.
import type { EventDecl } from '@belfry/core';

export const EV_TOPIC = 'tnsbench:Bench/Tick';
/** the bare-mqtt.js baseline publishes the same payload under a topic the core subscribers ignore */
export const EV_BARE_TOPIC = 'tnsbench:Bench/BareTick';
export const EV_DECL: EventDecl = {
  topic: EV_TOPIC,
  niceName: 'Benchmark tick',
  stateful: false,
  source: [{ name: 'name', type: 'xsd:string' }],
  data: [{ name: 'seq', type: 'xsd:int' }],
};

export type Variant = 'core' | 'bare';

export type Cmd =
  | { cmd: 'run'; warmup: number; n: number }
  | { cmd: 'publish'; variant: Variant; n: number; batch: number }
  | { cmd: 'arm'; variant: Variant; n: number }
  | { cmd: 'finish' };

export interface PubResult {
  published: number;
  ms: number;
  perSec: number;
}

export interface EvResult {
  variant: string;
  received: number;
  expected: number;
  /** time from the first to the last event received */
  spanMs: number;
  outOfOrder: number;
}
