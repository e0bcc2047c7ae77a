import { childText } from '../soap/envelope.js';
import { receiver, sender, TER } from '../soap/fault.js';
import { NS } from '../soap/names.js';
import type { OpContext, Operation, OperationTable } from '../soap/ops.js';
import { readParams } from './params.js';

/** The one profile (audio only: the device has no video), its tokens and the configurations in it. */
export const PROFILE = 'profile_audio_1';
const T = { output: 'AudioOutput_0', source: 'AudioSource_0', aoc: 'aoc_0', adc: 'adc_0', asc: 'asc_0', aec: 'aec_0' } as const;

const ENCODING: Record<string, string> = { g711: 'G711', g726: 'G726', aac: 'AAC' };

interface Audio {
  mic: boolean;
  level: number;
  encoding: string;
  bitrateK: number;
  rateK: number;
}

async function audio(c: OpContext): Promise<Audio> {
  const p = await readParams(c, ['AudioSource.A0.OutputGain', 'AudioSource.A0.AudioEncoding', 'AudioSource.A0.BitRate', 'AudioSource.A0.SampleRate']);
  const gain = Number(p['AudioSource.A0.OutputGain'] || 0);
  return {
    mic: c.ctx.board.capabilities.audioIn,
    // OutputLevel 0–100 over the speaker's gain range, −60…+6 dB
    level: Math.round(((Math.min(6, Math.max(-60, gain)) + 60) / 66) * 100),
    encoding: ENCODING[p['AudioSource.A0.AudioEncoding']] ?? 'G711',
    bitrateK: Math.round(Number(p['AudioSource.A0.BitRate'] || 64000) / 1000),
    rateK: Math.round(Number(p['AudioSource.A0.SampleRate'] || 8000) / 1000),
  };
}

const aoc = (a: Audio) =>
  `<tt:Name>Speaker</tt:Name><tt:UseCount>1</tt:UseCount><tt:OutputToken>${T.output}</tt:OutputToken><tt:SendPrimacy>www.onvif.org/ver20/HalfDuplex/Auto</tt:SendPrimacy><tt:OutputLevel>${a.level}</tt:OutputLevel>`;
const adc = () => '<tt:Name>G711 decoder</tt:Name><tt:UseCount>1</tt:UseCount>';
const asc = () => `<tt:Name>Microphone</tt:Name><tt:UseCount>1</tt:UseCount><tt:SourceToken>${T.source}</tt:SourceToken>`;
const aec = (a: Audio) =>
  `<tt:Name>${a.encoding}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${a.encoding}</tt:Encoding><tt:Bitrate>${a.bitrateK}</tt:Bitrate><tt:SampleRate>${a.rateK}</tt:SampleRate>` +
  '<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>1</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast><tt:SessionTimeout>PT60S</tt:SessionTimeout>';

function profile(a: Audio, tag: string): string {
  const source = a.mic ? `<tt:AudioSourceConfiguration token="${T.asc}">${asc()}</tt:AudioSourceConfiguration><tt:AudioEncoderConfiguration token="${T.aec}">${aec(a)}</tt:AudioEncoderConfiguration>` : '';
  return (
    `<${tag} token="${PROFILE}" fixed="true"><tt:Name>Speaker</tt:Name>${source}` +
    `<tt:Extension><tt:AudioOutputConfiguration token="${T.aoc}">${aoc(a)}</tt:AudioOutputConfiguration><tt:AudioDecoderConfiguration token="${T.adc}">${adc()}</tt:AudioDecoderConfiguration></tt:Extension></${tag}>`
  );
}

function checkProfile(token: string | undefined): void {
  if (token !== PROFILE) throw sender(TER.noProfile, `no profile ${String(token ?? '').slice(0, 64)}`);
}

/** An operation answering `<trt:<Name>Response>` around `inner` (Media ver10). */
function media(name: string, inner: (a: Audio, op: Parameters<Operation['run']>[0]) => string, least: Operation['least'] = 'viewer'): Operation {
  return { ns: NS.trt, least, run: async (op, c) => `<trt:${name}Response>${inner(await audio(c), op)}</trt:${name}Response>` };
}

const micOnly = (a: Audio, s: string) => (a.mic ? s : '');

