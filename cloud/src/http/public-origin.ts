import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/**
 * The origin put into absolute links others keep: the public Atom feed (cached 5 minutes by
 * anyone) and the `sc-edge provision` command shown with a claim token, and the addresses a box
 * is given when it claims. The request's Host header is the caller's to choose, so it is used only
 * when it names a host the operator allowed; any other Host gets the canonical origin instead.
 *
 * Substituted rather than refused (Django's ALLOWED_HOSTS answers 400): the only harm of a
 * foreign Host is what these links say, and a box that reaches the cloud by an address nobody
 * listed must keep its alerts and uploads working. GitLab's external_url and Grafana's root_url
 * work the same way: a configured address, never the Host header, goes into what is kept.
 */
export interface PublicOrigin {
  /** SC_PUBLIC_URL when set, else the request's own origin if its host is allowed, else the canonical origin. */
  publicUrl(requestUrl: string): string;
  /** The request's origin if its host is allowed, else the canonical one; SC_PUBLIC_URL is not consulted (the broker's host). */
  trustedOrigin(requestUrl: string): string;
}

export interface PublicOriginOptions {
  /** SC_PUBLIC_URL. */
  publicUrl: string | undefined;
  /** SC_ALLOWED_HOSTS as configured (comma-separated), or undefined for the default. */
  allowedHosts: string | undefined;
  /** SC_HTTP_HOST. */
  listenHost: string;
  /** The port the HTTP server listens on, known once it has started. */
  port(): number;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/** How URL writes a host: lower case, IPv6 in brackets. */
const normalise = (host: string) => {
  const lower = host.trim().toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') && lower.split(':').length > 2 ? `[${lower}]` : lower;
};

/** This machine's own addresses, IPv4 first: a Host naming one of them still points at this server. */
function ownAddresses(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NetworkInterfaceInfo => a !== undefined && !a.internal);
  return [...addresses.filter((a) => a.family === 'IPv4'), ...addresses.filter((a) => a.family === 'IPv6' && !a.address.startsWith('fe80'))].map((a) => normalise(a.address));
}

/**
 * Without SC_ALLOWED_HOSTS: the listen address (or, listening on every interface, the machine's
 * own addresses, as boxes on the LAN use them), localhost and the loopback addresses, and the
 * machine's host name. The first is the canonical host.
 */
export function defaultAllowedHosts(listenHost: string): string[] {
  const listen = WILDCARDS.has(listenHost) ? ownAddresses() : [normalise(listenHost)];
  return [...new Set([...listen, 'localhost', '127.0.0.1', '[::1]', normalise(hostname())])];
}

export function createPublicOrigin(options: PublicOriginOptions): PublicOrigin {
  const allowed = options.allowedHosts ? options.allowedHosts.split(',').map(normalise).filter(Boolean) : defaultAllowedHosts(options.listenHost);
  const configured = options.publicUrl?.replace(/\/+$/, '');

  /** An entry without a port allows its host with no port (a proxy on the scheme's port) or with the port the server listens on. */
  const isAllowed = (url: URL) => {
    const listening = String(options.port());
    return allowed.some((entry) => entry === url.host || (entry === url.hostname && (url.port === '' || url.port === listening)));
  };
  const canonical = (url: URL) => {
    const first = allowed[0] ?? 'localhost';
    return `${url.protocol}//${new URL(`http://${first}`).port ? first : `${first}:${options.port()}`}`;
  };
  const trustedOrigin = (requestUrl: string) => {
    const url = new URL(requestUrl);
    return isAllowed(url) ? url.origin : canonical(url);
  };
  return { trustedOrigin, publicUrl: (requestUrl) => configured ?? trustedOrigin(requestUrl) };
}
