import { BlockList, isIP } from 'node:net';

/**
 * The reverse proxies (HAProxy, nginx) whose X-Forwarded-For the cloud believes, from
 * SC_TRUSTED_PROXIES: addresses and CIDR ranges, IPv4 and IPv6. Anyone can write the header, so it
 * counts only when the TCP peer is one of these; an IPv4 rule also covers the IPv4-mapped IPv6
 * form (::ffff:10.0.0.5) a dual-stack socket reports.
 */
export interface TrustedProxies {
  /** True when this address (as a socket or a forwarded-for entry gives it) is a trusted proxy. */
  has(address: string): boolean;
  /** The rules as configured, for logs and errors. */
  readonly rules: readonly string[];
}

/** Why one entry of SC_TRUSTED_PROXIES is not a rule, or null when it is one. */
function ruleError(entry: string): string | null {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IPv4/IPv6 address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)`;
  if (prefix === undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `"${entry}": the prefix length after "/" must be 0–${max} for an IPv${family} range`;
  return null;
}

/** The entries of the setting, separated by commas and/or spaces. */
const entriesOf = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Every problem of the setting's text (empty when it is valid), one message per wrong entry. */
export function trustedProxiesErrors(text: string): string[] {
  return entriesOf(text).flatMap((entry) => ruleError(entry) ?? []);
}

/** The rules of SC_TRUSTED_PROXIES (unset or empty: none, and X-Forwarded-For is never read). Throws naming a wrong entry. */
export function parseTrustedProxies(text: string | undefined): TrustedProxies {
  const rules = entriesOf(text ?? '');
  const errors = trustedProxiesErrors(text ?? '');
  if (errors.length > 0) throw new Error(`SC_TRUSTED_PROXIES: ${errors.join('; ')}`);
  const list = new BlockList();
  for (const rule of rules) {
    const [address = '', prefix] = rule.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return {
    rules,
    has(address) {
      const family = isIP(address);
      return family !== 0 && rules.length > 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/**
 * One X-Forwarded-For entry as an address: proxies write a bare address, some add a port
 * (1.2.3.4:5678, [2001:db8::1]:443) or brackets. Null for anything else ("unknown", an obfuscated
 * name): it cannot be used.
 */
function forwardedAddress(entry: string): string | null {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? bracketed[1]! : null;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
  if (v4WithPort) return v4WithPort[1]!;
  return isIP(entry) !== 0 ? entry : null;
}

/** Entries of a forwarded-for chain looked at, from the right: a trusted path is never this long, and the header is the client's to inflate. */
const MAX_HOPS = 32;

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy, in which case the
 * X-Forwarded-For chain is walked from the right (each proxy appends the address it saw) and the
 * first address that is not itself a trusted proxy is the client. Whatever lies to the left of it
 * was written by the client and is ignored, so a citizen cannot pass for someone else. An entry that
 * is not an address stops the walk at the proxy that wrote it; a chain of trusted proxies only
 * gives its leftmost (a staff machine inside the trusted range, say).
 */
export function clientAddress(peer: string | null, forwardedFor: string | undefined, trusted: TrustedProxies): string | null {
  if (peer === null || !forwardedFor || !trusted.has(peer)) return peer;
  const hops = forwardedFor.split(',').map((entry) => entry.trim()).filter(Boolean).reverse().slice(0, MAX_HOPS);
  let nearest = peer;
  for (const hop of hops) {
    const address = forwardedAddress(hop);
    if (address === null) return nearest;
    if (!trusted.has(address)) return address;
    nearest = address;
  }
  return nearest;
}
