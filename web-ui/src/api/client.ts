// The JSON API (/api/v1), typed from the device's schemas (types.ts).
import { request, upload } from './http.js';
import type * as T from './types.js';


export const api = {
  login: (b: T.Login) => request<T.SessionInfo>('POST', '/api/v1/session', { json: b }),
  session: () => request<T.Session>('GET', '/api/v1/session'),
  logout: () => request<object>('DELETE', '/api/v1/session'),
  users: () => request<T.Users>('GET', '/api/v1/users'),
  addUser: (b: T.NewAccount) => request<T.Account>('POST', '/api/v1/users', { json: b }),
  updateUser: (user: string, b: T.AccountChange) => request<T.Account>('PATCH', `/api/v1/users/${encodeURIComponent(user)}`, { json: b }),
  clients: () => request<T.Clients>('GET', '/api/v1/clients'),
  removeUser: (user: string) => request<object>('DELETE', `/api/v1/users/${encodeURIComponent(user)}`),

  clips: () => request<T.Clips>('GET', '/api/v1/clips'),
  upload: (q: T.UploadQuery, file: Blob, onProgress: (f: number) => void) => upload<T.Uploaded>('/api/v1/clips', q, file, onProgress),
  rename: (id: number, b: T.Rename) => request<object>('PATCH', `/api/v1/clips/${id}`, { json: b }),
  removeClip: (id: number) => request<object>('DELETE', `/api/v1/clips/${id}`),
  play: (id: number, b: T.Play) => request<T.Playing>('POST', `/api/v1/clips/${id}/play`, { json: b }),
  stop: () => request<T.Stopped>('POST', '/api/v1/clips/stop', { json: {} }),
  link: (id: number, q: T.LinkQuery) => request<T.Link>('GET', `/api/v1/clips/${id}/link`, { query: q }),
  clipAudio: (id: number) => request<Blob>('GET', `/api/v1/clips/${id}/audio`, { as: 'blob' }),
  audioStatus: () => request<T.AudioStatus>('GET', '/api/v1/audio/status'),
  speakerTest: () => request<T.SpeakerTestReport>('GET', '/api/v1/speaker-test'),
  speakerTestAction: (action: T.SpeakerTestAction) => request<T.SpeakerTestReport>('POST', `/api/v1/speaker-test/${action}`, { json: {} }),
};
