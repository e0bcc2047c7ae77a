// A worker thread's entry: makes the self-signed certificate (self-signed.ts) and posts it back.
// In a worker so that @peculiar/x509 and reflect-metadata (~3 MB of heap, loaded modules are never
// freed) go with its isolate when it exits: a device's first boot leaves httpd as lean as the next.
import { parentPort, workerData } from 'node:worker_threads';
import { makeSelfSigned } from './self-signed.js';

parentPort!.postMessage(await makeSelfSigned(workerData as Parameters<typeof makeSelfSigned>[0]));
