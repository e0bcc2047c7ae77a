import { Client, type SFTPWrapper } from 'ssh2';
import { BelfryError } from '@belfry/core';
import { cutBytes, raceSignal, SEND_LIMITS, sendError, temporaryName, TEST_TEXT, totalSignal, type Message, type Sender, type SendLimits, type Target } from './kind.js';
import { keyMatches } from './fingerprint.js';
import { paramValue } from './templates.js';
import { checkFileName, uploadName } from './upload-name.js';

const HOST_KEY_MISMATCH = 'the server host key does not match the configured fingerprint';

/** Connects and checks the host key before anything else: on a mismatch no password is sent. */
function connect(t: Target, lim: SendLimits): { client: Client; ready: Promise<SFTPWrapper> } {
  const p = (n: string) => paramValue(t.template, t.params, n);
  const client = new Client();
  let mismatch = false;
  const ready = new Promise<SFTPWrapper>((resolve, reject) => {
    client.on('error', (e) => reject(mismatch ? new BelfryError('failed_precondition', HOST_KEY_MISMATCH) : e));
    client.on('ready', () => client.sftp((e, sftp) => (e ? reject(e) : resolve(sftp))));
    client.connect({
      host: p('host'),
      port: Number(p('port')),
      username: p('login'),
      password: t.password ?? '',
      readyTimeout: lim.connectMs,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => !(mismatch = !keyMatches(key, p('ssh_host_public_key_md5'), p('ssh_host_public_key_sha256'))),
    });
  });
  return { client, ready };
}

const call = (fn: (cb: (e: Error | null | undefined) => void) => void) => new Promise<void>((res, rej) => fn((e) => (e ? rej(e) : res())));

async function upload(t: Target, msg: Message, signal: AbortSignal, lim: SendLimits = SEND_LIMITS): Promise<void> {
  const p = (n: string) => paramValue(t.template, t.params, n);
  const name = msg.fileName ?? uploadName();
  const bad = checkFileName(name);
  if (bad) throw new BelfryError('invalid_argument', bad);
  const s = totalSignal(signal, lim);
  const { client, ready } = connect(t, lim);
  const dir = p('upload_path').replace(/\/+$/, '');
  const at = (n: string) => (dir ? `${dir}/${n}` : n);
  try {
    await raceSignal(
      (async () => {
        const sftp = await ready;
        const data = Buffer.from(cutBytes(msg.text), 'utf8');
        const tmp = p('temporary') === 'no' ? name : temporaryName(name);
        await call((cb) => sftp.writeFile(at(tmp), data, cb));
        if (tmp !== name) await call((cb) => sftp.rename(at(tmp), at(name), cb));
      })(),
      s,
      () => client.end(),
    );
  } catch (e) {
    throw sendError(`SFTP ${p('host')}`, e, s);
  } finally {
    client.end();
  }
}

export const sftpSender: Sender = {
  send: upload,
  test: (t, signal, lim) => upload(t, { text: TEST_TEXT + '\n', fileName: 'belfry_test.txt' }, signal, lim),
};
