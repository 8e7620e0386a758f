import { describe, expect, it } from 'vitest';
import { parseProxyHeader, startsWithProxyHeader, V1_MAX_LENGTH } from './proxy-header.js';

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A v2 header: version/command byte, family/transport byte, then the body (addresses and TLVs). */
const v2 = (command: number, family: number, body: number[]) => Buffer.from([...SIGNATURE, command, family, body.length >> 8, body.length & 0xff, ...body]);

const ipv6 = (groups: number[]) => groups.flatMap((g) => [g >> 8, g & 0xff]);

describe('the PROXY header', () => {
  it('reads v1 lines of both families, and UNKNOWN as no address', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 51000 443\r\n';
    expect(parseProxyHeader(Buffer.from(line + 'GET / HTTP/1.1\r\n'))).toEqual({ kind: 'header', length: line.length, source: '203.0.113.7' });
    expect(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8:0:0::7 fd00::1 51000 443\r\n'))).toMatchObject({ kind: 'header', source: '2001:db8::7' });
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({ kind: 'header', length: 15, source: null });
  });

  it('refuses a v1 line that is not one: family, addresses, ports, fields, length', () => {
    const reason = (text: string) => (parseProxyHeader(Buffer.from(text)) as { reason?: string }).reason;
    expect(reason('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n')).toMatch(/not TCP4, TCP6 or UNKNOWN/);
    expect(reason('PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n')).toMatch(/not both IPv4/);
    expect(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n')).toMatch(/port is not 0–65535/);
    expect(reason('PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n')).toMatch(/port is not 0–65535/);
    expect(reason('PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n')).toMatch(/not "PROXY TCPn/);
    expect(reason(`PROXY UNKNOWN ${'x'.repeat(V1_MAX_LENGTH)}\r\n`)).toMatch(/longer than 107 bytes/);
    expect(reason(`PROXY UNKNOWN ${'x'.repeat(V1_MAX_LENGTH)}`)).toMatch(/longer than 107 bytes/);
  });

  it('reads v2 headers: PROXY over IPv4 and IPv6 (TLVs skipped), LOCAL, UNSPEC and UNIX as no address', () => {
    const inet = v2(0x21, 0x11, [203, 0, 113, 7, 10, 0, 0, 1, 0xc7, 0x38, 0x01, 0xbb, /* a TLV: */ 0x04, 0x00, 0x01, 0x00]);
    expect(parseProxyHeader(Buffer.concat([inet, Buffer.from('\x16\x03\x01')]))).toEqual({ kind: 'header', length: inet.length, source: '203.0.113.7' });
    const inet6 = v2(0x21, 0x21, [...ipv6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 7]), ...ipv6([0xfd00, 0, 0, 0, 0, 0, 0, 1]), 0, 1, 0, 2]);
    expect(parseProxyHeader(inet6)).toMatchObject({ source: '2001:db8::7' });
    const mapped = v2(0x21, 0x21, [...ipv6([0, 0, 0, 0, 0, 0xffff, 0xcb00, 0x7109]), ...ipv6([0, 0, 0, 0, 0, 0, 0, 1]), 0, 1, 0, 2]);
    expect(parseProxyHeader(mapped)).toMatchObject({ source: '::ffff:203.0.113.9' });
    expect(parseProxyHeader(v2(0x20, 0x00, []))).toEqual({ kind: 'header', length: 16, source: null });
    expect(parseProxyHeader(v2(0x20, 0x11, [127, 0, 0, 1, 127, 0, 0, 1, 0, 1, 0, 2]))).toMatchObject({ source: null });
    expect(parseProxyHeader(v2(0x21, 0x00, []))).toMatchObject({ source: null });
    expect(parseProxyHeader(v2(0x21, 0x31, Array(216).fill(0)))).toMatchObject({ length: 232, source: null });
  });

  it('refuses a broken v2 header: version, command, transport, family, short addresses, a body past its bound', () => {
    const reason = (bytes: Buffer) => (parseProxyHeader(bytes) as { reason?: string }).reason;
    expect(reason(v2(0x11, 0x11, Array(12).fill(1)))).toMatch(/version 1/);
    expect(reason(v2(0x22, 0x11, Array(12).fill(1)))).toMatch(/command 2/);
    expect(reason(v2(0x21, 0x12, Array(12).fill(1)))).toMatch(/not a TCP stream/);
    expect(reason(v2(0x21, 0x41, Array(12).fill(1)))).toMatch(/family 4/);
    expect(reason(v2(0x21, 0x21, Array(12).fill(1)))).toMatch(/too short/);
    expect(reason(v2(0x21, 0x11, Array(1025).fill(0)))).toMatch(/1025 bytes after its first 16 \(at most 1024\)/);
  });

  it('waits while the bytes so far can still become a header, and tells a header from other traffic early', () => {
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7'))).toEqual({ kind: 'incomplete' });
    expect(parseProxyHeader(v2(0x21, 0x11, Array(12).fill(1)).subarray(0, 20))).toEqual({ kind: 'incomplete' });
    expect(parseProxyHeader(Buffer.from('PRO'))).toEqual({ kind: 'incomplete' });
    expect(parseProxyHeader(Buffer.from('GET / HTTP/1.1\r\n'))).toMatchObject({ kind: 'invalid' });
    expect(startsWithProxyHeader(Buffer.from('P'))).toBe('unknown');
    expect(startsWithProxyHeader(Buffer.from('PUT /'))).toBe(false);
    expect(startsWithProxyHeader(Buffer.from([0x16, 0x03, 0x01]))).toBe(false); // a TLS ClientHello
    expect(startsWithProxyHeader(Buffer.from(SIGNATURE.slice(0, 5)))).toBe('unknown');
    expect(startsWithProxyHeader(Buffer.from(SIGNATURE))).toBe(true);
    expect(startsWithProxyHeader(Buffer.from('PROXY '))).toBe(true);
  });
});
