import { defineContract, type MethodsOf, type RouteSpec } from '@belfry/core/contract';
import { ENGINE_ROUTES } from './contract/engine.js';
import { INPUTS_ROUTES } from './contract/inputs.js';
import { RECIPIENTS_ROUTES } from './contract/recipients.js';
import { SCHEDULES_ROUTES } from './contract/schedules.js';
import { SOAP_ROUTES } from './contract/soap.js';
import { STREAMS_ROUTES } from './contract/streams.js';

/**
 * eventd's HTTP routes, served on its own socket behind httpd. Each part of eventd (SOAP services,
 * event streams, virtual inputs, the JSON API) keeps its route list in `contract/<part>.ts`; this is
 * the one list.
 */
export const EVENTD_ROUTES: readonly RouteSpec[] = [
  ...ENGINE_ROUTES,
  ...INPUTS_ROUTES,
  ...SCHEDULES_ROUTES,
  ...RECIPIENTS_ROUTES,
  ...SOAP_ROUTES,
  ...STREAMS_ROUTES,
];

/** eventd's contract: its RPC methods on `belfry/rpc/eventd/<method>` and its routes. */
export const EVENTD = defineContract({
  name: 'eventd',
  methods: {},
  routes: EVENTD_ROUTES,
});

export type EventdContract = MethodsOf<typeof EVENTD>;
