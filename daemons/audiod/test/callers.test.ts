import t from 'tap';
import { RpcCaller } from '@belfry/core';
import { AUDIOD } from '../src/contract.js';
import { startAudioDevice } from './device.js';

// audiod serves its contract: every method says who may call it, and the RPC server enforces it
t.test('an app may not drive the speaker; a daemon may', async (t) => {
  const d = await startAudioDevice(t);
  const app = new RpcCaller(await d.tb.connect(await d.tb.addApp('jukebox')));
  t.teardown(() => app.close());
  const asApp = app.client(AUDIOD);
  await t.rejects(asApp.play({ clip: 0 }), { code: 'permission_denied' }, 'play refused to an app');
  await t.rejects(asApp.removeClip({ clip: 0 }), { code: 'permission_denied' }, 'removeClip refused to an app');
  await t.rejects(asApp.listClips({}), { code: 'permission_denied' }, 'listClips is for daemons only');
  const asDaemon = d.rpc.client(AUDIOD);
  t.match(await asDaemon.listClips({}), { clips: [{ id: 0 }] }, 'a daemon lists the clips');
  await t.rejects(asDaemon.play({ clip: 'x' as never }), { code: 'bad_request' }, 'params checked by the contract schema');
});
