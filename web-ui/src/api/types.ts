// The JSON API's types, taken from the TypeBox schemas the device checks requests against (type
// imports only: nothing of the daemons is bundled). A schema change is a type error here.
import type { Static, TSchema } from 'typebox';
import type { API_SCHEMAS } from '../../../daemons/httpd/src/cgi/api-schemas.js';
import type { AUDIOD_API_SCHEMAS, BandResult, SpeakerTestReport as MeasuredReport } from '../../../daemons/audiod/src/contract.js';

type H = typeof API_SCHEMAS;
type A = typeof AUDIOD_API_SCHEMAS;

/** The body a route takes. */
export type Body<S> = S extends { body: infer B extends TSchema } ? Static<B> : never;
/** The query a route takes. */
export type Query<S> = S extends { querystring: infer Q extends TSchema } ? Static<Q> : never;
/** The answer of a route for a status code. */
export type Answer<S, C extends number = 200> = S extends { response: infer R } ? (C extends keyof R ? (R[C] extends TSchema ? Static<R[C]> : never) : never) : never;

export type Login = Body<H['login']>;
export type SessionInfo = Answer<H['login']>;
export type Session = Answer<H['session']>;
export type Users = Answer<H['users']>;
export type Account = Answer<H['addUser'], 201>;
export type NewAccount = Body<H['addUser']>;
export type AccountChange = Body<H['updateUser']>;
export type Role = Account['role'];
export type Clients = Answer<H['clients']>;

export type Clips = Answer<A['clips']['GET']>;
export type Clip = Clips['clips'][number];
export type Uploaded = Answer<A['clips']['POST'], 201> | Answer<A['clips']['POST'], 200>;
export type UploadQuery = Query<A['clips']['POST']>;
export type Rename = Body<A['clip']['PATCH']>;
export type Play = Body<A['play']>;
export type Playing = Answer<A['play']>;
export type LinkQuery = Query<A['link']>;
export type Link = Answer<A['link']>;
export type Stopped = Answer<A['stop']>;
export type AudioStatus = Answer<A['status']>;
export type SpeakerTestReport = Answer<A['speakerTest']>;
export type SpeakerTestAction = A['speakerTestAction'] extends { params: infer P extends TSchema } ? Static<P>['action'] : never;

/** The measured details of a speaker test report (audiod's own types; the route schema leaves them open). */
export type Band = BandResult;
export type ReportDetails = NonNullable<MeasuredReport['details']>;
