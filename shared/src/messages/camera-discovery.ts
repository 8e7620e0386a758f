import { z } from 'zod';

/* Finding cameras on the box's LAN: WS-Discovery probes (multicast or directed) and what answered. */

export const discoveredCameraSchema = z.object({
  /** WS-Discovery endpoint reference (urn:uuid:…), stable per device. */
  urn: z.string().min(1).max(200),
  xaddr: z.string().max(2000),
  name: z.string().max(200).optional(),
  hardware: z.string().max(200).optional(),
});
export type DiscoveredCamera = z.infer<typeof discoveredCameraSchema>;

/**
 * A camera asked directly by a WS-Discovery probe: `host` or `host:port` (port 3702 when absent).
 * Multicast stays inside the box's own subnet; cameras on another VLAN answer only a directed probe.
 */
export const PROBE_ADDRESS_PATTERN = /^(?<host>(?:\d{1,3}\.){3}\d{1,3}|[a-zA-Z0-9](?:[a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?)(?::(?<port>\d{1,5}))?$/;
export const probeAddressSchema = z
  .string()
  .trim()
  .regex(PROBE_ADDRESS_PATTERN, 'an address is an IPv4 address or host name, optionally with :port (192.168.1.64 or 192.168.1.64:3702)')
  .refine((a) => {
    const port = Number(PROBE_ADDRESS_PATTERN.exec(a)?.groups?.port ?? 3702);
    return port >= 1 && port <= 65535;
  }, 'the port is between 1 and 65535')
  .refine((a) => {
    const host = PROBE_ADDRESS_PATTERN.exec(a)?.groups?.host ?? '';
    return !/^[\d.]+$/.test(host) || host.split('.').every((octet) => Number(octet) <= 255);
  }, 'each part of an IPv4 address is at most 255');

/** The host and port a probe address names. */
export function parseProbeAddress(address: string): { host: string; port: number } {
  const groups = PROBE_ADDRESS_PATTERN.exec(address.trim())?.groups;
  if (!groups?.host) throw new Error(`not a probe address: ${address}`);
  return { host: groups.host, port: Number(groups.port ?? 3702) };
}

/** `events/discovery`: the ONVIF devices that answered a WS-Discovery probe on the box's LAN. */
export const discoveryEventSchema = z.object({
  devices: z.array(discoveredCameraSchema).max(256),
});
export type DiscoveryEvent = z.infer<typeof discoveryEventSchema>;
