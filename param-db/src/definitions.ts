import audio from '../defs/Audio.json' with { type: 'json' };
import brand from '../defs/Brand.json' with { type: 'json' };
import cert from '../defs/Cert.json' with { type: 'json' };
import dot1x from '../defs/Dot1X.json' with { type: 'json' };
import eventRecipient from '../defs/EventRecipient.json' with { type: 'json' };
import firewall from '../defs/Firewall.json' with { type: 'json' };
import http from '../defs/HTTP.json' with { type: 'json' };
import io from '../defs/IO.json' with { type: 'json' };
import mediaClip from '../defs/MediaClip.json' with { type: 'json' };
import mqtt from '../defs/MQTT.json' with { type: 'json' };
import network from '../defs/Network.json' with { type: 'json' };
import onvif from '../defs/Onvif.json' with { type: 'json' };
import properties from '../defs/Properties.json' with { type: 'json' };
import sip from '../defs/SIP.json' with { type: 'json' };
import time from '../defs/Time.json' with { type: 'json' };
import type { BoardIdentity } from '@belfry/board';
import { FIRMWARE } from './firmware.js';
import { Registry } from './registry.js';
import type { DefsFile } from './types.js';

/** Every definitions file of this firmware (`param-db/defs/`, checked against the schema at build). */
export const DEFINITION_FILES: Record<string, DefsFile> = {
  Audio: audio as DefsFile,
  Brand: brand as DefsFile,
  Cert: cert as DefsFile,
  Dot1X: dot1x as DefsFile,
  EventRecipient: eventRecipient as DefsFile,
  Firewall: firewall as DefsFile,
  HTTP: http as DefsFile,
  IO: io as DefsFile,
  MediaClip: mediaClip as DefsFile,
  MQTT: mqtt as DefsFile,
  Network: network as DefsFile,
  Onvif: onvif as DefsFile,
  Properties: properties as DefsFile,
  SIP: sip as DefsFile,
  Time: time as DefsFile,
};

/**
 * The `${…}` values definitions may use: the board identity, this firmware, and the device's default
 * ports (`HTTP_PORT`/`HTTPS_PORT`/`RTSP_PORT` let several simulated devices run side by side).
 */
export function definitionVars(identity: BoardIdentity, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const vars: Record<string, string> = { 'device.httpPort': env.HTTP_PORT || '80', 'device.httpsPort': env.HTTPS_PORT || '443', 'device.rtspPort': env.RTSP_PORT || '554' };
  for (const [k, v] of Object.entries(identity)) vars[`board.${k}`] = String(v);
  for (const [k, v] of Object.entries(FIRMWARE)) vars[`firmware.${k}`] = v;
  return vars;
}

export function deviceRegistry(identity: BoardIdentity): Registry {
  return new Registry(Object.values(DEFINITION_FILES), definitionVars(identity));
}
