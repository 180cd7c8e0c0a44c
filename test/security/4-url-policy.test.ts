// Security item 4 (issue 14): the download URL policy, one pure function tested as a table, and the
// resolver guard that applies it to what a host name resolves to.
import { describe, expect, it } from 'vitest';
import { guardedLookup } from '../../src/genesys/download-lookup.js';
import { checkDownloadUrl, type DownloadUrlPolicy, policyForApi } from '../../src/genesys/url-policy.js';
import { classifyAddress } from '../../src/lib/addresses.js';

const EMULATOR: DownloadUrlPolicy = { trustedHost: '127.0.0.1', trustedProtocol: 'http:' };
const GENESYS: DownloadUrlPolicy = policyForApi('https://api.mypurecloud.com');

describe('item 4: the download URL policy (one pure function, as a table)', () => {
  const rows: [string, unknown, DownloadUrlPolicy, string | null][] = [
    // [what, URL, policy, null = allowed | what the reason says]
    ['a pre-signed S3 URL', 'https://bucket.s3.amazonaws.com/r.opus?X-Amz-Signature=abc', GENESYS, null],
    ['https on a public IP address', 'https://52.1.2.3/r.wav', GENESYS, null],
    ['the emulator over plain http', 'http://127.0.0.1:8787/downloads/r?sig=1', EMULATOR, null],
    ['the emulator host on another port', 'http://127.0.0.1:9999/r', EMULATOR, null],
    ['the emulator host over https', 'https://127.0.0.1:8787/r', EMULATOR, null],
    ['a file: URL', 'file:///etc/passwd', GENESYS, 'scheme file: is not allowed'],
    ['a file: URL, emulator configured', 'file:///etc/passwd', EMULATOR, 'scheme file: is not allowed'],
    ['ftp', 'ftp://files.example.com/r.wav', GENESYS, 'scheme ftp: is not allowed'],
    ['data:', 'data:audio/wav;base64,AAAA', GENESYS, 'scheme data: is not allowed'],
    ['javascript:', 'javascript:alert(1)', GENESYS, 'scheme javascript: is not allowed'],
    ['plain http to a public host', 'http://bucket.s3.amazonaws.com/r', GENESYS, 'plain http'],
    ['plain http to Genesys itself', 'http://api.mypurecloud.com/r', GENESYS, 'plain http'],
    ['plain http to another host, emulator configured', 'http://example.com/r', EMULATOR, 'plain http'],
    ['not a URL', 'not a url', GENESYS, 'not a valid absolute URL'],
    ['a relative URL', '/downloads/r.wav', GENESYS, 'not a valid absolute URL'],
    ['an empty URL', '', GENESYS, 'missing'],
    ['no URL at all', undefined, GENESYS, 'missing'],
    ['user and password', 'https://user:pw@bucket.example.com/r', GENESYS, 'user name or password'],
    ['loopback', 'https://127.0.0.1/r', GENESYS, 'a loopback address (127.0.0.1)'],
    ['loopback, other spelling', 'https://0x7f.1/r', GENESYS, 'a loopback address (127.0.0.1)'],
    ['loopback as one number', 'https://2130706433/r', GENESYS, 'a loopback address (127.0.0.1)'],
    ['localhost', 'https://localhost/r', GENESYS, 'a loopback address'],
    ['a name under localhost', 'https://evil.localhost/r', GENESYS, 'a loopback address'],
    ['localhost, emulator on 127.0.0.1', 'https://localhost:8787/r', EMULATOR, 'a loopback address'],
    ['IPv6 loopback', 'https://[::1]/r', GENESYS, 'a loopback address'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/r', GENESYS, 'a loopback address'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/', GENESYS, 'a link-local address'],
    ['metadata over http', 'http://169.254.169.254/latest/meta-data/', GENESYS, 'plain http'],
    ['IPv6 link-local', 'https://[fe80::1]/r', GENESYS, 'a link-local address'],
    ['10/8', 'https://10.0.0.8/r', GENESYS, 'a private network address (10.0.0.8)'],
    ['172.16/12', 'https://172.20.1.1/r', GENESYS, 'a private network address'],
    ['192.168/16', 'https://192.168.1.10/r', GENESYS, 'a private network address'],
    ['carrier-grade NAT', 'https://100.64.0.1/r', GENESYS, 'a private network address'],
    ['IPv6 unique local', 'https://[fd12:3456::1]/r', GENESYS, 'a private network address'],
    ['NAT64 of a private address', 'https://[64:ff9b::a00:1]/r', GENESYS, 'a private network address'],
    ['unspecified', 'https://0.0.0.0/r', GENESYS, 'an unspecified address'],
    ['multicast', 'https://224.0.0.1/r', GENESYS, 'a multicast address'],
    ['documentation range', 'https://192.0.2.1/r', GENESYS, 'a reserved address'],
  ];

  it.each(rows)('%s', (_what, url, policy, refused) => {
    const verdict = checkDownloadUrl(url, policy);
    if (refused === null) {
      expect(verdict).toMatchObject({ allowed: true });
      return;
    }
    expect(verdict.allowed).toBe(false);
    const reason = verdict.allowed ? '' : verdict.reason;
    expect(reason).toContain(refused);
    // A reason is shown in the manifest and logs: never the path or query of a pre-signed URL.
    expect(reason).not.toMatch(/Signature|meta-data|passwd|\/r\b/);
  });

  it('classifies addresses the way the policy needs', () => {
    expect(classifyAddress('8.8.8.8')).toBe('public');
    expect(classifyAddress('2606:4700::1111')).toBe('public');
    expect(classifyAddress('172.32.0.1')).toBe('public');
    expect(classifyAddress('example.com')).toBeUndefined();
  });
});

describe('item 4: a host name that resolves to a forbidden address is refused at connect time', () => {
  it('refuses localhost through the resolver too (not only by its name)', async () => {
    const refuse = (reason: string) => new Error(reason);
    const look = guardedLookup(GENESYS, refuse);
    const err = await new Promise<Error | null>((resolve) =>
      look('localhost', { all: true }, (e) => resolve(e as Error | null)),
    );
    expect(err?.message).toMatch(/download host localhost resolves to a loopback address/);
  });
});
