import { describe, expect, it } from 'vitest';
import { ConfigError, loadCloudConfig } from '../config.js';
import { clientAddress, parseTrustedProxies } from './trusted-proxies.js';

describe('SC_TRUSTED_PROXIES', () => {
  it('takes addresses and CIDR ranges of both families, separated by commas or spaces', () => {
    const trusted = parseTrustedProxies(' 10.0.0.5, 192.168.0.0/16  fd00::/8,::1 ');
    expect(trusted.rules).toEqual(['10.0.0.5', '192.168.0.0/16', 'fd00::/8', '::1']);
    expect(trusted.has('10.0.0.5')).toBe(true);
    expect(trusted.has('10.0.0.6')).toBe(false);
    expect(trusted.has('192.168.44.1')).toBe(true);
    expect(trusted.has('192.169.0.1')).toBe(false);
    expect(trusted.has('fd12:3456::1')).toBe(true);
    expect(trusted.has('fe80::1')).toBe(false);
    expect(trusted.has('::1')).toBe(true);
    // a dual-stack socket reports an IPv4 peer in its IPv6-mapped form
    expect(trusted.has('::ffff:10.0.0.5')).toBe(true);
    expect(trusted.has('::ffff:10.0.0.7')).toBe(false);
    expect(trusted.has('not-an-address')).toBe(false);
  });

  it('trusts nobody when unset or empty', () => {
    for (const text of [undefined, '', ' , ']) {
      const trusted = parseTrustedProxies(text);
      expect(trusted.rules).toEqual([]);
      expect(trusted.has('127.0.0.1')).toBe(false);
    }
  });

  it('refuses a wrong entry at start, naming the variable and the entry', () => {
    const load = (value: string) => () => loadCloudConfig({}, { SC_TRUSTED_PROXIES: value });
    expect(load('10.0.0.0/8, 10.0.0.300')).toThrow(ConfigError);
    expect(load('10.0.0.0/8, 10.0.0.300')).toThrow(/SC_TRUSTED_PROXIES.*"10\.0\.0\.300" is not an IPv4\/IPv6 address or CIDR range/);
    expect(load('10.0.0.0/33')).toThrow(/SC_TRUSTED_PROXIES.*"10\.0\.0\.0\/33": the prefix length after "\/" must be 0–32/);
    expect(load('fd00::/129')).toThrow(/"fd00::\/129": the prefix length after "\/" must be 0–128/);
    expect(load('haproxy.local')).toThrow(/"haproxy\.local" is not an IPv4\/IPv6 address/);
    expect(load('10.0.0.0/8/1')).toThrow(/"10\.0\.0\.0\/8\/1"/);
    expect(() => parseTrustedProxies('10.0.0.1, nope')).toThrow(/SC_TRUSTED_PROXIES: "nope"/);
    expect(loadCloudConfig({}, { SC_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8' }).SC_TRUSTED_PROXIES).toBe('10.0.0.0/8, fd00::/8');
  });
});

describe('the client address', () => {
  const trusted = parseTrustedProxies('10.0.0.2, 10.1.0.0/16, fd00::/8');

  it('is the socket peer when the peer is not a trusted proxy, whatever the header says', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.1', trusted)).toBe('203.0.113.9');
    expect(clientAddress('203.0.113.9', undefined, trusted)).toBe('203.0.113.9');
    expect(clientAddress('2001:db8::9', '10.0.0.2', trusted)).toBe('2001:db8::9');
    expect(clientAddress(null, '198.51.100.1', trusted)).toBeNull();
    // with no proxy configured the header is never read
    expect(clientAddress('10.0.0.2', '198.51.100.1', parseTrustedProxies(undefined))).toBe('10.0.0.2');
  });

  it('is the forwarded address when a trusted proxy connected', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.1', trusted)).toBe('198.51.100.1');
    expect(clientAddress('::ffff:10.0.0.2', '198.51.100.1', trusted)).toBe('198.51.100.1');
    expect(clientAddress('fd00::2', '2001:db8::7', trusted)).toBe('2001:db8::7');
    // no header from a trusted proxy: the proxy is all we know
    expect(clientAddress('10.0.0.2', undefined, trusted)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '', trusted)).toBe('10.0.0.2');
  });

  it('walks a chain from the right, past trusted proxies, to the first address that is not one', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.1, 10.1.4.4', trusted)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', '198.51.100.1,10.1.4.4, fd00::3', trusted)).toBe('198.51.100.1');
    // the client wrote its own header: what it wrote is left of the address the proxy saw, and ignored
    expect(clientAddress('10.0.0.2', '1.2.3.4, 198.51.100.1', trusted)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', '10.1.9.9, 198.51.100.1', trusted)).toBe('198.51.100.1');
    // every hop trusted (a staff machine inside the proxies' range): the leftmost
    expect(clientAddress('10.0.0.2', '10.1.0.7, 10.1.4.4', trusted)).toBe('10.1.0.7');
  });

  it('reads ports and brackets some proxies write, and stops at an entry that is no address', () => {
    expect(clientAddress('10.0.0.2', '198.51.100.1:51234', trusted)).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.2', '[2001:db8::7]:443', trusted)).toBe('2001:db8::7');
    expect(clientAddress('10.0.0.2', '[2001:db8::7]', trusted)).toBe('2001:db8::7');
    // "unknown" written by the inner proxy: the client is unknown, the inner proxy is the nearest known hop
    expect(clientAddress('10.0.0.2', '198.51.100.1, unknown, 10.1.4.4', trusted)).toBe('10.1.4.4');
    expect(clientAddress('10.0.0.2', 'garbage', trusted)).toBe('10.0.0.2');
  });

  it('looks at a bounded number of hops of a long header', () => {
    const inflated = [...Array.from({ length: 5000 }, () => '10.1.1.1'), '10.1.2.2'].join(', ');
    expect(clientAddress('10.0.0.2', inflated, trusted)).toBe('10.1.1.1');
    expect(clientAddress('10.0.0.2', `198.51.100.1, ${inflated}`, trusted)).toBe('10.1.1.1');
  });
});
