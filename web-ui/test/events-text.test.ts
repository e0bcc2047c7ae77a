import t from 'tap';
import { parseContentFilter } from '@belfry/core/filters';
import { checkIcal } from '../../daemons/eventd/src/schedules/recurrence.js';
import { fromIcal, toIcal, type Friendly } from '../src/pages/events/ical.js';
import { buildContent, parseContent } from '../src/pages/events/filter.js';

/**
 * The texts the Events page writes are the ones eventd takes: its schedule check and its content
 * filter parser (the device's own code, in process) accept them, and the page reads them back.
 */
t.test('schedules: the editor’s iCalendar passes eventd’s check and reads back', async (t) => {
  const forms: Friendly[] = [
    { kind: 'window', days: ['MO', 'TU', 'WE', 'TH', 'FR'], from: '08:00', to: '17:00' },
    { kind: 'window', days: ['SA', 'SU'], from: '22:00', to: '06:30' },
    { kind: 'window', days: ['WE'], from: '12:00', to: '12:00' },
    { kind: 'at', days: ['MO'], at: '18:00' },
    { kind: 'every', minutes: 1 },
    { kind: 'every', minutes: 1000 },
  ];
  for (const f of forms) {
    const ical = toIcal(f);
    t.equal(checkIcal(ical), undefined, `${JSON.stringify(f)} → ${ical.replace(/\n/g, ' ')}`);
    t.same(fromIcal(ical), f, 'read back as the same form');
  }
  t.match(toIcal(forms[1]!), /DTEND:19700106T063000/, 'to before from: the window ends the next day');
  t.match(toIcal(forms[2]!), /DTEND:19700106T120000/, 'to equal to from: a whole day');
  t.match(checkIcal(toIcal({ kind: 'every', minutes: 1001 })), /INTERVAL/, 'past the device’s limit: its refusal (the page shows it)');
  t.equal(fromIcal('DTSTART:19700101T180000\nDTEND:19700102T080000\nRRULE:FREQ=DAILY'), undefined, 'a text the editor did not write is not forced into its form');
  t.same(fromIcal('DTSTART:19700105T080000\\nDTEND:19700105T170000\\nRRULE:FREQ=WEEKLY;BYDAY=MO'), { kind: 'window', days: ['MO'], from: '08:00', to: '17:00' }, 'the two-character \\n too');
});

t.test('conditions: the editor’s filter parses on the device, matches what it means, reads back', async (t) => {
  const content = buildContent({ port: '1', active: '1' })!;
  const f = parseContentFilter(content);
  const ev = (active: boolean, port = 1) => ({ topic: 'tns1:Device/tnsaxis:IO/VirtualInput', utcTime: new Date().toISOString(), source: { port }, key: {}, data: { active } });
  t.ok(f.matches(ev(true)), 'port 1 active matches');
  t.notOk(f.matches(ev(false)), 'inactive does not');
  t.notOk(f.matches(ev(true, 2)), 'another port does not');
  t.same(parseContent(content), { port: '1', active: '1' });
  t.equal(buildContent({ port: '', active: '' }), undefined, 'every item "any": no filter');
  t.same(parseContent(undefined), {});
  const preconfigured = 'boolean(//SimpleItem[@Name="name" and @Value="mic"]) and boolean(//SimpleItem[@Name="on" and @Value="1"])';
  t.same(parseContent(preconfigured), { name: 'mic', on: '1' }, 'the preconfigured rules’ filters read as fields');
  t.equal(parseContent('boolean(//SimpleItem[@Name="port" and @Value!="1"])'), undefined, 'another form (SOAP) is kept as text');
  t.equal(parseContent('boolean(//SimpleItem[@Name="a" and @Value="1"]) or boolean(//SimpleItem[@Name="b" and @Value="1"])'), undefined, 'so is an "or"');
});
