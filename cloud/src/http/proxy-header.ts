import { isIP } from 'node:net';

/**
 * The PROXY protocol header (HAProxy's `send-proxy`, version 1, text, and `send-proxy-v2`, binary:
 * https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt) that a proxy writes first on each
 * connection to name the client it relays. Parsed here from the first bytes of a connection, as
 * they arrive, so the reader knows when to wait, when to refuse and where the client's own bytes
 * begin. Small on purpose: the reader needs "not complete yet" and a bounded length, which a parser
 * that takes a whole header (proxy-protocol-js) does not tell.
 */
export type ProxyHeader =
  /** Not enough bytes yet to decide (always fewer than the header's bound). */
  | { kind: 'incomplete' }
  /** Not a PROXY header, or a broken one: the connection is closed, naming why. */
  | { kind: 'invalid'; reason: string }
  /** A relayed client (`source`), or null when the proxy has no address to give (LOCAL health checks, UNKNOWN, UNSPEC and UNIX families): the peer stays the client. */
  | { kind: 'header'; length: number; source: string | null };

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** Longest v1 line, CRLF included (the specification's bound: "PROXY UNKNOWN" with two IPv6 addresses and ports). */
export const V1_MAX_LENGTH = 107;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED = 16;
/** Addresses (216 bytes for UNIX sockets) and TLVs after v2's fixed 16 bytes: HAProxy sends far less; more is refused, not waited for. */
const V2_MAX_BODY = 1024;

/** True while `bytes` could still be the start of a PROXY header (v1 or v2): the reader must wait to tell. */
function prefixOf(signature: Buffer, bytes: Buffer): boolean {
  const n = Math.min(signature.length, bytes.length);
  return signature.subarray(0, n).equals(bytes.subarray(0, n));
}

/** Whether a connection's first bytes are (or may still become) a PROXY header: 'unknown' until enough have arrived to tell. */
export function startsWithProxyHeader(bytes: Buffer): boolean | 'unknown' {
  const v1 = prefixOf(V1_PREFIX, bytes);
  const v2 = prefixOf(V2_SIGNATURE, bytes);
  if (!v1 && !v2) return false;
  if ((v1 && bytes.length >= V1_PREFIX.length) || (v2 && bytes.length >= V2_SIGNATURE.length)) return true;
  return 'unknown';
}

/** An IPv6 address in the short form sockets report (2001:db8::1), IPv4-mapped ones as ::ffff:192.0.2.1. */
function ipv6Text(bytes: Buffer): string {
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${[...bytes.subarray(12, 16)].join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

const PORT = /^(0|[1-9]\d{0,4})$/;

function parseV1(bytes: Buffer): ProxyHeader {
  const end = bytes.indexOf('\r\n', 0, 'latin1');
  if (end === -1) return bytes.length >= V1_MAX_LENGTH ? { kind: 'invalid', reason: `PROXY v1 line longer than ${V1_MAX_LENGTH} bytes` } : { kind: 'incomplete' };
  if (end + 2 > V1_MAX_LENGTH) return { kind: 'invalid', reason: `PROXY v1 line longer than ${V1_MAX_LENGTH} bytes` };
  const fields = bytes.toString('latin1', 0, end).split(' ');
  const length = end + 2;
  // UNKNOWN: the proxy could not tell (a non-TCP client); the rest of the line is to be ignored
  if (fields[1] === 'UNKNOWN') return { kind: 'header', length, source: null };
  const [, protocol, source, destination, sourcePort, destinationPort, ...extra] = fields;
  const family = protocol === 'TCP4' ? 4 : protocol === 'TCP6' ? 6 : 0;
  if (family === 0) return { kind: 'invalid', reason: `PROXY v1 protocol ${JSON.stringify(protocol ?? '')} is not TCP4, TCP6 or UNKNOWN` };
  if (extra.length > 0 || !sourcePort || !destinationPort) return { kind: 'invalid', reason: 'PROXY v1 line is not "PROXY TCPn source destination sport dport"' };
  if (isIP(source ?? '') !== family || isIP(destination ?? '') !== family) return { kind: 'invalid', reason: `PROXY v1 addresses are not both IPv${family}` };
  if (![sourcePort, destinationPort].every((port) => PORT.test(port) && Number(port) <= 65535)) return { kind: 'invalid', reason: 'PROXY v1 port is not 0–65535' };
  return { kind: 'header', length, source: family === 6 ? new URL(`http://[${source}]/`).hostname.slice(1, -1) : source! };
}

function parseV2(bytes: Buffer): ProxyHeader {
  if (bytes.length < V2_FIXED) return { kind: 'incomplete' };
  const version = bytes[12]! >> 4;
  const command = bytes[12]! & 0x0f;
  const family = bytes[13]! >> 4;
  const transport = bytes[13]! & 0x0f;
  const bodyLength = bytes.readUInt16BE(14);
  if (version !== 2) return { kind: 'invalid', reason: `PROXY v2 header of version ${version}` };
  if (command > 1) return { kind: 'invalid', reason: `PROXY v2 command ${command} is neither LOCAL nor PROXY` };
  if (bodyLength > V2_MAX_BODY) return { kind: 'invalid', reason: `PROXY v2 header of ${bodyLength} bytes after its first 16 (at most ${V2_MAX_BODY})` };
  const length = V2_FIXED + bodyLength;
  if (bytes.length < length) return { kind: 'incomplete' };
  // LOCAL: the proxy's own connection (its health check); addresses, if any, are to be ignored
  if (command === 0) return { kind: 'header', length, source: null };
  // UNSPEC and UNIX: nothing the cloud can use as a client's address; the peer stays it, as for LOCAL
  if (family === 0 || family === 3) return { kind: 'header', length, source: null };
  if (family > 3) return { kind: 'invalid', reason: `PROXY v2 address family ${family} is unknown` };
  if (transport !== 1) return { kind: 'invalid', reason: `PROXY v2 transport ${transport} is not a TCP stream` };
  const addressBytes = family === 1 ? 4 : 16;
  if (bodyLength < addressBytes * 2 + 4) return { kind: 'invalid', reason: `PROXY v2 ${family === 1 ? 'IPv4' : 'IPv6'} header too short for its addresses (${bodyLength} bytes)` };
  const raw = bytes.subarray(V2_FIXED, V2_FIXED + addressBytes);
  return { kind: 'header', length, source: family === 1 ? [...raw].join('.') : ipv6Text(raw) };
}

/** The PROXY header at the start of `bytes` (all of a connection's bytes so far). */
export function parseProxyHeader(bytes: Buffer): ProxyHeader {
  const starts = startsWithProxyHeader(bytes);
  if (starts === 'unknown') return { kind: 'incomplete' };
  if (!starts) return { kind: 'invalid', reason: 'no PROXY header (the connection does not start with "PROXY " or the v2 signature)' };
  return prefixOf(V1_PREFIX, bytes) ? parseV1(bytes) : parseV2(bytes);
}
