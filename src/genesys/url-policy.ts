// Which download URLs this process will fetch. `resultUrl` and `mediaUris` come from the network (a
// batch job's results, a recordings answer, a redirect's Location); fetching whatever they say would let
// anyone who can shape those answers make this process read a file, reach the machine itself, its LAN or
// a cloud metadata service (169.254.169.254), with the run's network position.
//
// The rule, decided here as pure functions and enforced by the client (client.ts, download-lookup.ts):
// - https only; plain http only to the trusted host, that of GENESYS_CLOUD_BASE_URL when it is http
//   (the emulator), on any port (the emulator may serve downloads on a port of its own);
// - no user:password@ in the URL;
// - never a loopback, private, link-local, multicast or reserved address, unless it is the trusted
//   host: neither written in the URL nor what a host name resolves to (checked on the address the
//   socket connects to, so a DNS answer cannot change between the check and the use). The trusted
//   host is trusted by the exact name configured: another name that resolves to the same address is
//   judged like any other name.
// Without GENESYS_CLOUD_BASE_URL (a real org) the trusted host is Genesys' own API host, over https only.
import { type AddressKind, classifyAddress } from '../lib/addresses.js';

export interface DownloadUrlPolicy {
  /** Host name (as URL.hostname gives it) that may be plain http and may be private: the emulator. */
  trustedHost?: string;
  /** The protocol the trusted host is configured with ('http:' or 'https:'). */
  trustedProtocol?: string;
}

export type UrlVerdict = { allowed: true; url: URL } | { allowed: false; reason: string };

const KIND_NAMES: Record<Exclude<AddressKind, 'public'>, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  'link-local': 'a link-local address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/** The policy for a client whose API is at `apiBaseUrl`: its host is trusted with its own protocol. */
export function policyForApi(apiBaseUrl: string): DownloadUrlPolicy {
  const base = new URL(apiBaseUrl);
  return { trustedHost: base.hostname.toLowerCase(), trustedProtocol: base.protocol };
}

/** The host of GENESYS_CLOUD_BASE_URL: exempt from the address rules (the emulator on 127.0.0.1). */
export const isTrustedHost = (hostname: string, policy: DownloadUrlPolicy): boolean =>
  policy.trustedHost !== undefined && hostname.replace(/\.$/, '').toLowerCase() === policy.trustedHost;

/** The scheme and host of a URL, for messages: never its path or query string (a pre-signed credential). */
function origin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * Whether a download URL may be fetched. Pure: no DNS (see refusedAddress for what a name resolves to).
 * The reason names the scheme and host only.
 * @example checkDownloadUrl('file:///etc/passwd', {}) // { allowed: false, reason: 'download URL scheme file: is not allowed (https only)' }
 */
export function checkDownloadUrl(raw: unknown, policy: DownloadUrlPolicy): UrlVerdict {
  if (typeof raw !== 'string' || raw.trim() === '') {
    return { allowed: false, reason: 'download URL is missing' };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { allowed: false, reason: 'download URL is not a valid absolute URL' };
  }
  const trusted = isTrustedHost(url.hostname, policy);
  if (url.protocol !== 'https:') {
    const httpToTrusted = trusted && url.protocol === 'http:' && policy.trustedProtocol === 'http:';
    if (!httpToTrusted) {
      return {
        allowed: false,
        reason:
          url.protocol === 'http:'
            ? `download URL ${origin(url)} is plain http (https only, or the GENESYS_CLOUD_BASE_URL host)`
            : `download URL scheme ${url.protocol} is not allowed (https only)`,
      };
    }
  }
  if (url.username || url.password) {
    return { allowed: false, reason: `download URL ${origin(url)} carries a user name or password` };
  }
  if (!trusted) {
    const reason = refusedAddress(url.hostname);
    if (reason) return { allowed: false, reason: `download URL ${origin(url)} points to ${reason}` };
  }
  return { allowed: true, url };
}

/**
 * Why `address` (an IP literal, or what a host name resolved to) may not be reached, or undefined when it
 * may. Host names that are not IP addresses pass here (they are judged on what they resolve to), except
 * `localhost` and names under it, which are loopback by definition (RFC 6761). The trusted host is not
 * exempt here: only the name written in GENESYS_CLOUD_BASE_URL is, not other names that resolve to it.
 */
export function refusedAddress(address: string): string | undefined {
  const host = address.replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return KIND_NAMES.loopback;
  const kind = classifyAddress(host);
  return kind === undefined || kind === 'public' ? undefined : `${KIND_NAMES[kind]} (${host})`;
}
