import { type KeyObject, createHash, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * X.509 v3 certificates made with `node:crypto` alone (RFC 5280), so provisioning needs neither
 * the `openssl` binary nor a new dependency: ECDSA P-256 keys, ecdsa-with-SHA256 signatures,
 * DER written by hand below. Two kinds: a certification authority (what devices are given to
 * trust) and a TLS server certificate it signs (what the gateway's MQTT listener presents).
 */
export interface IssuedCertificate {
  /** PKCS#8 PEM (keep 0600). */
  keyPem: string;
  certPem: string;
}

export interface CertificateRequest {
  commonName: string;
  /** Days from now (notBefore is an hour back, for clocks a little behind). */
  days: number;
  /** DNS names and IP addresses the server answers on (subjectAltName; RFC 6125 checks only these). */
  hosts?: string[];
  /** The issuer; absent: a self-signed certification authority. */
  issuer?: { keyPem: string; certPem: string; commonName: string };
}

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

export function issueCertificate(req: CertificateRequest): IssuedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const ski = keyIdentifier(spki);
  const isCa = req.issuer === undefined;
  const signer: KeyObject | string = req.issuer?.keyPem ?? privateKey;
  const issuerName = name(req.issuer?.commonName ?? req.commonName);
  const authorityKeyId = req.issuer ? keyIdentifier(createPublicKey(req.issuer.certPem).export({ type: 'spki', format: 'der' })) : ski;
  const now = Date.now();
  const extensions = [
    // RFC 5280 4.2.1.9: a CA's basicConstraints is critical with cA TRUE; a server's has cA FALSE (the default, so empty).
    extension(OID.basicConstraints, true, seq(isCa ? [der(0x01, Buffer.from([0xff]))] : [])),
    // RFC 5280 4.2.1.3: a CA signs certificates (keyCertSign, cRLSign); a server signs handshakes (digitalSignature).
    extension(OID.keyUsage, true, isCa ? bitString(Buffer.from([0x86]), 1) : bitString(Buffer.from([0x80]), 7)),
    extension(OID.subjectKeyIdentifier, false, der(0x04, ski)),
    extension(OID.authorityKeyIdentifier, false, seq([der(0x80, authorityKeyId)])),
    ...(isCa ? [] : [
      extension(OID.extKeyUsage, false, seq([oid(OID.serverAuth)])),
      extension(OID.subjectAltName, false, seq((req.hosts ?? []).map(generalName))),
    ]),
  ];
  const tbs = seq([
    der(0xa0, integer(Buffer.from([2]))), // [0] EXPLICIT version: v3
    integer(serialNumber()),
    seq([oid(OID.ecdsaWithSha256)]),
    issuerName,
    seq([time(new Date(now - 3600_000)), time(new Date(now + req.days * 86_400_000))]),
    name(req.commonName),
    spki,
    der(0xa3, seq(extensions)), // [3] EXPLICIT extensions
  ]);
  const signature = sign('sha256', tbs, signer); // DER ECDSA-Sig-Value for EC keys
  const cert = seq([tbs, seq([oid(OID.ecdsaWithSha256)]), bitString(signature, 0)]);
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    certPem: pem('CERTIFICATE', cert),
  };
}

function generalName(host: string): Buffer {
  const ip = isIP(host);
  if (ip === 4) return der(0x87, Buffer.from(host.split('.').map(Number))); // [7] iPAddress
  if (ip === 6) return der(0x87, ipv6Bytes(host));
  return der(0x82, Buffer.from(host, 'ascii')); // [2] dNSName
}

function ipv6Bytes(host: string): Buffer {
  const [head, tail = ''] = host.includes('::') ? host.split('::') : [host, undefined];
  const words = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const front = words(head);
  const back = words(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** RFC 5280 4.1.2.2: positive, at most 20 octets. */
function serialNumber(): Buffer {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f | 0x01;
  return b;
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: Buffer): Buffer {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, BIT STRING }: the BIT STRING is last, and for
  // P-256 its 65-byte uncompressed point follows its one unused-bits octet.
  return createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
}

function name(commonName: string): Buffer {
  const rdn = (type: string, value: string) => der(0x31, seq([oid(type), der(0x0c, Buffer.from(value, 'utf8'))]));
  return seq([rdn(OID.organization, 'CareWatch'), rdn(OID.commonName, commonName)]);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq([oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value)]);
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`));
}

function integer(bytes: Buffer): Buffer {
  return der(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function bitString(bytes: Buffer, unusedBits: number): Buffer {
  return der(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const base128 = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift((v & 0x7f) | 0x80);
    out.push(...base128);
  }
  return der(0x06, Buffer.from(out));
}

function seq(items: Buffer[]): Buffer {
  return der(0x30, Buffer.concat(items));
}

/** One DER TLV (X.690 8.1: definite lengths, short form below 128). */
function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
