import { randomUUID } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { NS } from './soap.js';
import { child, escapeXml, parseXml, resolveQName, type XmlElement } from './xml.js';

/**
 * WS-Discovery (2005/04, as ONVIF uses it) target service of one camera: answers Probe messages
 * with a ProbeMatch sent by unicast to the prober.
 *
 * Two sockets: one on the camera's own unicast port (directed probes; several simulated cameras share
 * 127.0.0.1, so they cannot all own port 3702 there), and one bound to 239.255.255.250:3702 with
 * SO_REUSEADDR that joins the group on the given interface. Every camera on the machine receives
 * each multicast probe and answers it, like real cameras on one LAN.
 */
export const WS_DISCOVERY_GROUP = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;

export interface DiscoveryOptions {
  host: string;
  /** Unicast port; 0 picks a free one. */
  unicastPort: number;
  /** Multicast port (3702) and the interface address to join on; null for unicast only. */
  multicast: { port: number; interface: string } | null;
  /** `urn:uuid:…` of the device. */
  endpoint: string;
  scopes: () => string[];
  xaddrs: () => string[];
  /** False while the camera is unreachable: probes are ignored. */
  answering: () => boolean;
  log: (line: string) => void;
}

export interface DiscoveryResponder {
  unicastPort: number;
  multicastPort: number | null;
  close(): Promise<void>;
}

const PROBE_ACTION = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe';
const RFC3986 = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/rfc3986';
const STRCMP0 = 'http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0';
const OUR_TYPES = [
  { ns: NS.dn, local: 'NetworkVideoTransmitter' },
  { ns: NS.tds, local: 'Device' },
];

/** Whether a probe's Types (QNames in the scope of the Types element) are all ours. */
function typesMatch(types: XmlElement | undefined): boolean {
  const names = types?.text.trim().split(/\s+/).filter(Boolean) ?? [];
  return names.every((qname) => {
    const { ns, local } = resolveQName(types!, qname);
    return OUR_TYPES.some((t) => t.local === local && (ns === undefined || ns === t.ns));
  });
}

/** RFC 3986 scope matching as WS-Discovery defines it: segment-wise prefix, scheme and host case-insensitive. */
function scopeMatches(probe: string, ours: string, matchBy: string): boolean {
  if (matchBy === STRCMP0) return probe === ours;
  const norm = (u: string) => {
    const m = /^([a-zA-Z][\w+.-]*:\/\/[^/]*)(.*)$/.exec(u);
    return m ? m[1]!.toLowerCase() + m[2]! : u;
  };
  const p = norm(probe).replace(/\/+$/, '');
  const o = norm(ours);
  return o === p || o.startsWith(`${p}/`);
}

function scopesMatch(scopes: XmlElement | undefined, ours: string[]): boolean {
  const wanted = scopes?.text.trim().split(/\s+/).filter(Boolean) ?? [];
  const matchBy = scopes?.attrs.MatchBy ?? RFC3986;
  if (matchBy !== RFC3986 && matchBy !== STRCMP0) return false;
  return wanted.every((w) => ours.some((o) => scopeMatches(w, o, matchBy)));
}

export function probeMatchXml(o: { relatesTo: string; endpoint: string; scopes: string[]; xaddrs: string[]; instanceId: number; messageNumber: number }): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<env:Envelope xmlns:env="${NS.soap}" xmlns:wsa="${NS.wsa}" xmlns:d="${NS.wsd}" xmlns:dn="${NS.dn}" xmlns:tds="${NS.tds}">` +
    `<env:Header>` +
    `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
    `<wsa:RelatesTo>${escapeXml(o.relatesTo)}</wsa:RelatesTo>` +
    `<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>` +
    `<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>` +
    `<d:AppSequence InstanceId="${o.instanceId}" MessageNumber="${o.messageNumber}"/>` +
    `</env:Header><env:Body><d:ProbeMatches><d:ProbeMatch>` +
    `<wsa:EndpointReference><wsa:Address>${escapeXml(o.endpoint)}</wsa:Address></wsa:EndpointReference>` +
    `<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>` +
    `<d:Scopes>${escapeXml(o.scopes.join(' '))}</d:Scopes>` +
    `<d:XAddrs>${escapeXml(o.xaddrs.join(' '))}</d:XAddrs>` +
    `<d:MetadataVersion>1</d:MetadataVersion>` +
    `</d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>`
  );
}

function bind(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

export async function startDiscovery(o: DiscoveryOptions): Promise<DiscoveryResponder> {
  const instanceId = Math.floor(Date.now() / 1000);
  let messageNumber = 0;
  const sockets: Socket[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const onMessage = (socket: Socket, viaMulticast: boolean) => (msg: Buffer, rinfo: RemoteInfo) => {
    if (!o.answering()) return;
    let env: XmlElement;
    try {
      env = parseXml(msg.toString('utf8'));
    } catch {
      return; // not for us
    }
    if (env.local !== 'Envelope' || env.ns !== NS.soap) return;
    const header = child(env, 'Header', NS.soap);
    const probe = child(child(env, 'Body', NS.soap), 'Probe', NS.wsd);
    if (!probe) return;
    const action = child(header, 'Action')?.text.trim();
    if (action && action !== PROBE_ACTION) return;
    if (!typesMatch(child(probe, 'Types', NS.wsd))) return;
    const scopes = o.scopes();
    if (!scopesMatch(child(probe, 'Scopes', NS.wsd), scopes)) return;
    const reply = Buffer.from(
      probeMatchXml({
        relatesTo: child(header, 'MessageID')?.text.trim() ?? '',
        endpoint: o.endpoint,
        scopes,
        xaddrs: o.xaddrs(),
        instanceId,
        messageNumber: ++messageNumber,
      }),
    );
    const send = () => socket.send(reply, rinfo.port, rinfo.address, (err) => err && o.log(`discovery: reply to ${rinfo.address}:${rinfo.port} failed: ${err.message}`));
    if (!viaMulticast) return send();
    // WS-Discovery asks targets to wait a random time before answering a multicast probe
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, Math.floor(Math.random() * 100));
    timers.add(timer);
  };

  try {
    const unicast = createSocket({ type: 'udp4' });
    sockets.push(unicast);
    unicast.on('message', onMessage(unicast, false));
    await bind(unicast, o.unicastPort, o.host);

    let multicastPort: number | null = null;
    if (o.multicast) {
      const mc = createSocket({ type: 'udp4', reuseAddr: true });
      sockets.push(mc);
      // answers go out from the unicast socket's address, as a device's own address
      mc.on('message', onMessage(unicast, true));
      // bound to the group address: only datagrams sent to the group arrive here
      await bind(mc, o.multicast.port, WS_DISCOVERY_GROUP);
      try {
        mc.addMembership(WS_DISCOVERY_GROUP, o.multicast.interface);
      } catch (err) {
        throw new Error(`cannot join ${WS_DISCOVERY_GROUP} on ${o.multicast.interface} (${(err as Error).message}); start the camera with ports.multicast: null for unicast discovery only`);
      }
      multicastPort = o.multicast.port;
    }
    return {
      unicastPort: unicast.address().port,
      multicastPort,
      close: async () => {
        for (const t of timers) clearTimeout(t);
        await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
      },
    };
  } catch (err) {
    for (const s of sockets) {
      try {
        s.close();
      } catch {
        // never bound
      }
    }
    throw err;
  }
}
