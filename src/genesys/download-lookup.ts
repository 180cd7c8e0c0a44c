// DNS resolution for downloads that refuses a host name resolving to an address the URL policy forbids
// (url-policy.ts). It runs inside the socket's connect, so the address checked is the address connected
// to: a name that resolves to a public address when checked and a private one when used (DNS rebinding)
// cannot slip through. One forbidden address in the answer refuses the whole name.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { type DownloadUrlPolicy, isTrustedHost, refusedAddress } from './url-policy.js';

export function guardedLookup(policy: DownloadUrlPolicy, refuse: (reason: string) => Error): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (!isTrustedHost(hostname, policy)) {
        for (const a of addresses) {
          const why = refusedAddress(a.address);
          if (why) return callback(refuse(`download host ${hostname} resolves to ${why}`), '', 0);
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
