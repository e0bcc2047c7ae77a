import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../src/model.js';
import { EventdStore } from '../src/store.js';
import type { RecipientsLink } from '../src/soap/recipients.js';
import { addPlay, faultOf, soap, startSoapRig, texts } from './soap-helpers.js';

t.test('GetActionTemplates lists the declared actions with their parameters', async (t) => {
  const rig = await startSoapRig(t);
  const r = await rig.post(soap('<act:GetActionTemplates/>'), { who: 'viewer' });
  t.equal(r.status, 200);
  t.same(texts(r.body, 'aa:TemplateToken').sort(), ['com.axis.action.fixed.autospeakertest.performtest', 'com.axis.action.fixed.play.audioclip', 'com.axis.action.fixed.stop.audioclip', 'com.axis.action.unlimited.play.audioclip']);
  t.match(r.body, '<aa:ActionTemplate><aa:TemplateToken>com.axis.action.fixed.play.audioclip</aa:TemplateToken><aa:Parameters><aa:Parameter Name="location" Type="xsd:string"/><aa:Parameter Name="audiooutput" ');
  t.match(r.body, '<aa:Parameter Name="volume" Type="xsd:integer"/></aa:Parameters></aa:ActionTemplate>');
  t.match(r.body, '<aa:ActionTemplate><aa:TemplateToken>com.axis.action.fixed.stop.audioclip</aa:TemplateToken><aa:Parameters/></aa:ActionTemplate>');
});

t.test('action configurations: the reference request, round trip, restart', async (t) => {
  const rig = await startSoapRig(t);
  // as the AWS script posts it with curl --digest
  const add = await rig.post(addPlay(), { type: 'application/xml' });
  t.equal(add.status, 200, add.body);
  t.match(add.body, /<SOAP-ENV:Envelope [^>]*xmlns:aa="http:\/\/www.axis.com\/vapix\/ws\/action1"[^>]*><SOAP-ENV:Body><aa:AddActionConfigurationResponse><aa:ConfigurationID>1<\/aa:ConfigurationID><\/aa:AddActionConfigurationResponse><\/SOAP-ENV:Body>/, 'the XPath clients use finds the id');
  const get = await rig.post(soap('<act:GetActionConfigurations/>'), { who: 'viewer' });
  t.match(
    get.body,
    '<aa:ActionConfigurations><aa:ActionConfiguration><aa:ConfigurationID>1</aa:ConfigurationID><aa:Name>Play doorbell</aa:Name><aa:TemplateToken>com.axis.action.fixed.play.audioclip</aa:TemplateToken><aa:Parameters><aa:Parameter Name="location" Value="/etc/audioclips/MediaClip.M0.au"/><aa:Parameter Name="audiooutput" Value=""/><aa:Parameter Name="audiodeviceid" Value="0"/><aa:Parameter Name="audiooutputid" Value="0"/><aa:Parameter Name="repeat" Value="0"/><aa:Parameter Name="volume" Value="100"/></aa:Parameters></aa:ActionConfiguration></aa:ActionConfigurations>',
  );
  const again = new EventdStore(rig.stateDir);
  again.load();
  t.same(again.list('actions'), rig.store.list('actions'), 'saved');
  const rm = await rig.post(soap('<act:RemoveActionConfiguration><act:ConfigurationID>1</act:ConfigurationID></act:RemoveActionConfiguration>'));
  t.match(rm.body, '<SOAP-ENV:Body><aa:RemoveActionConfigurationResponse/></SOAP-ENV:Body>');
  t.same(rig.store.list('actions'), []);
});

