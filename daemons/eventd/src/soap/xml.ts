import { parseXml as parseDocument, XmlError, type XmlEl } from '@belfry/core/xml';
import { sender, TER } from './fault.js';

// the XML reader is core's (onvifd's SOAP services read with the same one)
export { attrOf, childrenOf, decodeRefs, XML_LIMITS, type XmlEl } from '@belfry/core/xml';

/** Parses a request body (core's reader); what it refuses is a Sender fault: `ter:WellFormed` or `ter:MaxLimitReached`. */
export function parseXml(body: Buffer): XmlEl {
  try {
    return parseDocument(body);
  } catch (e) {
    if (e instanceof XmlError) throw sender(e.kind === 'tooLarge' ? TER.tooLarge : TER.wellFormed, e.message);
    throw e;
  }
}
