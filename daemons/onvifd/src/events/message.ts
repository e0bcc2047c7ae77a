import type { BelfryEvent, EventDecl, ItemDecl, ItemValue, Items } from '@belfry/core';
import { el, esc } from '../soap/envelope.js';
import { DIALECT } from '../soap/names.js';

/** Item values travel as text; booleans as `1`/`0`, as the device's other event streams send them. */
function valueText(v: ItemValue, type?: string): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (type === 'xsd:boolean' && (v === 'true' || v === 'false')) return v === 'true' ? '1' : '0';
  return String(v);
}

function items(wrapper: string, list: Items | undefined, types: readonly ItemDecl[] | undefined): string {
  const entries = Object.entries(list ?? {});
  if (!entries.length) return '';
  return `<${wrapper}>${entries.map(([k, v]) => el('tt:SimpleItem', { Name: k, Value: valueText(v, types?.find((i) => i.name === k)?.type) })).join('')}</${wrapper}>`;
}

/** One event as `wsnt:NotificationMessage` (PullMessages, Notify); the op is its PropertyOperation. */
export function notificationMessage(ev: BelfryEvent, decl?: EventDecl): string {
  const time = Number.isFinite(Date.parse(ev.utcTime)) ? ev.utcTime : new Date().toISOString();
  return (
    `<wsnt:NotificationMessage><wsnt:Topic Dialect="${DIALECT.concreteSet}">${esc(ev.topic)}</wsnt:Topic>` +
    `<wsnt:Message>${el('tt:Message', { UtcTime: time, PropertyOperation: ev.op }, items('tt:Source', ev.source, decl?.source), items('tt:Key', ev.key, decl?.key), items('tt:Data', ev.data, decl?.data))}</wsnt:Message>` +
    '</wsnt:NotificationMessage>'
  );
}
