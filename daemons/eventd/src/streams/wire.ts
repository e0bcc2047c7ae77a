import { createHash } from 'node:crypto';
import { EXTERNAL_TOPIC_NS as TOPIC_NS, type BelfryEvent, type ItemValue, type Items } from '@belfry/core';

// which topics leave the device is core's (the event hub keeps only those)
export { EXTERNAL_TOPIC_NS as TOPIC_NS, isExternalTopic } from '@belfry/core';

/**
 * The device's UUID in ProducerReference: stable for a serial number (a name-based value whose last
 * 12 digits are the serial, as on the devices we match: `…-02be1f000001`).
 */
export function deviceUuid(serial: string): string {
  const h = createHash('sha1').update(`belfry-device:${serial}`).digest('hex');
  const tail = serial.toLowerCase().replace(/[^0-9a-f]/g, '').padStart(12, '0').slice(-12);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${tail}`;
}

/** Item values travel as text; booleans as `1`/`0` (also `true`/`false` text of an xsd:boolean item). */
export function valueText(v: ItemValue, type?: string): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (type === 'xsd:boolean' && (v === 'true' || v === 'false')) return v === 'true' ? '1' : '0';
  return String(v);
}

/** The xsd type of an item, when the catalogue knows it (so `"true"` of a boolean item is `1`). */
export type ItemType = (topic: string, item: string) => string | undefined;

function texts(topic: string, items: Items, typeOf?: ItemType): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(items ?? {})) out[k] = valueText(v, typeOf?.(topic, k));
  return out;
}

const XML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export function xmlEscape(s: string): string {
  // controls other than tab/newline cannot appear in XML 1.0 at all: replaced, so a document always parses
  // eslint-disable-next-line no-control-regex -- exactly the controls XML forbids
  return s.replace(/[&<>"']/g, (c) => XML_ESC[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}

function simpleItems(items: Record<string, string>): string {
  return Object.entries(items)
    .map(([k, v]) => `<tt:SimpleItem Name="${xmlEscape(k)}" Value="${xmlEscape(v)}"/>`)
    .join('');
}

/**
 * One event as the RTSP metadata stream carries it: a whole `tt:MetadataStream` document (one per
 * RTP datagram). `op` is the PropertyOperation (Initialized for a new subscriber's snapshot);
 * stateless events have none.
 */
export function metadataXml(ev: BelfryEvent, uuid: string, typeOf?: ItemType): string {
  const op = ev.op ? ` PropertyOperation="${ev.op}"` : '';
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<tt:MetadataStream xmlns:tt="http://www.onvif.org/ver10/schema">\n' +
    `<tt:Event><wsnt:NotificationMessage xmlns:tns1="${TOPIC_NS.tns1}" xmlns:tnsaxis="${TOPIC_NS.tnsaxis}" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa5="http://www.w3.org/2005/08/addressing">` +
    `<wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">${xmlEscape(ev.topic)}</wsnt:Topic>` +
    `<wsnt:ProducerReference><wsa5:Address>uri://${uuid}/ProducerReference</wsa5:Address></wsnt:ProducerReference>` +
    `<wsnt:Message><tt:Message UtcTime="${xmlEscape(utcTime(ev))}"${op}>` +
    `<tt:Source>${simpleItems(texts(ev.topic, ev.source, typeOf))}</tt:Source><tt:Key>${simpleItems(texts(ev.topic, ev.key, typeOf))}</tt:Key>` +
    `<tt:Data>${simpleItems(texts(ev.topic, ev.data, typeOf))}</tt:Data>` +
    '</tt:Message></wsnt:Message></wsnt:NotificationMessage></tt:Event></tt:MetadataStream>'
  );
}

/** `UtcTime`: ISO 8601 UTC as published (a bad one becomes now, never an unparsable attribute). */
function utcTime(ev: BelfryEvent): string {
  return Number.isFinite(Date.parse(ev.utcTime)) ? ev.utcTime : new Date().toISOString();
}

/** One event as the WebSocket stream carries it: `events:notify`, timestamp in ms, values as text. */
export function notifyJson(ev: BelfryEvent, apiVersion: string, typeOf?: ItemType): string {
  const t = Date.parse(ev.utcTime);
  return JSON.stringify({
    apiVersion,
    method: 'events:notify',
    params: {
      notification: {
        timestamp: Number.isFinite(t) ? t : Date.now(),
        topic: ev.topic,
        message: { source: texts(ev.topic, ev.source, typeOf), key: texts(ev.topic, ev.key, typeOf), data: texts(ev.topic, ev.data, typeOf) },
      },
    },
  });
}