t.test('other prefixes and a default namespace read the same', async (t) => {
  const rig = await startSoapRig(t);
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><AddActionConfiguration xmlns="http://www.axis.com/vapix/ws/action1"><NewActionConfiguration><Name>Stop &amp; silence &#x263A;</Name><TemplateToken>com.axis.action.fixed.stop.audioclip</TemplateToken><Parameters/></NewActionConfiguration></AddActionConfiguration></e:Body></e:Envelope>';
  const r = await rig.post(body, { type: 'text/xml' });
  t.equal(r.status, 200, r.body);
  t.same(rig.store.list('actions').map((a) => a.name), ['Stop & silence ☺']);
  const get = await rig.post(soap('<aa:GetActionConfigurations xmlns:aa="http://www.axis.com/vapix/ws/action1"/>'), { who: 'viewer' });
  t.match(get.body, '<aa:Name>Stop &amp; silence ☺</aa:Name>', 'escaped on the way out');
});

t.test('action configurations: bad input is a fault and stores nothing', async (t) => {
  const rig = await startSoapRig(t);
  const P = (pairs: [string, string][]) => `<act:Parameters>${pairs.map(([n, v]) => `<act:Parameter Name="${n}" Value="${v}"/>`).join('')}</act:Parameters>`;
  const full: [string, string][] = [['location', '/etc/audioclips/x.au'], ['audiooutput', ''], ['audiodeviceid', '0'], ['audiooutputid', '0'], ['repeat', '0'], ['volume', '100']];
  const cases: [string, number, string, RegExp][] = [
    [soap('<act:AddActionConfiguration><act:NewActionConfiguration><act:Name>x</act:Name><act:TemplateToken>com.axis.action.fixed.nosuch</act:TemplateToken></act:NewActionConfiguration></act:AddActionConfiguration>'), 400, 'aa:InvalidTemplateTokenFault', /unknown action template 'com.axis.action.fixed.nosuch'/],
    [addPlay('x', P(full.filter(([n]) => n !== 'volume'))), 400, 'ter:MissingArgument', /volume missing/],
    [addPlay('x', P([...full, ['colour', 'red']])), 400, 'ter:UnexpectedArgument', /has no parameter colour/],
    [addPlay('x', P(full.map(([n, v]) => [n, n === 'volume' ? '1001' : v]))), 400, 'ter:InvalidArgVal', /volume/],
    [addPlay('x', P([...full, ['volume', '5']])), 400, 'ter:InvalidArgVal', /given twice/],
    [soap('<act:AddActionConfiguration><act:NewActionConfiguration><act:TemplateToken>com.axis.action.fixed.stop.audioclip</act:TemplateToken></act:NewActionConfiguration></act:AddActionConfiguration>'), 400, 'ter:MissingArgument', /Name is missing/],
    [soap('<act:AddActionConfiguration><act:NewActionConfiguration><act:Name>x</act:Name><act:Name>y</act:Name><act:TemplateToken>com.axis.action.fixed.stop.audioclip</act:TemplateToken></act:NewActionConfiguration></act:AddActionConfiguration>'), 400, 'ter:UnexpectedArgument', /given twice/],
    [soap('<act:AddActionConfiguration><act:NewActionConfiguration><act:Name>x</act:Name><act:TemplateToken>com.axis.action.fixed.stop.audioclip</act:TemplateToken><act:Colour/></act:NewActionConfiguration></act:AddActionConfiguration>'), 400, 'ter:UnexpectedArgument', /no parameter Colour/],
    [soap('<act:RemoveActionConfiguration><act:ConfigurationID>-1</act:ConfigurationID></act:RemoveActionConfiguration>'), 400, 'ter:InvalidArgVal', /not an id/],
    [soap('<act:RemoveActionConfiguration><act:ConfigurationID>77</act:ConfigurationID></act:RemoveActionConfiguration>'), 400, 'ter:InvalidArgVal', /no action 77/],
  ];
  for (const [body, status, subcode, reason] of cases) {
    const r = await rig.post(body);
    t.equal(r.status, status, String(reason));
    t.equal(faultOf(r.body).code, 'SOAP-ENV:Sender');
    t.equal(faultOf(r.body).subcode, subcode, String(reason));
    t.match(faultOf(r.body).reason, reason);
  }
  t.same(rig.store.list('actions'), [], 'nothing stored');
});

