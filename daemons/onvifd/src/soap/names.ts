/** The namespace URIs the ONVIF services read and write, with the prefixes the answers use. */
export const NS = {
  'SOAP-ENV': 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  tmd: 'http://www.onvif.org/ver10/deviceIO/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wstop: 'http://docs.oasis-open.org/wsn/t-1',
  wsa5: 'http://www.w3.org/2005/08/addressing',
  'wsrf-rw': 'http://docs.oasis-open.org/wsrf/rw-2',
  'wsrf-bf': 'http://docs.oasis-open.org/wsrf/bf-2',
  tns1: 'http://www.onvif.org/ver10/topics',
  tnsaxis: 'http://www.axis.com/2009/event/topics',
  /** Axis's SubscriptionId reference parameter (OV sends it back as a header) */
  dom0: 'http://www.axis.com/2009/event',
  xsd: 'http://www.w3.org/2001/XMLSchema',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
} as const;

export const PASSWORD_TYPE = {
  digest: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest',
  text: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText',
} as const;

export const DIALECT = {
  concreteSet: 'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet',
  concrete: 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete',
  simple: 'http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple',
  itemFilter: 'http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter',
} as const;
