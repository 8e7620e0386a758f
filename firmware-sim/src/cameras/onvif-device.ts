import type { IncomingHttpHeaders } from 'node:http';
import type { DigestAuth } from './http-digest.js';
import { envelope, FAULTS, faultXml, NS, type SoapFault } from './soap.js';
import { verifyUsernameToken } from './ws-security.js';
import { child, escapeXml, parseXml, textOf, XmlError, type XmlElement } from './xml.js';

/**
 * The ONVIF device and media services (Profile S essentials) of one simulated camera: SOAP in,
 * SOAP out. Transport (HTTP server) lives in onvif-service.ts, faults in sim-camera.ts.
 *
 * Authentication: WS-UsernameToken (PasswordDigest or PasswordText) or HTTP Digest. PRE_AUTH
 * operations (GetSystemDateAndTime, GetCapabilities, GetServices, GetServiceCapabilities,
 * GetWsdlUrl, GetHostname, GetEndpointReference) answer without credentials; every other operation
 * needs them. Credentials that are sent must be right, except on GetSystemDateAndTime, which a
 * client calls first to learn the camera's clock. A wrong UsernameToken gets HTTP 400 with the SOAP
 * fault env:Sender/ter:NotAuthorized; no credentials or a wrong HTTP Digest gets HTTP 401 with a
 * Digest challenge and the same fault.
 */

export interface DeviceInfo {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
  hostname: string;
}

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  gopFrames: number;
  bitrateKbps: number;
}

export interface UserStore {
  passwordOf(username: string): string | undefined;
  setPassword(username: string, password: string): boolean;
  list(): { username: string; level: 'Administrator' | 'Operator' | 'User' }[];
}

export interface OnvifContext {
  info: DeviceInfo;
  video: VideoInfo;
  host: string;
  deviceUrl: () => string;
  mediaUrl: () => string;
  streamUri: () => string;
  snapshotUri: () => string;
  scopes: () => string[];
  endpoint: string;
  users: UserStore;
  digest: DigestAuth;
  /** The camera's clock (ms since the epoch); may be skewed on purpose. */
  clockMs: () => number;
  /** POSIX TZ string and its offset from UTC in minutes (Vietnam: ICT-7, +420). */
  timeZone: { posix: string; offsetMinutes: number };
  log: (line: string) => void;
}

export interface SoapReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const PROFILE = 'profile_1';
const VIDEO_SOURCE = 'video_source_1';
const VSC = 'video_source_config_1';
const VEC = 'video_encoder_config_1';

type Access = 'none' | 'pre' | 'auth';
type Operation = (ctx: OnvifContext, request: XmlElement) => string | SoapFault;

const isFault = (r: string | SoapFault): r is SoapFault => typeof r !== 'string';

