import { FIRMWARE } from '@belfry/param-db';
import { texts } from '../soap/envelope.js';
import { receiver } from '../soap/fault.js';
import { NS } from '../soap/names.js';
import type { Call, OpContext, OperationTable } from '../soap/ops.js';
import { readParams } from './params.js';

/** Service versions advertised (Axis's, which OV and NO accept). */
const VERSION = { device: [2, 42], other: [2, 60], vapix: [1, 0] } as const;

const version = ([major, minor]: readonly [number, number]) => `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version>`;

/** The capabilities of each service (its GetServiceCapabilities content), for GetServices. */
export const SERVICE_CAPABILITIES = {
  device:
    '<tds:Network IPFilter="false" ZeroConfiguration="false" IPVersion6="false" DynDNS="false" Dot11Configuration="false" HostnameFromDHCP="false" NTP="1"/>' +
    '<tds:Security TLS1.0="false" TLS1.1="false" TLS1.2="true" OnboardKeyGeneration="false" AccessPolicyConfig="false" DefaultAccessPolicy="false" Dot1X="false" RemoteUserHandling="false" X.509Token="false" SAMLToken="false" KerberosToken="false" UsernameToken="true" HttpDigest="true" RELToken="false" MaxUsers="100" MaxUserNameLength="32" MaxPasswordLength="64"/>' +
    '<tds:System DiscoveryResolve="true" DiscoveryBye="true" RemoteDiscovery="false" SystemBackup="false" SystemLogging="false" FirmwareUpgrade="false" HttpFirmwareUpgrade="false" HttpSystemBackup="false" HttpSystemLogging="false" HttpSupportInformation="false"/>',
  media: '<trt:ProfileCapabilities MaximumNumberOfProfiles="1"/><trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" RTP_RTSP_TCP="true" NonAggregateControl="false" NoRTSPStreaming="false"/>',
  events: '',
  deviceIO: '',
};

/** Subscriptions the events service keeps at once (pull points and push subscriptions together). */
export const MAX_SUBSCRIPTIONS = 16;

export function eventsCapabilities(): string {
  return `WSSubscriptionPolicySupport="true" WSPullPointSupport="true" WSPausableSubscriptionManagerInterfaceSupport="false" MaxNotificationProducers="${MAX_SUBSCRIPTIONS}" MaxPullPoints="${MAX_SUBSCRIPTIONS}" PersistentNotificationStorage="false"`;
}

function capsEl(prefix: string, inner: string, attrs = ''): string {
  return `<${prefix}:Capabilities${attrs ? ' ' + attrs : ''}>${inner}</${prefix}:Capabilities>`;
}

function services(call: Call, withCaps: boolean): string {
  const b = call.base();
  const svc = (ns: string, path: string, v: readonly [number, number], caps?: string) =>
    `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${b}${path}</tds:XAddr>${withCaps && caps !== undefined ? `<tds:Capabilities>${caps}</tds:Capabilities>` : ''}${version(v)}</tds:Service>`;
  return (
    svc(NS.tds, '/onvif/device_service', VERSION.device, capsEl('tds', SERVICE_CAPABILITIES.device)) +
    svc(NS.trt, '/onvif/services', VERSION.other, capsEl('trt', SERVICE_CAPABILITIES.media, 'SnapshotUri="false" Rotation="false" VideoSourceMode="false" OSD="false"')) +
    svc(NS.tev, '/onvif/services', VERSION.other, capsEl('tev', '', eventsCapabilities())) +
    svc(NS.tmd, '/onvif/services', VERSION.other, capsEl('tmd', '', 'VideoSources="0" VideoOutputs="0" AudioSources="1" AudioOutputs="1" RelayOutputs="0" SerialPorts="0" DigitalInputs="0"')) +
    // the VAPIX SOAP services (eventd's), as Axis devices list them: how an Axis "entry service" finds event1/action1
    svc('http://www.axis.com/vapix/ws/event1', '/vapix/services', VERSION.vapix) +
    svc('http://www.axis.com/vapix/ws/action1', '/vapix/services', VERSION.vapix)
  );
}

