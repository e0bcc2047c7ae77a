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
  belfry: 'urn:belfry:event:topics',
} as const;

/** Topic prefixes and their namespaces: how a topic's steps are spelled on the wire and in the TopicSet. */
export const TOPIC_NS: Record<string, string> = { tns1: NS.tns1, tnsaxis: NS.tnsaxis, belfry: NS.belfry };

/** The topic prefix of a namespace URI (the inverse of TOPIC_NS). */
export function topicPrefixOf(uri: string): string | undefined {
  return Object.keys(TOPIC_NS).find((p) => TOPIC_NS[p] === uri);
}

/** The dialects the services accept (ONVIF's, as the reference's examples carry them). */
export const DIALECT = {
  concrete: 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete',
  simple: 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple',
  itemFilter: 'http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter',
  ical: 'http://www.axis.com/vapix/ws/ical1',
} as const;