function dateTimeXml(ms: number): string {
  const d = new Date(ms);
  return (
    `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
    `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>`
  );
}

const deviceServiceCapabilities = () =>
  `<tds:Capabilities>` +
  `<tds:Network IPFilter="false" ZeroConfiguration="false" IPVersion6="false" DynDNS="false" Dot11Configuration="false" HostnameFromDHCP="false" NTP="0"/>` +
  `<tds:Security TLS1.0="false" TLS1.1="false" TLS1.2="false" OnboardKeyGeneration="false" AccessPolicyConfig="false" DefaultAccessPolicy="false" Dot1X="false" RemoteUserHandling="false" X.509Token="false" SAMLToken="false" KerberosToken="false" UsernameToken="true" HttpDigest="true" RELToken="false" MaxUsers="1" MaxUserNameLength="32" MaxPasswordLength="64"/>` +
  `<tds:System DiscoveryResolve="false" DiscoveryBye="false" RemoteDiscovery="false" SystemBackup="false" SystemLogging="false" FirmwareUpgrade="false" HttpFirmwareUpgrade="false" HttpSystemBackup="false" HttpSystemLogging="false" HttpSupportInformation="false"/>` +
  `</tds:Capabilities>`;

const mediaServiceCapabilities = () =>
  `<trt:Capabilities SnapshotUri="true" Rotation="false" VideoSourceMode="false" OSD="false" EXICompression="false">` +
  `<trt:ProfileCapabilities MaximumNumberOfProfiles="1"/>` +
  `<trt:StreamingCapabilities RTPMulticast="false" RTP_TCP="true" RTP_RTSP_TCP="true" NonAggregateControl="false" NoRTSPStreaming="false"/>` +
  `</trt:Capabilities>`;

function videoSourceConfiguration(ctx: OnvifContext, tag: string): string {
  return (
    `<${tag} token="${VSC}"><tt:Name>VideoSourceConfig_1</tt:Name><tt:UseCount>1</tt:UseCount><tt:SourceToken>${VIDEO_SOURCE}</tt:SourceToken>` +
    `<tt:Bounds x="0" y="0" width="${ctx.video.width}" height="${ctx.video.height}"/></${tag}>`
  );
}

function videoEncoderConfiguration(ctx: OnvifContext, tag: string): string {
  const v = ctx.video;
  return (
    `<${tag} token="${VEC}"><tt:Name>VideoEncoderConfig_1</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding>` +
    `<tt:Resolution><tt:Width>${v.width}</tt:Width><tt:Height>${v.height}</tt:Height></tt:Resolution>` +
    `<tt:Quality>5</tt:Quality>` +
    `<tt:RateControl><tt:FrameRateLimit>${Math.round(v.fps)}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${v.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
    `<tt:H264><tt:GovLength>${v.gopFrames}</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>` +
    `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>` +
    `<tt:SessionTimeout>PT60S</tt:SessionTimeout></${tag}>`
  );
}

function profileXml(ctx: OnvifContext, tag: string): string {
  return (
    `<${tag} token="${PROFILE}" fixed="true"><tt:Name>MainStream</tt:Name>` +
    videoSourceConfiguration(ctx, 'tt:VideoSourceConfiguration') +
    videoEncoderConfiguration(ctx, 'tt:VideoEncoderConfiguration') +
    `</${tag}>`
  );
}

function checkProfile(request: XmlElement): SoapFault | null {
  const token = textOf(request, 'ProfileToken');
  return token === PROFILE ? null : FAULTS.noProfile();
}

function mediaUri(uri: string): string {
  return `<tt:Uri>${escapeXml(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout>`;
}

const DEVICE: Record<string, [Access, Operation]> = {
  GetSystemDateAndTime: [
    'none',
    (ctx) => {
      const now = ctx.clockMs();
      return (
        `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>` +
        `<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
        `<tt:TimeZone><tt:TZ>${ctx.timeZone.posix}</tt:TZ></tt:TimeZone>` +
        `<tt:UTCDateTime>${dateTimeXml(now)}</tt:UTCDateTime>` +
        `<tt:LocalDateTime>${dateTimeXml(now + ctx.timeZone.offsetMinutes * 60_000)}</tt:LocalDateTime>` +
        `</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
      );
    },
  ],
  GetCapabilities: [
    'pre',
    (ctx, req) => {
      const categories = req.children.filter((c) => c.local === 'Category').map((c) => c.text.trim());
      const want = (c: string) => categories.length === 0 || categories.includes('All') || categories.includes(c);
      if (!want('Device') && !want('Media')) {
        return { status: 500, code: 'env:Receiver', subcodes: ['ter:ActionNotSupported', 'ter:NoSuchService'], reason: `no ${categories.join(', ')} service` };
      }
      return (
        `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
        (want('Device')
          ? `<tt:Device><tt:XAddr>${escapeXml(ctx.deviceUrl())}</tt:XAddr>` +
            `<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>` +
            `<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>false</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>` +
            `<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System>` +
            `<tt:IO><tt:InputConnectors>0</tt:InputConnectors><tt:RelayOutputs>0</tt:RelayOutputs></tt:IO>` +
            `<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security>` +
            `</tt:Device>`
          : '') +
        (want('Media')
          ? `<tt:Media><tt:XAddr>${escapeXml(ctx.mediaUrl())}</tt:XAddr>` +
            `<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities>` +
            `</tt:Media>`
          : '') +
        `</tds:Capabilities></tds:GetCapabilitiesResponse>`
      );
    },
  ],
  GetServices: [
    'pre',
    (ctx, req) => {
      const withCaps = textOf(req, 'IncludeCapability') === 'true';
      const service = (ns: string, url: string, caps: string) =>
        `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${escapeXml(url)}</tds:XAddr>` +
        (withCaps ? `<tds:Capabilities>${caps}</tds:Capabilities>` : '') +
        `<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;
      return (
        `<tds:GetServicesResponse>` +
        service(NS.tds, ctx.deviceUrl(), deviceServiceCapabilities()) +
        service(NS.trt, ctx.mediaUrl(), mediaServiceCapabilities()) +
        `</tds:GetServicesResponse>`
      );
    },
  ],
  GetServiceCapabilities: ['pre', () => `<tds:GetServiceCapabilitiesResponse>${deviceServiceCapabilities()}</tds:GetServiceCapabilitiesResponse>`],
  GetWsdlUrl: ['pre', () => `<tds:GetWsdlUrlResponse><tds:WsdlUrl>http://www.onvif.org/</tds:WsdlUrl></tds:GetWsdlUrlResponse>`],
  GetEndpointReference: ['pre', (ctx) => `<tds:GetEndpointReferenceResponse><tds:GUID>${ctx.endpoint}</tds:GUID></tds:GetEndpointReferenceResponse>`],
  GetHostname: [
    'pre',
    (ctx) =>
      `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>${escapeXml(ctx.info.hostname)}</tt:Name></tds:HostnameInformation></tds:GetHostnameResponse>`,
  ],
  GetDeviceInformation: [
    'auth',
    ({ info }) =>
      `<tds:GetDeviceInformationResponse>` +
      `<tds:Manufacturer>${escapeXml(info.manufacturer)}</tds:Manufacturer><tds:Model>${escapeXml(info.model)}</tds:Model>` +
      `<tds:FirmwareVersion>${escapeXml(info.firmwareVersion)}</tds:FirmwareVersion><tds:SerialNumber>${escapeXml(info.serialNumber)}</tds:SerialNumber>` +
      `<tds:HardwareId>${escapeXml(info.hardwareId)}</tds:HardwareId></tds:GetDeviceInformationResponse>`,
  ],
  GetScopes: [
    'auth',
    (ctx) =>
      `<tds:GetScopesResponse>` +
      ctx
        .scopes()
        .map((s) => `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${escapeXml(s)}</tt:ScopeItem></tds:Scopes>`)
        .join('') +
      `</tds:GetScopesResponse>`,
  ],
  GetNetworkInterfaces: [
    'auth',
    (ctx) =>
      `<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled>` +
      `<tt:Info><tt:Name>eth0</tt:Name><tt:HwAddress>02:00:00:00:00:01</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>` +
      `<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual><tt:Address>${ctx.host}</tt:Address><tt:PrefixLength>8</tt:PrefixLength></tt:Manual><tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4>` +
      `</tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>`,
  ],
  GetNTP: [
    'auth',
    () =>
      `<tds:GetNTPResponse><tds:NTPInformation><tt:FromDHCP>false</tt:FromDHCP>` +
      `<tt:NTPManual><tt:Type>DNS</tt:Type><tt:DNSname>pool.ntp.org</tt:DNSname></tt:NTPManual></tds:NTPInformation></tds:GetNTPResponse>`,
  ],
  GetDNS: [
    'auth',
    (ctx) =>
      `<tds:GetDNSResponse><tds:DNSInformation><tt:FromDHCP>false</tt:FromDHCP>` +
      `<tt:DNSManual><tt:Type>IPv4</tt:Type><tt:IPv4Address>${ctx.host}</tt:IPv4Address></tt:DNSManual></tds:DNSInformation></tds:GetDNSResponse>`,
  ],
  GetNetworkDefaultGateway: [
    'auth',
    (ctx) =>
      `<tds:GetNetworkDefaultGatewayResponse><tds:NetworkGateway><tt:IPv4Address>${ctx.host}</tt:IPv4Address></tds:NetworkGateway></tds:GetNetworkDefaultGatewayResponse>`,
  ],
  GetUsers: [
    'auth',
    (ctx) =>
      `<tds:GetUsersResponse>` +
      ctx.users
        .list()
        .map((u) => `<tds:User><tt:Username>${escapeXml(u.username)}</tt:Username><tt:UserLevel>${u.level}</tt:UserLevel></tds:User>`)
        .join('') +
      `</tds:GetUsersResponse>`,
  ],
  SetUser: [
    'auth',
    (ctx, req) => {
      const users = req.children.filter((c) => c.local === 'User');
      if (!users.length) return FAULTS.invalidArg('no User given');
      for (const u of users) {
        const username = textOf(u, 'Username') ?? '';
        const password = textOf(u, 'Password');
        if (ctx.users.passwordOf(username) === undefined) return FAULTS.usernameMissing();
        if (password === undefined || password.length === 0) return FAULTS.invalidArg('a password is required');
        if (password.length > 64) return { status: 400, code: 'env:Sender', subcodes: ['ter:OperationProhibited', 'ter:PasswordTooLong'], reason: 'The password is too long' };
      }
      for (const u of users) ctx.users.setPassword(textOf(u, 'Username')!, textOf(u, 'Password')!);
      return `<tds:SetUserResponse/>`;
    },
  ],
};

const MEDIA: Record<string, [Access, Operation]> = {
  GetServiceCapabilities: ['pre', () => `<trt:GetServiceCapabilitiesResponse>${mediaServiceCapabilities()}</trt:GetServiceCapabilitiesResponse>`],
  GetProfiles: ['auth', (ctx) => `<trt:GetProfilesResponse>${profileXml(ctx, 'trt:Profiles')}</trt:GetProfilesResponse>`],
  GetProfile: ['auth', (ctx, req) => checkProfile(req) ?? `<trt:GetProfileResponse>${profileXml(ctx, 'trt:Profile')}</trt:GetProfileResponse>`],
  GetVideoSources: [
    'auth',
    ({ video }) =>
      `<trt:GetVideoSourcesResponse><trt:VideoSources token="${VIDEO_SOURCE}"><tt:Framerate>${video.fps}</tt:Framerate>` +
      `<tt:Resolution><tt:Width>${video.width}</tt:Width><tt:Height>${video.height}</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`,
  ],
  GetVideoSourceConfigurations: ['auth', (ctx) => `<trt:GetVideoSourceConfigurationsResponse>${videoSourceConfiguration(ctx, 'trt:Configurations')}</trt:GetVideoSourceConfigurationsResponse>`],
  GetVideoSourceConfiguration: [
    'auth',
    (ctx, req) =>
      textOf(req, 'ConfigurationToken') === VSC
        ? `<trt:GetVideoSourceConfigurationResponse>${videoSourceConfiguration(ctx, 'trt:Configuration')}</trt:GetVideoSourceConfigurationResponse>`
        : { status: 400, code: 'env:Sender', subcodes: ['ter:InvalidArgVal', 'ter:NoConfig'], reason: 'The requested configuration does not exist' },
  ],
  GetVideoEncoderConfigurations: ['auth', (ctx) => `<trt:GetVideoEncoderConfigurationsResponse>${videoEncoderConfiguration(ctx, 'trt:Configurations')}</trt:GetVideoEncoderConfigurationsResponse>`],
  GetVideoEncoderConfiguration: [
    'auth',
    (ctx, req) =>
      textOf(req, 'ConfigurationToken') === VEC
        ? `<trt:GetVideoEncoderConfigurationResponse>${videoEncoderConfiguration(ctx, 'trt:Configuration')}</trt:GetVideoEncoderConfigurationResponse>`
        : { status: 400, code: 'env:Sender', subcodes: ['ter:InvalidArgVal', 'ter:NoConfig'], reason: 'The requested configuration does not exist' },
  ],
  GetVideoEncoderConfigurationOptions: [
    'auth',
    ({ video }) => {
      const fps = Math.round(video.fps);
      return (
        `<trt:GetVideoEncoderConfigurationOptionsResponse><trt:Options>` +
        `<tt:QualityRange><tt:Min>5</tt:Min><tt:Max>5</tt:Max></tt:QualityRange>` +
        `<tt:H264><tt:ResolutionsAvailable><tt:Width>${video.width}</tt:Width><tt:Height>${video.height}</tt:Height></tt:ResolutionsAvailable>` +
        `<tt:GovLengthRange><tt:Min>${video.gopFrames}</tt:Min><tt:Max>${video.gopFrames}</tt:Max></tt:GovLengthRange>` +
        `<tt:FrameRateRange><tt:Min>${fps}</tt:Min><tt:Max>${fps}</tt:Max></tt:FrameRateRange>` +
        `<tt:EncodingIntervalRange><tt:Min>1</tt:Min><tt:Max>1</tt:Max></tt:EncodingIntervalRange>` +
        `<tt:H264ProfilesSupported>Main</tt:H264ProfilesSupported></tt:H264>` +
        `<tt:Extension><tt:H264><tt:ResolutionsAvailable><tt:Width>${video.width}</tt:Width><tt:Height>${video.height}</tt:Height></tt:ResolutionsAvailable>` +
        `<tt:GovLengthRange><tt:Min>${video.gopFrames}</tt:Min><tt:Max>${video.gopFrames}</tt:Max></tt:GovLengthRange>` +
        `<tt:FrameRateRange><tt:Min>${fps}</tt:Min><tt:Max>${fps}</tt:Max></tt:FrameRateRange>` +
        `<tt:EncodingIntervalRange><tt:Min>1</tt:Min><tt:Max>1</tt:Max></tt:EncodingIntervalRange>` +
        `<tt:H264ProfilesSupported>Main</tt:H264ProfilesSupported>` +
        `<tt:BitrateRange><tt:Min>${video.bitrateKbps}</tt:Min><tt:Max>${video.bitrateKbps}</tt:Max></tt:BitrateRange></tt:H264></tt:Extension>` +
        `</trt:Options></trt:GetVideoEncoderConfigurationOptionsResponse>`
      );
    },
  ],
  GetAudioSources: ['auth', () => `<trt:GetAudioSourcesResponse/>`],
  GetStreamUri: [
    'auth',
    (ctx, req) => {
      const noProfile = checkProfile(req);
      if (noProfile) return noProfile;
      const stream = textOf(req, 'Stream') ?? 'RTP-Unicast';
      const protocol = textOf(req, 'Protocol') ?? 'RTSP';
      if (stream !== 'RTP-Unicast') return FAULTS.invalidStreamSetup(`${stream} (only RTP-Unicast)`);
      if (!['RTSP', 'UDP', 'TCP'].includes(protocol)) return FAULTS.invalidStreamSetup(`${protocol} (RTSP, UDP or TCP)`);
      return `<trt:GetStreamUriResponse><trt:MediaUri>${mediaUri(ctx.streamUri())}</trt:MediaUri></trt:GetStreamUriResponse>`;
    },
  ],
  GetSnapshotUri: [
    'auth',
    (ctx, req) => checkProfile(req) ?? `<trt:GetSnapshotUriResponse><trt:MediaUri>${mediaUri(ctx.snapshotUri())}</trt:MediaUri></trt:GetSnapshotUriResponse>`,
  ],
};

export class OnvifDevice {
  constructor(private readonly ctx: OnvifContext) {}

  private fault(f: SoapFault, challenge = false, stale = false): SoapReply {
    const headers: Record<string, string> = {};
    let status = f.status;
    if (challenge) {
      status = 401;
      headers['WWW-Authenticate'] = this.ctx.digest.challenge(stale);
    }
    return { status, body: faultXml(f), headers };
  }

  /** Handles one SOAP POST. `target` is the request-target as sent (for HTTP Digest). */
  handle(body: string, headers: IncomingHttpHeaders, target: string): SoapReply {
    let env: XmlElement;
    try {
      env = parseXml(body);
    } catch (err) {
      return this.fault(FAULTS.wellFormed(err instanceof XmlError ? err.message : 'unreadable request'));
    }
    const soapNs = env.ns === NS.soap || env.ns === NS.soap11 ? env.ns : null;
    if (env.local !== 'Envelope' || !soapNs) return this.fault(FAULTS.wellFormed('not a SOAP envelope'));
    const request = child(env, 'Body', soapNs)?.children[0];
    if (!request) return this.fault(FAULTS.wellFormed('empty Body'));
    const table = request.ns === NS.tds ? DEVICE : request.ns === NS.trt ? MEDIA : undefined;
    const entry = table?.[request.local];
    if (!entry) {
      this.ctx.log(`onvif: unsupported ${request.ns} ${request.local}`);
      return this.fault(FAULTS.actionNotSupported(request.local));
    }
    const [access, operation] = entry;

    if (access !== 'none') {
      const token = verifyUsernameToken(child(env, 'Header', soapNs), (u) => this.ctx.users.passwordOf(u), this.ctx.clockMs());
      if (token.kind === 'invalid') {
        this.ctx.log(`onvif: ${request.local} refused: ${token.reason}`);
        return this.fault(FAULTS.notAuthorized());
      }
      const digest = this.ctx.digest.verify(headers.authorization, 'POST', target, (u) => this.ctx.users.passwordOf(u));
      if (digest === 'invalid' || digest === 'stale') {
        this.ctx.log(`onvif: ${request.local} refused: HTTP Digest ${digest}`);
        return this.fault(FAULTS.notAuthorized(), true, digest === 'stale');
      }
      if (access === 'auth' && token.kind !== 'valid' && digest !== 'ok') return this.fault(FAULTS.notAuthorized(), true);
    }

    const result = operation(this.ctx, request);
    if (isFault(result)) return this.fault(result);
    return { status: 200, body: envelope(result) };
  }
}
