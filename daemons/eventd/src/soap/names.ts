import { DIALECTS, ITEM_FILTER_DIALECT, TOPIC_NAMESPACES } from '@belfry/core/filters';

/**
 * The namespace URIs of the VAPIX event and action services and the prefixes their answers use.
 * Clients read answers with XPath literals (`/SOAP-ENV:Envelope/SOAP-ENV:Body/aa:…`) and K60 maps
 * the topic namespaces by URI, so both the URIs and the prefixes are exactly these.
 */
export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  /** SOAP 1.1, which some scripts still send: read, answered in 1.2 */
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  aa: 'http://www.axis.com/vapix/ws/action1',
  aev: 'http://www.axis.com/vapix/ws/event1',
  wstop: 'http://docs.oasis-open.org/wsn/t-1',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  tns1: 'http://www.onvif.org/ver10/topics',
  tnsaxis: 'http://www.axis.com/2009/event/topics',
  xsd: 'http://www.w3.org/2001/XMLSchema',
  ter: 'http://www.onvif.org/ver10/error',
  /** the topics Belfry's own daemons declare (buttons, switches, configuration reset) */
  belfry: TOPIC_NAMESPACES.belfry!,
} as const;

/** Topic prefixes and their namespaces (the filters' table): how a topic's steps are spelled on the wire and in the TopicSet. */
export const TOPIC_NS: Readonly<Record<string, string>> = TOPIC_NAMESPACES;

/** The dialects the services write (topic and content dialects are the filters'). */
export const DIALECT = {
  concrete: DIALECTS.concrete,
  itemFilter: ITEM_FILTER_DIALECT,
  ical: 'http://www.axis.com/vapix/ws/ical1',
} as const;
