import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { privateDir } from './private-files.ts';
import { issueCertificate } from './x509.ts';

/**
 * MQTT over TLS by default (issue 16): the gateway's broker listens on 8883 with a certificate
 * made at provisioning, signed by a certification authority that devices are given to trust
 * (mqtt.js `ca`). Plain MQTT on 1883 only when asked (`--mqtt-plain`).
 */
export const MQTT_TLS_PORT = 8883; // IANA: secure-mqtt
export const MQTT_PLAIN_PORT = 1883; // IANA: mqtt

export interface MqttTlsFiles {
  /** The CA certificate devices trust (public). */
  caCertFile: string;
  /** The CA's key (0600): kept by whoever provisions, to sign a new gateway certificate later. */
  caKeyFile: string;
  /** The gateway's TLS key (0600) and certificate. */
  keyFile: string;
  certFile: string;
}

/** The file names in one folder (a gateway that provisions itself at first start). */
export function mqttTlsFilesIn(dir: string, caDir = dir): MqttTlsFiles {
  return {
    caCertFile: join(caDir, 'mqtt-ca.pem'),
    caKeyFile: join(caDir, 'mqtt-ca-key.pem'),
    keyFile: join(dir, 'mqtt-tls-key.pem'),
    certFile: join(dir, 'mqtt-tls-cert.pem'),
  };
}

/** The names a gateway on this machine answers by: loopback and the host name, plus those given. */
export function defaultTlsHosts(extra: string[] = []): string[] {
  return [...new Set(['localhost', '127.0.0.1', '::1', hostname(), ...extra].filter((h) => h && h !== '0.0.0.0' && h !== '::'))];
}

/**
 * Makes what is missing: the CA (unless there), then the gateway's key and certificate signed by
 * it (unless there). What exists is kept, so devices provisioned with the CA keep trusting it.
 */
export function provisionMqttTls(files: MqttTlsFiles, opts: { hosts: string[]; commonName: string }): { made: 'nothing' | 'certificate' | 'ca and certificate' } {
  if (existsSync(files.keyFile) && existsSync(files.certFile)) return { made: 'nothing' };
  let made: 'certificate' | 'ca and certificate' = 'certificate';
  if (!existsSync(files.caCertFile) || !existsSync(files.caKeyFile)) {
    const ca = issueCertificate({ commonName: `CareWatch MQTT CA ${opts.commonName}`, days: 20 * 365 });
    writePem(files.caKeyFile, ca.keyPem, 0o600);
    writePem(files.caCertFile, ca.certPem, 0o600);
    made = 'ca and certificate';
  }
  const caCertPem = readFileSync(files.caCertFile, 'utf8');
  // A CA made here (contract/x509.ts names it O=CareWatch, CN=…): its name is rebuilt from its CN.
  const caCommonName = /^CN=(.+)$/m.exec(new X509Certificate(caCertPem).subject)?.[1] ?? '';
  // CA/Browser Forum: 398 days for the web; a gateway's certificate lives longer (its devices trust the CA, not it).
  const server = issueCertificate({
    commonName: opts.commonName, days: 5 * 365, hosts: opts.hosts,
    issuer: { keyPem: readFileSync(files.caKeyFile, 'utf8'), certPem: caCertPem, commonName: caCommonName },
  });
  writePem(files.keyFile, server.keyPem, 0o600);
  writePem(files.certFile, server.certPem, 0o600);
  return { made };
}

function writePem(path: string, content: string, mode: number): void {
  privateDir(dirname(path));
  writeFileSync(path, content, { mode });
  chmodSync(path, mode); // an existing file keeps its old mode through writeFileSync
}
