import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { discoveredCameraSchema } from '@smart-commune/shared';
/**
 * WS-Discovery (2005/04, as ONVIF uses it): one Probe for NetworkVideoTransmitters, answers gathered
 * for the timeout. Written on dgram rather than the onvif package's Discovery, which is a process-wide
 * emitter that throws on an unanswered 'error' event (any stray datagram) and cannot pick the
 * interface a multicast probe leaves by.
 */
export const WS_DISCOVERY_GROUP = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;
export class DiscoveryError extends Error {
    name = 'DiscoveryError';
}
export function probeXml(messageId) {
    return (`<?xml version="1.0" encoding="UTF-8"?>` +
        `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
        `xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">` +
        `<s:Header><a:MessageID>${messageId}</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>` +
        `<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>` +
        `<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`);
}
const decodeXml = (s) => s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e) => e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : e === 'amp' ? '&' : String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)));
/** Text of the first element with this local name, whatever its prefix. */
function element(xml, local) {
    const m = new RegExp(`<(?:[\\w.-]+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${local}>`).exec(xml);
    return m ? decodeXml(m[1]).trim() : undefined;
}
function scopeValue(scopes, key) {
    const prefix = `onvif://www.onvif.org/${key}/`;
    const hit = scopes.find((s) => s.toLowerCase().startsWith(prefix.toLowerCase()));
    if (!hit)
        return undefined;
    try {
        return decodeURIComponent(hit.slice(prefix.length)).trim() || undefined;
    }
    catch {
        return hit.slice(prefix.length);
    }
}
/** The devices of one ProbeMatches answer to our probe; anything else (other probes, other answers) gives none. */
export function parseProbeMatches(xml, messageId, from) {
    // some devices drop the urn: prefix of the id they answer
    if (element(xml, 'RelatesTo')?.replace(/^urn:/, '') !== messageId.replace(/^urn:/, ''))
        return [];
    const matches = xml.match(/<(?:[\w.-]+:)?ProbeMatch[\s>][\s\S]*?<\/(?:[\w.-]+:)?ProbeMatch>/g) ?? [];
    return matches.flatMap((match) => {
        const xaddrs = (element(match, 'XAddrs') ?? '').split(/\s+/).filter((u) => /^https?:\/\//i.test(u));
        const scopes = (element(match, 'Scopes') ?? '').split(/\s+/).filter(Boolean);
        const candidate = {
            urn: element(match, 'Address'),
            // the address that answered is the one known to reach the device
            xaddr: xaddrs.find((u) => hostOf(u) === from) ?? xaddrs[0],
            name: scopeValue(scopes, 'name')?.slice(0, 200),
            hardware: scopeValue(scopes, 'hardware')?.slice(0, 200),
        };
        const parsed = discoveredCameraSchema.safeParse(candidate);
        return parsed.success && parsed.data.xaddr ? [parsed.data] : [];
    });
}
function hostOf(url) {
    try {
        return new URL(url).hostname;
    }
    catch {
        return undefined;
    }
}
function interfaceAddress(name) {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name))
        return name;
    const address = networkInterfaces()[name]?.find((a) => a.family === 'IPv4')?.address;
    if (!address)
        throw new DiscoveryError(`Không tìm thấy giao diện mạng "${name}" có địa chỉ IPv4 (no IPv4 interface named "${name}")`);
    return address;
}
/** The ONVIF devices that answer a Probe, one per endpoint urn, in the order they answered. */
export async function discoverCameras(options = {}) {
    const targets = options.targets?.length ? options.targets : [{ host: WS_DISCOVERY_GROUP, port: WS_DISCOVERY_PORT }];
    const local = options.interface ? interfaceAddress(options.interface) : undefined;
    const messageId = `urn:uuid:${randomUUID()}`;
    const socket = createSocket({ type: 'udp4' });
    const found = new Map();
    socket.on('message', (msg, rinfo) => {
        for (const device of parseProbeMatches(msg.toString('utf8'), messageId, rinfo.address))
            if (!found.has(device.urn))
                found.set(device.urn, device);
    });
    try {
        await new Promise((resolve, reject) => {
            socket.once('error', reject);
            socket.bind(0, local, () => {
                socket.off('error', reject);
                resolve();
            });
        });
        socket.on('error', () => undefined); // a stray ICMP error must not end the probe
        if (local)
            socket.setMulticastInterface(local);
        socket.setMulticastTTL(1);
        // one address that cannot be reached must not cost the answers of the others
        const sent = await Promise.allSettled(targets.map((target) => sendProbe(socket, probeXml(messageId), target)));
        const failures = sent.flatMap((r) => (r.status === 'rejected' ? [r.reason.message] : []));
        if (failures.length === targets.length)
            throw new DiscoveryError(failures.join('; '));
        await new Promise((resolve) => setTimeout(resolve, options.timeoutMs ?? 3000));
    }
    catch (err) {
        if (err instanceof DiscoveryError)
            throw err;
        throw new DiscoveryError(`Không gửi được gói dò tìm camera (WS-Discovery probe failed): ${err.message}`);
    }
    finally {
        socket.close();
    }
    return [...found.values()];
}
function sendProbe(socket, probe, target) {
    return new Promise((resolve, reject) => socket.send(probe, target.port, target.host, (err) => err ? reject(new DiscoveryError(`Không gửi được gói dò tìm tới ${target.host}:${target.port} (WS-Discovery probe to ${target.host}:${target.port} failed): ${err.message}`)) : resolve()));
}
//# sourceMappingURL=discovery.js.map