t.test('the engine’s action check is used once it is offered', async (t) => {
  const rig = await startSoapRig(t, { shared: { checkAction: (template, params) => (params.location === '/nowhere' ? `${template}: no clip at /nowhere` : undefined) } });
  const r = await rig.post(addPlay('x', '<act:Parameters><act:Parameter Name="location" Value="/nowhere"/><act:Parameter Name="audiooutput" Value=""/><act:Parameter Name="audiodeviceid" Value=""/><act:Parameter Name="audiooutputid" Value=""/><act:Parameter Name="repeat" Value=""/><act:Parameter Name="volume" Value=""/></act:Parameters>'));
  t.same([r.status, faultOf(r.body).subcode], [400, 'ter:InvalidArgVal']);
  t.match(faultOf(r.body).reason, 'no clip at /nowhere');
  t.same(rig.store.list('actions'), []);
});

const recipient = (name: string, params: string) => soap(`<act:AddRecipientConfiguration><act:NewRecipientConfiguration><act:Name>${name}</act:Name><act:TemplateToken>com.axis.recipient.tcp</act:TemplateToken><act:Parameters>${params}</act:Parameters></act:NewRecipientConfiguration></act:AddRecipientConfiguration>`);
const TCP = '<act:Parameter Name="host" Value="192.0.2.1"/><act:Parameter Name="port" Value="9000"/>';

t.test('recipients: templates, round trip, the 21st refused', async (t) => {
  const rig = await startSoapRig(t);
  const tpl = await rig.post(soap('<act:GetRecipientTemplates/>'), { who: 'viewer' });
  t.same(texts(tpl.body, 'aa:TemplateToken'), ['com.axis.recipient.http', 'com.axis.recipient.https', 'com.axis.recipient.smtp', 'com.axis.recipient.tcp', 'com.axis.recipient.ftp', 'com.axis.recipient.sftp']);
  for (let i = 1; i <= LIMITS.recipients; i++) {
    const r = await rig.post(recipient(`r${i}`, TCP));
    t.equal(texts(r.body, 'aa:ConfigurationID')[0], String(i), `recipient ${i}`);
  }
  const over = await rig.post(recipient('one too many', TCP));
  t.same([over.status, faultOf(over.body).subcode], [400, 'ter:MaxLimitReached'], `the ${LIMITS.recipients + 1}st: a fault`);
  t.equal(rig.store.list('recipients').length, LIMITS.recipients, 'nothing stored');
  const get = await rig.post(soap('<act:GetRecipientConfigurations/>'), { who: 'viewer' });
  t.match(get.body, '<aa:RecipientConfiguration><aa:ConfigurationID>1</aa:ConfigurationID><aa:Name>r1</aa:Name><aa:TemplateToken>com.axis.recipient.tcp</aa:TemplateToken><aa:Parameters><aa:Parameter Name="host" Value="192.0.2.1"/><aa:Parameter Name="port" Value="9000"/></aa:Parameters></aa:RecipientConfiguration>');
  // a notification action that sends through recipient 1 keeps it
  const action = rig.store.add('actions', { name: 'notify', template: 'com.axis.action.fixed.notification.tcp', params: { recipient_id: '1', message: 'hi' } });
  const inUse = await rig.post(soap('<act:RemoveRecipientConfiguration><act:ConfigurationID>1</act:ConfigurationID></act:RemoveRecipientConfiguration>'));
  t.same([inUse.status, faultOf(inUse.body).reason], [400, `the recipient 1 is used by action configuration ${action.id} (notify)`]);
  rig.store.remove('actions', action.id);
  await rig.post(soap('<act:RemoveRecipientConfiguration><act:ConfigurationID>1</act:ConfigurationID></act:RemoveRecipientConfiguration>'));
  t.equal(rig.store.list('recipients').length, LIMITS.recipients - 1);
  const bad = await rig.post(recipient('bad port', TCP.replace('9000', '70000')));
  t.same([bad.status, faultOf(bad.body).subcode], [400, 'ter:InvalidArgVal']);
  const unknown = await rig.post(soap('<act:AddRecipientConfiguration><act:NewRecipientConfiguration><act:Name>x</act:Name><act:TemplateToken>com.axis.recipient.pigeon</act:TemplateToken></act:NewRecipientConfiguration></act:AddRecipientConfiguration>'));
  t.same([unknown.status, faultOf(unknown.body).subcode], [400, 'aa:InvalidTemplateTokenFault']);
});