/** Media (ver10) with the audio-only profile. Media2 is not advertised: it is not complete. */
export const MEDIA_OPS: OperationTable = {
  GetProfiles: media('GetProfiles', (a) => profile(a, 'trt:Profiles')),
  GetProfile: media('GetProfile', (a, op) => (checkProfile(childText(op, 'ProfileToken')), profile(a, 'trt:Profile'))),
  GetVideoSources: media('GetVideoSources', () => ''),
  [`${NS.trt}|GetAudioOutputs`]: media('GetAudioOutputs', () => `<trt:AudioOutputs token="${T.output}"/>`),
  GetAudioOutputConfigurations: media('GetAudioOutputConfigurations', (a) => `<trt:Configurations token="${T.aoc}">${aoc(a)}</trt:Configurations>`),
  GetAudioOutputConfiguration: media('GetAudioOutputConfiguration', (a, op) => {
    if (childText(op, 'ConfigurationToken') !== T.aoc) throw sender(TER.noConfig, 'no such configuration');
    return `<trt:Configuration token="${T.aoc}">${aoc(a)}</trt:Configuration>`;
  }),
  GetAudioDecoderConfigurations: media('GetAudioDecoderConfigurations', () => `<trt:Configurations token="${T.adc}">${adc()}</trt:Configurations>`),
  [`${NS.trt}|GetAudioSources`]: media('GetAudioSources', (a) => micOnly(a, `<trt:AudioSources token="${T.source}"><tt:Channels>1</tt:Channels></trt:AudioSources>`)),
  GetAudioSourceConfigurations: media('GetAudioSourceConfigurations', (a) => micOnly(a, `<trt:Configurations token="${T.asc}">${asc()}</trt:Configurations>`)),
  GetAudioEncoderConfigurations: media('GetAudioEncoderConfigurations', (a) => micOnly(a, `<trt:Configurations token="${T.aec}">${aec(a)}</trt:Configurations>`)),
  GetStreamUri: {
    ns: NS.trt,
    least: 'viewer',
    run(op) {
      checkProfile(childText(op, 'ProfileToken'));
      // the device serves no RTSP audio stream (its RTSP server carries events only): nothing to point at
      throw receiver(TER.actionNotSupported, 'the device serves no media stream over RTSP');
    },
  },
  GetSnapshotUri: { ns: NS.trt, least: 'viewer', run: () => { throw receiver(TER.actionNotSupported, 'the device has no video'); } },
  [`${NS.trt}|GetServiceCapabilities`]: {
    ns: NS.trt,
    least: 'pre',
    run: () => '<trt:GetServiceCapabilitiesResponse><trt:Capabilities SnapshotUri="false" Rotation="false" VideoSourceMode="false" OSD="false"><trt:ProfileCapabilities MaximumNumberOfProfiles="1"/><trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" RTP_RTSP_TCP="true" NonAggregateControl="false" NoRTSPStreaming="false"/></trt:Capabilities></trt:GetServiceCapabilitiesResponse>',
  },
};

/** DeviceIO (ver10): the speaker output and the microphone; no relays, no video. */
export const DEVICEIO_OPS: OperationTable = {
  [`${NS.tmd}|GetAudioOutputs`]: { ns: NS.tmd, least: 'viewer', run: () => `<tmd:GetAudioOutputsResponse><tmd:Token>${T.output}</tmd:Token></tmd:GetAudioOutputsResponse>` },
  [`${NS.tmd}|GetAudioSources`]: { ns: NS.tmd, least: 'viewer', run: (_op, c) => `<tmd:GetAudioSourcesResponse>${c.ctx.board.capabilities.audioIn ? `<tmd:Token>${T.source}</tmd:Token>` : ''}</tmd:GetAudioSourcesResponse>` },
  [`${NS.tmd}|GetRelayOutputs`]: { ns: NS.tmd, least: 'viewer', run: () => '<tmd:GetRelayOutputsResponse/>' },
  [`${NS.trt}|GetVideoOutputs`]: { ns: NS.tmd, least: 'viewer', run: () => '<tmd:GetVideoOutputsResponse/>' },
  [`${NS.tmd}|GetServiceCapabilities`]: {
    ns: NS.tmd,
    least: 'pre',
    run: () => '<tmd:GetServiceCapabilitiesResponse><tmd:Capabilities VideoSources="0" VideoOutputs="0" AudioSources="1" AudioOutputs="1" RelayOutputs="0" SerialPorts="0" DigitalInputs="0"/></tmd:GetServiceCapabilitiesResponse>',
  },
};
