// eventd's JSON API (System > Events): rules, the catalogue (topics, action templates), recipients,
// schedules, manual triggers. Types from the schemas eventd checks (type imports only), as types.ts does.
import type { ENGINE_SCHEMAS } from '../../../daemons/eventd/src/contract/engine.js';
import type { INPUTS_SCHEMAS } from '../../../daemons/eventd/src/contract/inputs.js';
import type { RECIPIENTS_SCHEMAS } from '../../../daemons/eventd/src/contract/recipients.js';
import type { SCHEDULES_SCHEMAS } from '../../../daemons/eventd/src/contract/schedules.js';
import { request } from './http.js';
import type { Answer, Body } from './types.js';

type E = typeof ENGINE_SCHEMAS;
type R = typeof RECIPIENTS_SCHEMAS;
type S = typeof SCHEDULES_SCHEMAS;
type I = typeof INPUTS_SCHEMAS;

export type Rules = Answer<E['rules']['GET']>;
export type Rule = Rules['rules'][number];
export type RuleBody = Body<E['rules']['POST']>;
export type Condition = RuleBody['conditions'][number];
export type Topic = Answer<E['topics']>['topics'][number];
export type Item = Topic['data'][number];
export type Template = Answer<E['templates']>['templates'][number];
export type TemplateParam = Template['params'][number];

export type Recipient = Answer<R['one']['GET']>;
export type RecipientBody = Body<R['list']['POST']>;
export type RecipientKind = Answer<R['templates']>['templates'][number];
export type RecipientParam = RecipientKind['params'][number];
export type TestBody = Body<R['testUnsaved']>;
export type TestResult = Answer<R['testSaved']>;

export type Schedules = Answer<S['list']['GET']>;
export type Schedule = Schedules['schedules'][number];
export type ScheduleBody = Body<S['list']['POST']>;

export type Triggers = Answer<I['list']>;
type Id = { id: number };
export type { Id as Created };

const B = '/api/v1/events';
export const events = {
  rules: () => request<Rules>('GET', `${B}/rules`),
  addRule: (b: RuleBody) => request<Id>('POST', `${B}/rules`, { json: b }),
  putRule: (id: number, b: RuleBody) => request<object>('PUT', `${B}/rules/${id}`, { json: b }),
  removeRule: (id: number) => request<object>('DELETE', `${B}/rules/${id}`),
  topics: () => request<Answer<E['topics']>>('GET', `${B}/topics`),
  templates: () => request<Answer<E['templates']>>('GET', `${B}/templates`),

  recipients: () => request<Answer<R['list']['GET']>>('GET', `${B}/recipients`),
  recipientKinds: () => request<Answer<R['templates']>>('GET', `${B}/recipients/templates`),
  addRecipient: (b: RecipientBody) => request<Recipient>('POST', `${B}/recipients`, { json: b }),
  putRecipient: (id: number, b: RecipientBody) => request<Recipient>('PUT', `${B}/recipients/${id}`, { json: b }),
  removeRecipient: (id: number) => request<object>('DELETE', `${B}/recipients/${id}`),
  /** a test of the form as it is (a saved recipient's password when `id` is given and the password left blank) */
  testRecipient: (b: TestBody) => request<TestResult>('POST', `${B}/recipients/test`, { json: b }),

  schedules: () => request<Schedules>('GET', `${B}/schedules`, { query: { next: 1 } }),
  addSchedule: (b: ScheduleBody) => request<Schedule>('POST', `${B}/schedules`, { json: b, query: { next: 1 } }),
  removeSchedule: (id: number) => request<object>('DELETE', `${B}/schedules/${id}`),

  triggers: () => request<Triggers>('GET', `${B}/manual-triggers`),
  setTrigger: (port: number, active: boolean) => request<Answer<I['one']>>('PUT', `${B}/manual-triggers/${port}`, { json: { active } }),
  virtualInputs: () => request<Answer<I['inputs']>>('GET', `${B}/virtual-inputs`),
  setVirtualInput: (port: number, active: boolean) => request<Answer<I['input']>>('PUT', `${B}/virtual-inputs/${port}`, { json: { active } }),
};