t.test('a recipient password goes to the recipients part, never into the store or an answer', async (t) => {
  const kept = new Map<number, Record<string, string>>();
  const link: RecipientsLink = {
    templates: () => [{ id: 'com.axis.recipient.ftp', params: [{ name: 'host' }, { name: 'login' }, { name: 'password', secret: true }] }],
    check: () => undefined,
    setSecrets: async (id, s) => void kept.set(id, s),
    dropSecrets: async (id) => void kept.delete(id),
  };
  const rig = await startSoapRig(t, { recipients: link });
  const add = await rig.post(soap('<act:AddRecipientConfiguration><act:NewRecipientConfiguration><act:Name>ftp</act:Name><act:TemplateToken>com.axis.recipient.ftp</act:TemplateToken><act:Parameters><act:Parameter Name="host" Value="192.0.2.7"/><act:Parameter Name="login" Value="cam"/><act:Parameter Name="password" Value="s3cret-pass"/></act:Parameters></act:NewRecipientConfiguration></act:AddRecipientConfiguration>'));
  t.equal(add.status, 200, add.body);
  t.same([...kept], [[1, { password: 's3cret-pass' }]]);
  t.same(rig.store.list('recipients')[0]!.params, { host: '192.0.2.7', login: 'cam' }, 'the record holds no password');
  const get = await rig.post(soap('<act:GetRecipientConfigurations/>'), { who: 'viewer' });
  t.notMatch(get.body, 's3cret-pass');
  t.notMatch(get.body, 'Name="password"');
  const { readdirSync } = await import('node:fs');
  for (const f of readdirSync(rig.stateDir, { recursive: true, withFileTypes: true })) if (f.isFile()) t.notMatch(readFileSync(`${f.parentPath}/${f.name}`, 'utf8'), 's3cret-pass', `${f.name} holds no password`);
  await rig.post(soap('<act:RemoveRecipientConfiguration><act:ConfigurationID>1</act:ConfigurationID></act:RemoveRecipientConfiguration>'));
  t.same([...kept], [], 'dropped with the recipient');
  const audit = readFileSync(join(rig.stateDir, 'log', 'audit-eventd.log'), 'utf8');
  t.match(audit, /"action":"eventd.soap.AddRecipientConfiguration","user":"admin"/, 'the change is audited (who, not what)');
});

const START_VI1 =
  '<act:StartEvent><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">tns1:Device/tnsaxis:IO/VirtualInput</wsnt:TopicExpression><wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">boolean(//SimpleItem[@Name="port" and @Value="1"]) and boolean(//SimpleItem[@Name="active" and @Value="1"])</wsnt:MessageContent></act:StartEvent>';
const COND_PLAYING = '<act:Conditions><act:Condition><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">tnsaxis:MediaClip/tnsaxis:Playing</wsnt:TopicExpression><wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">boolean(//SimpleItem[@Name="Playing" and @Value="0"])</wsnt:MessageContent></act:Condition></act:Conditions>';
const rule = (name: string, inner: string, action = '1') => soap(`<act:AddActionRule><act:NewActionRule><act:Name>${name}</act:Name><act:Enabled>true</act:Enabled>${inner}<act:PrimaryAction>${action}</act:PrimaryAction></act:NewActionRule></act:AddActionRule>`);

