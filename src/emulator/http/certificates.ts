// A throw-away certificate authority and server certificate for the emulator's TLS mode, written with
// Node's crypto only (no dependency, no binary): ECDSA P-256 keys from generateKeyPairSync, the X.509
// structures encoded here in DER (RFC 5280), signed with crypto.sign. A client trusts the CA through
// NODE_EXTRA_CA_CERTS. ADR 0010 says why this is written here rather than taken from a package.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

// --- DER: tag, length, value ---------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, value: Buffer) => Buffer.concat([Buffer.from([tag]), length(value.length), value]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (value: Buffer) => tlv(0x04, value);
const bits = (value: Buffer, unusedBits = 0) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), value]));
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const explicit = (n: number, value: Buffer) => tlv(0xa0 | n, value);

function integer(value: Buffer | number): Buffer {
  let b = typeof value === 'number' ? Buffer.from([value]) : value;
  while (b.length > 1 && b[0] === 0 && ((b[1] as number) & 0x80) === 0) b = b.subarray(1);
  if (((b[0] as number) & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(ms: number): Buffer {
  const d = new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  const year = new Date(ms).getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(`${d.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${d}Z`));
}

// --- X.509 ---------------------------------------------------------------------------------------------

const ECDSA_WITH_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const name = (cn: string) =>
  seq(set(seq(oid('2.5.4.10'), utf8('audio-extract emulator'))), set(seq(oid('2.5.4.3'), utf8(cn))));
const extension = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function keyId(spki: Buffer): Buffer {
  // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents; the SPKI's last
  // 65 bytes are the uncompressed P-256 point.
  return createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
}

function certificate(o: {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  issuerKeyId: Buffer;
  notBefore: number;
  notAfter: number;
  extensions: Buffer[];
}): Buffer {
  const spki = o.publicKey.export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f; // positive
  const tbs = seq(
    explicit(0, integer(2)), // v3
    integer(serial),
    ECDSA_WITH_SHA256,
    name(o.issuer),
    seq(time(o.notBefore), time(o.notAfter)),
    name(o.subject),
    spki,
    explicit(
      3,
      seq(
        extension('2.5.29.14', false, octets(keyId(spki))), // subjectKeyIdentifier
        extension('2.5.29.35', false, seq(tlv(0x80, o.issuerKeyId))), // authorityKeyIdentifier
        ...o.extensions,
      ),
    ),
  );
  return seq(tbs, ECDSA_WITH_SHA256, bits(sign('sha256', tbs, o.signingKey)));
}

function pem(label: string, der: Buffer): string {
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function subjectAltNames(hosts: readonly string[]): Buffer {
  const names = hosts.map((h) => {
    const version = isIP(h);
    if (version === 4) return tlv(0x87, Buffer.from(h.split('.').map(Number)));
    if (version === 6) {
      const [head = '', tail = ''] = h.split('::');
      const groups = (s: string) => (s ? s.split(':') : []);
      const full = [
        ...groups(head),
        ...new Array(8 - groups(head).length - groups(tail).length).fill('0'),
        ...groups(tail),
      ];
      return tlv(
        0x87,
        Buffer.from(
          full.flatMap((g) => {
            const v = Number.parseInt(g, 16);
            return [v >> 8, v & 0xff];
          }),
        ),
      );
    }
    return tlv(0x82, Buffer.from(h, 'ascii'));
  });
  return seq(...names);
}

export interface TlsMaterial {
  /** PEM of the CA certificate (what NODE_EXTRA_CA_CERTS points at) */
  caPem: string;
  /** server certificate PEM, for 127.0.0.1, ::1, localhost and the bind host */
  certPem: string;
  keyPem: string;
}

/**
 * A new CA and a server certificate it signed for `hosts`. Validity comes from the real clock (TLS
 * clients check it against theirs), from a day before now to 30 days after.
 */
export function createTlsMaterial(hosts: readonly string[]): TlsMaterial {
  const now = Date.now();
  const validity = { notBefore: now - 86_400_000, notAfter: now + 30 * 86_400_000 };
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caKeyId = keyId(ca.publicKey.export({ type: 'spki', format: 'der' }));
  const caDer = certificate({
    subject: 'audio-extract emulator CA',
    issuer: 'audio-extract emulator CA',
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    issuerKeyId: caKeyId,
    ...validity,
    extensions: [
      extension('2.5.29.19', true, seq(bool(true), integer(0))), // basicConstraints: CA, pathLen 0
      extension('2.5.29.15', true, bits(Buffer.from([0x06]), 1)), // keyUsage: keyCertSign, cRLSign
    ],
  });
  const serverDer = certificate({
    subject: hosts[0] ?? 'localhost',
    issuer: 'audio-extract emulator CA',
    publicKey: server.publicKey,
    signingKey: ca.privateKey,
    issuerKeyId: caKeyId,
    ...validity,
    extensions: [
      extension('2.5.29.19', true, seq()), // basicConstraints: not a CA
      extension('2.5.29.15', true, bits(Buffer.from([0x80]), 7)), // keyUsage: digitalSignature
      extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
      extension('2.5.29.17', false, subjectAltNames(hosts)),
    ],
  });
  return {
    caPem: pem('CERTIFICATE', caDer),
    certPem: pem('CERTIFICATE', serverDer),
    keyPem: server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