function capabilities(call: Call, category: string): string {
  const b = call.base();
  const device = `<tt:Device><tt:XAddr>${b}/onvif/device_service</tt:XAddr><tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network><tt:System><tt:DiscoveryResolve>true</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade><tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>42</tt:Minor></tt:SupportedVersions></tt:System><tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>true</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security></tt:Device>`;
  const events = `<tt:Events><tt:XAddr>${b}/onvif/services</tt:XAddr><tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport><tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>`;
  const media = `<tt:Media><tt:XAddr>${b}/onvif/services</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>`;
  const io = `<tt:Extension><tt:DeviceIO><tt:XAddr>${b}/onvif/services</tt:XAddr><tt:VideoSources>0</tt:VideoSources><tt:VideoOutputs>0</tt:VideoOutputs><tt:AudioSources>1</tt:AudioSources><tt:AudioOutputs>1</tt:AudioOutputs><tt:RelayOutputs>0</tt:RelayOutputs></tt:DeviceIO></tt:Extension>`;
  const parts: Record<string, string> = { Device: device, Events: events, Media: media };
  const inner = category === 'All' ? device + events + media + io : (parts[category] ?? '');
  return `<tds:GetCapabilitiesResponse><tds:Capabilities>${inner}</tds:Capabilities></tds:GetCapabilitiesResponse>`;
}

/** The device service's identity and capability operations. */
export const DEVICE_INFO_OPS: OperationTable = {
  GetDeviceInformation: {
    ns: NS.tds,
    least: 'viewer',
    async run(_op, c: OpContext) {
      const p = await readParams(c, ['Brand.Brand', 'Brand.ProdNbr', 'Properties.Firmware.Version', 'Properties.System.SerialNumber', 'Properties.System.HardwareID']);
      return `<tds:GetDeviceInformationResponse>${texts({
        'tds:Manufacturer': p['Brand.Brand'],
        'tds:Model': p['Brand.ProdNbr'],
        'tds:FirmwareVersion': p['Properties.Firmware.Version'] || FIRMWARE.version,
        'tds:SerialNumber': p['Properties.System.SerialNumber'],
        'tds:HardwareId': p['Properties.System.HardwareID'],
      })}</tds:GetDeviceInformationResponse>`;
    },
  },
  GetServices: {
    ns: NS.tds,
    least: 'pre',
    run: (op, _c, call) => `<tds:GetServicesResponse>${services(call, op.children.some((k) => k.name === 'IncludeCapability' && k.text.trim() === 'true'))}</tds:GetServicesResponse>`,
  },
  GetCapabilities: {
    ns: NS.tds,
    least: 'pre',
    run(op, _c, call) {
      const cats = op.children.filter((k) => k.name === 'Category').map((k) => k.text.trim());
      const cat = cats.length === 0 || cats.includes('All') ? 'All' : cats[0]!;
      // PTZ, Imaging, Analytics: the device has none of them
      if (!['All', 'Device', 'Events', 'Media'].includes(cat)) throw receiver('ter:NoSuchService', `the device has no ${cat.slice(0, 32)} service`);
      return capabilities(call, cat);
    },
  },
  [`${NS.tds}|GetServiceCapabilities`]: {
    ns: NS.tds,
    least: 'pre',
    run: () => `<tds:GetServiceCapabilitiesResponse>${capsEl('tds', SERVICE_CAPABILITIES.device)}</tds:GetServiceCapabilitiesResponse>`,
  },
  GetWsdlUrl: { ns: NS.tds, least: 'pre', run: () => '<tds:GetWsdlUrlResponse><tds:WsdlUrl>http://www.onvif.org/Documents/Specifications.aspx</tds:WsdlUrl></tds:GetWsdlUrlResponse>' },
};