t.test('action rules: the reference request, round trip, restart', async (t) => {
  const rig = await startSoapRig(t);
  await rig.post(addPlay());
  const add = await rig.post(rule('Doorbell on virtual input 1', `${START_VI1}${COND_PLAYING}<act:ActivationTimeout>PT1M30S</act:ActivationTimeout>`), { type: 'application/soap+xml; action="http://www.axis.com/vapix/ws/action1/AddActionRule"' });
  t.equal(add.status, 200, add.body);
  t.match(add.body, '<aa:AddActionRuleResponse><aa:RuleID>1</aa:RuleID></aa:AddActionRuleResponse>');
  t.same(rig.store.list('rules'), [
    {
      id: 1,
      name: 'Doorbell on virtual input 1',
      enabled: true,
      startEvent: { topic: 'tns1:Device/tnsaxis:IO/VirtualInput', content: 'boolean(//SimpleItem[@Name="port" and @Value="1"]) and boolean(//SimpleItem[@Name="active" and @Value="1"])' },
      conditions: [{ topic: 'tnsaxis:MediaClip/tnsaxis:Playing', content: 'boolean(//SimpleItem[@Name="Playing" and @Value="0"])' }],
      activationTimeoutMs: 90_000,
      primaryAction: 1,
    },
  ]);
  const get = await rig.post(soap('<act:GetActionRules/>'), { who: 'viewer' });
  t.match(
    get.body,
    '<aa:ActionRules><aa:ActionRule><aa:RuleID>1</aa:RuleID><aa:Name>Doorbell on virtual input 1</aa:Name><aa:Enabled>true</aa:Enabled><aa:StartEvent><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">tns1:Device/tnsaxis:IO/VirtualInput</wsnt:TopicExpression><wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">boolean(//SimpleItem[@Name=&quot;port&quot; and @Value=&quot;1&quot;]) and boolean(//SimpleItem[@Name=&quot;active&quot; and @Value=&quot;1&quot;])</wsnt:MessageContent></aa:StartEvent><aa:Conditions><aa:Condition><wsnt:TopicExpression',
  );
  t.match(get.body, '<aa:ActivationTimeout>PT1M30S</aa:ActivationTimeout><aa:PrimaryAction>1</aa:PrimaryAction></aa:ActionRule></aa:ActionRules>');
  const inUse = await rig.post(soap('<act:RemoveActionConfiguration><act:ConfigurationID>1</act:ConfigurationID></act:RemoveActionConfiguration>'));
  t.same([inUse.status, faultOf(inUse.body).reason], [400, 'the action configuration 1 is the action of rule 1 (Doorbell on virtual input 1)'], 'an action in use stays');
  const again = new EventdStore(rig.stateDir);
  again.load();
  t.same(again.list('rules'), rig.store.list('rules'), 'saved');
  await rig.post(soap('<act:RemoveActionRule><act:RuleID>1</act:RuleID></act:RemoveActionRule>'));
  t.same(rig.store.list('rules'), []);
});

t.test('a topic is matched by namespace, whatever the client’s prefixes, and stored as declared', async (t) => {
  const rig = await startSoapRig(t);
  await rig.post(addPlay());
  const onvif = rule('other prefixes', '<act:StartEvent><wsnt:TopicExpression xmlns:on="http://www.onvif.org/ver10/topics" xmlns:ax="http://www.axis.com/2009/event/topics" Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">on:Device/ax:IO/ax:VirtualInput</wsnt:TopicExpression></act:StartEvent>');
  const r = await rig.post(onvif);
  t.equal(r.status, 200, r.body);
  t.same(rig.store.list('rules')[0]!.startEvent, { topic: 'tns1:Device/tnsaxis:IO/VirtualInput' });
});

