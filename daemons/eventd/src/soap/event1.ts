import { sender, SoapFault, TER } from './fault.js';
import { DIALECT, NS } from './names.js';
import { needed, storeChange, type OpContext, type Operation } from './ops.js';
import { Fields, nameOf } from './read.js';
import { topicSet } from './topicset.js';
import { el, esc, textEl } from './write.js';
import { attrOf, type XmlEl } from './xml.js';

/** The event1 service (`http://www.axis.com/vapix/ws/event1`): the TopicSet, schedules, virtual inputs. */

const ns = NS.aev;
const noParams = (op: XmlEl) => new Fields(op, ns, {});

/** `DTSTART:…\nRRULE:…`: scripts write the newline as the two characters `\n`; CRLF as iCalendar does. */
function icalText(s: string): string {
  return s.replace(/\\n/g, '\n').replace(/\r\n?/g, '\n').trim();
}

function schedule(c: OpContext, newEl: XmlEl) {
  const f = new Fields(newEl, ns, { required: ['Name', 'Schedule'] });
  const name = nameOf(f);
  const s = new Fields(f.child('Schedule')!, ns, { required: ['ICalendar'] });
  const icalEl = s.child('ICalendar')!;
  const dialect = attrOf(icalEl, 'Dialect');
  if (dialect !== undefined && dialect !== DIALECT.ical) throw sender(TER.invalidArg, `unsupported schedule dialect '${dialect.slice(0, 128)}'`);
  const ical = icalText(s.text('ICalendar', 4096) ?? '');
  const problem = needed(c.shared.checkSchedule, 'the schedule check')(ical);
  if (problem) throw sender(TER.invalidArg, `Schedule: ${problem}`);
  return { name, ical };
}

export const EVENT1: Record<string, Operation> = {
  GetEventInstances: {
    ns,
    least: 'viewer',
    run(op, c) {
      noParams(op);
      return el('aev:GetEventInstancesResponse', {}, topicSet(c.catalogue.eventDecls()));
    },
  },

  AddScheduledEvent: {
    ns,
    least: 'admin',
    run(op, c) {
      const f = new Fields(op, ns, { required: ['NewScheduledEvent'] });
      const rec = schedule(c, f.child('NewScheduledEvent')!);
      const saved = storeChange('AddScheduledEvent', () => c.store.add('schedules', rec));
      return el('aev:AddScheduledEventResponse', {}, textEl('aev:EventID', String(saved.id)));
    },
  },

  GetScheduledEvents: {
    ns,
    least: 'viewer',
    run(op, c) {
      noParams(op);
      const list = c.store.list('schedules').map((s) =>
        el('aev:ScheduledEvent', {}, textEl('aev:EventID', String(s.id)), textEl('aev:Name', s.name), el('aev:Schedule', {}, el('aev:ICalendar', { Dialect: DIALECT.ical }, esc(s.ical)))),
      );
      return el('aev:GetScheduledEventsResponse', {}, `<aev:ScheduledEvents>${list.join('')}</aev:ScheduledEvents>`);
    },
  },

  RemoveScheduledEvent: {
    ns,
    least: 'admin',
    run(op, c) {
      const id = new Fields(op, ns, { required: ['EventID'] }).id('EventID');
      storeChange('RemoveScheduledEvent', () => c.store.remove('schedules', id));
      return '<aev:RemoveScheduledEventResponse/>';
    },
  },

  ChangeVirtualInputState: {
    ns,
    // virtual inputs are an operator's (as their CGIs)
    least: 'operator',
    run(op, c) {
      const f = new Fields(op, ns, { required: ['InputNumber', 'State'] });
      const port = Number((f.text('InputNumber', 4) ?? '').trim());
      if (!Number.isInteger(port) || port < 1 || port > 32) throw sender(TER.invalidArg, `InputNumber: no virtual input '${f.text('InputNumber')}' (1–32)`);
      const active = f.bool('State')!;
      const vi = c.shared.virtualInputs;
      if (!vi) throw new SoapFault('Receiver', TER.internal, 'virtual inputs are not available', 503);
      const changed = vi.set(port, active);
      return el('aev:ChangeVirtualInputStateResponse', {}, textEl('aev:StateChanged', String(changed)));
    },
  },
};
