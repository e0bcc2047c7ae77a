import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { BelfryError } from '@belfry/core';
import { cutBytes, raceSignal, SEND_LIMITS, sendError, temporaryName, TEST_TEXT, totalSignal, type Message, type Sender, type SendLimits, type Target } from './kind.js';
import { paramValue } from './templates.js';
import { checkFileName, uploadName } from './upload-name.js';

/**
 * Uploads the message as a file into the folder (which must exist: it is not created), passive mode
 * (basic-ftp speaks only passive), under a temporary name renamed once complete when `temporary` is
 * yes — a file under its real name is always whole.
 */
async function upload(t: Target, msg: Message, signal: AbortSignal, lim: SendLimits = SEND_LIMITS): Promise<void> {
  const p = (n: string) => paramValue(t.template, t.params, n);
  if (p('passive') === 'no') throw new BelfryError('failed_precondition', 'active FTP is not supported: use passive');
  const name = msg.fileName ?? uploadName();
  const bad = checkFileName(name);
  if (bad) throw new BelfryError('invalid_argument', bad);
  // basic-ftp's timeout is an idle limit: a server silent that long (greeting included) fails the upload
  const client = new Client(lim.connectMs);
  const s = totalSignal(signal, lim);
  const host = p('host');
  try {
    await raceSignal(
      (async () => {
        await client.access({ host, port: Number(p('port')), user: p('login') || 'anonymous', password: t.password || 'guest' });
        if (p('upload_path')) await client.cd(p('upload_path'));
        const data = () => Readable.from([Buffer.from(cutBytes(msg.text), 'utf8')]);
        if (p('temporary') === 'no') await client.uploadFrom(data(), name);
        else {
          const tmp = temporaryName(name);
          await client.uploadFrom(data(), tmp);
          await client.rename(tmp, name);
        }
      })(),
      s,
      () => client.close(),
    );
  } catch (e) {
    throw sendError(`FTP ${host}`, e, s);
  } finally {
    client.close();
  }
}

export const ftpSender: Sender = {
  send: upload,
  test: (t, signal, lim) => upload(t, { text: TEST_TEXT + '\n', fileName: 'belfry_test.txt' }, signal, lim),
};