t.test('action rules: bad input is a fault and stores nothing; the 257th refused', async (t) => {
  const rig = await startSoapRig(t);
  await rig.post(addPlay());
  const topic = (tx: string, content = '') => `<act:StartEvent><wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete">${tx}</wsnt:TopicExpression>${content}</act:StartEvent>`;
  const content = (c: string) => `<wsnt:MessageContent Dialect="http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter">${c}</wsnt:MessageContent>`;
  const cases: [string, string, RegExp][] = [
    [rule('x', topic('tns1:Device/tnsaxis:IO/NoSuchThing')), 'aa:InvalidConditionFilterFault', /unknown topic/],
    [rule('x', topic('nope:Device/tnsaxis:IO/VirtualInput')), 'aa:InvalidConditionFilterFault', /unknown namespace prefix 'nope'/],
    [rule('x', topic('tns1:Device//.')), 'aa:InvalidConditionFilterFault', /needs the ConcreteSet dialect/],
    [rule('x', topic('tns1:Device/tnsaxis:IO/VirtualInput', content('boolean(//SimpleItem[@Name="port" and @Value="1"]'))), 'aa:InvalidConditionFilterFault', /content filter: expected '\)'/],
    [rule('x', topic('tns1:Device/tnsaxis:IO/VirtualInput', content('drop table rules'))), 'aa:InvalidConditionFilterFault', /content filter: expected boolean/],
    [rule('x', ''), 'aa:InvalidConditionFilterFault', /needs a StartEvent or a Condition/],
    [rule('x', topic('tns1:Device/tnsaxis:IO/VirtualInput'), '42'), 'ter:InvalidArgVal', /no action configuration 42/],
    [rule('x', `${topic('tns1:Device/tnsaxis:IO/VirtualInput')}<act:ActivationTimeout>soon</act:ActivationTimeout>`), 'ter:InvalidArgVal', /ActivationTimeout/],
    [rule('x', `${topic('tns1:Device/tnsaxis:IO/VirtualInput')}<act:FailoverAction>1</act:FailoverAction>`), 'ter:UnexpectedArgument', /FailoverAction/],
    [rule('x', `<act:Conditions>${'<act:Condition><wsnt:TopicExpression>tns1:Device/tnsaxis:IO/VirtualInput</wsnt:TopicExpression></act:Condition>'.repeat(LIMITS.conditions + 1)}</act:Conditions>`), 'ter:MaxLimitReached', /at most 8 conditions/],
    [soap('<act:AddActionRule><act:NewActionRule><act:Name>x</act:Name><act:Enabled>yes please</act:Enabled><act:PrimaryAction>1</act:PrimaryAction></act:NewActionRule></act:AddActionRule>'), 'ter:InvalidArgVal', /not a boolean/],
  ];
  for (const [body, subcode, reason] of cases) {
    const r = await rig.post(body);
    t.equal(r.status, 400, String(reason));
    t.equal(faultOf(r.body).subcode, subcode, String(reason));
    t.match(faultOf(r.body).reason, reason);
  }
  t.same(rig.store.list('rules'), [], 'nothing stored');

  const ok = rule('r', topic('tns1:Device/tnsaxis:IO/VirtualInput'));
  for (let i = 1; i <= LIMITS.rules; i++) if ((await rig.post(ok)).status !== 200) t.fail(`rule ${i} refused`);
  t.equal(rig.store.list('rules').length, LIMITS.rules, `${LIMITS.rules} rules`);
  const over = await rig.post(ok);
  t.same([over.status, faultOf(over.body).subcode], [400, 'ter:MaxLimitReached'], 'the 257th: a fault');
  t.equal(rig.store.list('rules').length, LIMITS.rules, 'nothing stored');
});

t.test('changes need an administrator; reads a viewer', async (t) => {
  const rig = await startSoapRig(t);
  for (const who of ['viewer', 'operator'] as const) {
    const r = await rig.post(addPlay(), { who });
    t.same([r.status, faultOf(r.body).subcode, faultOf(r.body).reason], [403, 'ter:NotAuthorized', 'AddActionConfiguration needs admin rights'], who);
  }
  const anon = await rig.post(soap('<act:GetActionRules/>'), { who: 'anonymous' });
  t.equal(anon.status, 401, "anonymous (the front door never forwards one; the owner's second lock refuses it anyway, as not authenticated)");
  t.same(rig.store.list('actions'), []);
});
