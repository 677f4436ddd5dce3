"""Fuzzing of node:crypto key import (issue 10): PEM, DER and JWK keys of
every asymmetric family (RSA, RSA-PSS, EC on three curves, Ed25519,
X25519; public and private; PKCS#1, SPKI, PKCS#8, SEC1, encrypted PKCS#8)
are mutated by a seeded PRNG (bytes flipped, cut short, grown, replaced;
PEM labels, base64 bodies and lines damaged; JWK members dropped, replaced
by random base64url, other types, members of another key) and given to
createPublicKey / createPrivateKey in the real binary; a certificate,
mutated as PEM and DER, goes to new X509Certificate, whose fields and
checks are then read. Every call must
either succeed, giving a KeyObject that then signs, verifies, encrypts,
derives or exports, or throw an Error with one of Node's codes (ERR_OSSL_…
from OpenSSL, ERR_CRYPTO_…, ERR_INVALID_ARG_…, ERR_MISSING_PASSPHRASE);
never anything else, never a crash. The node must answer afterwards."""
import unittest

from key_fuzz import MUTATIONS, KeyFuzzCase

WORKER = r"""
import crypto from 'node:crypto';
import { Buffer } from 'node:buffer';
""" + MUTATIONS + r"""

const FAMILIES = [
  ['rsa', { modulusLength: 1024 }, ['pkcs1', 'spki'], ['pkcs1', 'pkcs8']],
  ['rsa-pss', { modulusLength: 1024 }, ['spki'], ['pkcs8']],
  ['ec', { namedCurve: 'P-256' }, ['spki'], ['sec1', 'pkcs8']],
  ['ec', { namedCurve: 'secp384r1' }, ['spki'], ['sec1', 'pkcs8']],
  ['ec', { namedCurve: 'secp256k1' }, ['spki'], ['sec1', 'pkcs8']],
  ['ed25519', {}, ['spki'], ['pkcs8']],
  ['x25519', {}, ['spki'], ['pkcs8']],
];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n-';

const LABELS = ['PUBLIC KEY', 'RSA PUBLIC KEY', 'PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY',
                'ENCRYPTED PRIVATE KEY', 'CERTIFICATE', 'X509 CRL', ''];

function mutatePem(pem, rnd) {
  const lines = pem.split('\n');
  const body = lines.filter((l) => l && !l.startsWith('-----'));
  const der = Buffer.from(body.join(''), 'base64');
  const label = LABELS[Math.floor(rnd() * LABELS.length)];
  switch (Math.floor(rnd() * 6)) {
    case 0: {  // damaged DER inside an intact PEM
      const b64 = Buffer.from(mutateBytes(der, rnd)).toString('base64').replace(/.{64}/g, '$&\n');
      return lines[0] + '\n' + b64 + '\n' + lines.filter((l) => l.startsWith('-----END'))[0] + '\n';
    }
    case 1: return pem.slice(0, Math.floor(rnd() * pem.length));
    case 2: {  // another label around the same body
      return pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, `-----$1 ${label}-----`);
    }
    case 3: {  // base64 characters replaced
      const chars = [...pem];
      for (let i = 1 + Math.floor(rnd() * 6); i > 0; i--) chars[Math.floor(rnd() * chars.length)] = B64[Math.floor(rnd() * B64.length)];
      return chars.join('');
    }
    case 4: {  // a line dropped or doubled
      const i = 1 + Math.floor(rnd() * Math.max(1, lines.length - 2));
      if (rnd() < 0.5) lines.splice(i, 1); else lines.splice(i, 0, lines[i]);
      return lines.join('\n');
    }
    default: {  // headers (as encrypted traditional PEM has)
      return lines[0] + '\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,' + '00'.repeat(Math.floor(rnd() * 20)) + '\n\n' + lines.slice(1).join('\n');
    }
  }
}

const data = Buffer.alloc(32, 7);
function use(key) {
  // A key that imported must work (or fail with one of Node's errors).
  const type = key.asymmetricKeyType;
  if (key.type === 'private') {
    if (type === 'x25519') crypto.diffieHellman({ privateKey: key, publicKey: crypto.createPublicKey(key) });
    else if (type === 'ec') crypto.diffieHellman({ privateKey: key, publicKey: crypto.createPublicKey(key) });
    if (type !== 'x25519') crypto.sign(type === 'ed25519' ? null : 'sha256', data, key);
    if (type === 'rsa') crypto.privateDecrypt(key, Buffer.alloc(key.asymmetricKeyDetails.modulusLength / 8, 1));
    key.export({ format: 'der', type: 'pkcs8' });
  } else {
    if (type !== 'x25519') crypto.verify(type === 'ed25519' ? null : 'sha256', data, key, Buffer.alloc(64));
    if (type === 'rsa') crypto.publicEncrypt(key, data);
    key.export({ format: 'der', type: 'spki' });
  }
  if (type === 'rsa' || type === 'ec' || type === 'ed25519' || type === 'x25519') key.export({ format: 'jwk' });
  void key.asymmetricKeyDetails;
}

// A certificate (an RSA leaf with subjectAltName and authorityInfoAccess,
// made with openssl when this test was written), mutated as PEM and DER.
const CERT = "-----BEGIN CERTIFICATE-----\nMIICtTCCAlygAwIBAgIUV1yR8xS9fDsS5PfLrzU5Ybx4OPMwCgYIKoZIzj0EAwIw\nRzELMAkGA1UEBhMCVVMxCzAJBgNVBAgMAkNBMRMwEQYDVQQKDApWZXJnZSBUZXN0\nMRYwFAYDVQQDDA1WZXJnZSBUZXN0IENBMB4XDTI2MTIwNzE1MDUwN1oXDTI3MTIw\nNzE1MDUwN1owOzELMAkGA1UEBhMCREUxFjAUBgNVBAoMDUV4YW1wbGUsIEluYy4x\nFDASBgNVBAMMC2V4YW1wbGUuY29tMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKB\ngQDahesdr4gGzygXAVVEI5SAeSS3zBjMXrE0sxFxKwYgXKS5jrCcAAEjVcNOv2iv\nq2lZce9vvIhriV21rbh54aqJAhliIvS/YkZBVhGmd9tW/dKhMG/juEXOviZiXaeQ\nEMd7rRRc3zBlTFoC+2Ib3tcPJEhJgoOp2hYD8tGEpqF/qwIDAQABo4HqMIHnMDoG\nA1UdEQQzMDGCC2V4YW1wbGUuY29tgg0qLmV4YW1wbGUub3JnhwR/AAABgQ1hQGV4\nYW1wbGUuY29tMAkGA1UdEwQCMAAwXgYIKwYBBQUHAQEEUjBQMCQGCCsGAQUFBzAB\nhhhodHRwOi8vb2NzcC5leGFtcGxlLmNvbS8wKAYIKwYBBQUHMAKGHGh0dHA6Ly9j\nYS5leGFtcGxlLmNvbS9jYS5wZW0wHQYDVR0OBBYEFL2P7RMJ748shFrEZDTSBFJ0\nfq5rMB8GA1UdIwQYMBaAFEU4j/YpINL9gHj2xU6LbH153d7EMAoGCCqGSM49BAMC\nA0cAMEQCIG2GBALMFaxHJjCKOXvsaBtBJmPTdazedDo/kX2g4F6HAiBOZwIYK4CX\nVe2OWCjnBgqU5XwAlKcBmpTLrupULB6JWQ==\n-----END CERTIFICATE-----\n";

function useCert(cert, key) {
  for (const f of ['subject', 'issuer', 'subjectAltName', 'infoAccess', 'validFrom', 'validTo', 'fingerprint',
    'fingerprint256', 'fingerprint512', 'serialNumber', 'ca', 'raw']) void cert[f];
  cert.toString();
  cert.checkHost('example.com');
  cert.checkHost('a.example.org', { subject: 'always' });
  cert.checkEmail('a@example.com');
  cert.checkIP('127.0.0.1');
  cert.checkIssued(cert);
  const pub = cert.publicKey;
  cert.verify(pub);
  if (key) key.type === 'private' ? cert.checkPrivateKey(key) : cert.verify(key);
}

const CODES = /^(ERR_OSSL_|ERR_CRYPTO_|ERR_INVALID_ARG_|ERR_MISSING_PASSPHRASE$|ERR_OUT_OF_RANGE$)/;

export default {
  async fetch(request) {
    const [rnd, rounds] = fuzzRequest(request);
    const counts = {};
    const unexpected = [];
    const inputs = [];
    for (const [type, options, pubTypes, privTypes] of FAMILIES) {
      const { publicKey, privateKey } = crypto.generateKeyPairSync(type, options);
      const pubJwk = type === 'rsa-pss' || options.namedCurve === 'secp256k1' ? null : publicKey.export({ format: 'jwk' });
      const privJwk = pubJwk && privateKey.export({ format: 'jwk' });
      for (const t of pubTypes) {
        inputs.push({ priv: false, format: 'pem', type: t, key: publicKey.export({ format: 'pem', type: t }) });
        inputs.push({ priv: false, format: 'der', type: t, key: publicKey.export({ format: 'der', type: t }) });
      }
      for (const t of privTypes) {
        inputs.push({ priv: true, format: 'pem', type: t, key: privateKey.export({ format: 'pem', type: t }) });
        inputs.push({ priv: true, format: 'der', type: t, key: privateKey.export({ format: 'der', type: t }) });
      }
      inputs.push({ priv: true, format: 'pem', type: 'pkcs8', passphrase: 'pw',
                    key: privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'pw' }) });
      inputs.push({ priv: true, format: 'der', type: 'pkcs8', passphrase: 'pw',
                    key: privateKey.export({ format: 'der', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'pw' }) });
      if (pubJwk) {
        inputs.push({ priv: false, format: 'jwk', key: pubJwk, other: privJwk });
        inputs.push({ priv: true, format: 'jwk', key: privJwk, other: pubJwk });
      }
    }
    const certDer = new crypto.X509Certificate(CERT).raw;
    const rsaPair = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    inputs.push({ cert: true, format: 'pem', key: CERT }, { cert: true, format: 'der', key: certDer });
    for (let i = 0; i < rounds; i++) {
      const input = inputs[Math.floor(rnd() * inputs.length)];
      const other = inputs[Math.floor(rnd() * inputs.length)];
      let key;
      if (input.format === 'jwk') key = mutateJwk(input.key, other.format === 'jwk' ? other.key : input.other, rnd);
      else if (input.format === 'pem') key = rnd() < 0.9 ? mutatePem(input.key, rnd) : other.key;
      else key = mutateBytes(input.key, rnd);
      const options = { key, format: input.format === 'der' && rnd() < 0.1 ? 'pem' : input.format };
      if (input.format === 'der') options.type = rnd() < 0.8 ? input.type : ['spki', 'pkcs1', 'pkcs8', 'sec1'][Math.floor(rnd() * 4)];
      if (input.passphrase && rnd() < 0.8) options.passphrase = rnd() < 0.8 ? input.passphrase : 'wrong';
      const wantPrivate = rnd() < 0.5 ? input.priv : !input.priv;
      let outcome;
      let stage = 'import';
      try {
        if (input.cert) {
          const cert = new crypto.X509Certificate(key);
          stage = 'use';
          useCert(cert, rnd() < 0.5 ? rsaPair.privateKey : rsaPair.publicKey);
          outcome = 'cert ok';
        } else {
          const k = wantPrivate ? crypto.createPrivateKey(options) : crypto.createPublicKey(options);
          stage = 'use';
          use(k);
          outcome = 'ok';
        }
      } catch (e) {
        const fine = e instanceof Error && typeof e.code === 'string' && CODES.test(e.code);
        outcome = `${stage} ${e instanceof Error ? e.code || e.constructor.name : typeof e}`;
        if (!fine && unexpected.length < 20) {
          unexpected.push({ format: options.format, type: options.type, wantPrivate, stage, outcome,
                            message: String(e && e.message), thrown: Array.isArray(e) ? 'array' : typeof e,
                            input: typeof key === 'string' ? key.slice(0, 400) : ArrayBuffer.isView(key) ? Buffer.from(key).toString('hex').slice(0, 200) : key });
        }
      }
      counts[outcome] = (counts[outcome] || 0) + 1;
    }
    return Response.json({ counts, unexpected });
  },
};
"""


class NodeKeyImportFuzzTest(KeyFuzzCase):
    WORKER = WORKER
    TOML = 'compatibility_flags = ["nodejs_compat"]\n'

    def test_mutated_keys_import_or_fail_with_nodes_errors(self):
        total = self.run_seeds()
        # The mutations reach both sides: some keys still import and work,
        # many are refused by OpenSSL's decoders.
        self.assertGreater(total.get("ok", 0), 300, total)
        refused = sum(v for k, v in total.items() if k.startswith("import ERR_OSSL_"))
        self.assertGreater(refused, 2000, total)
        # Certificates too: some mutated ones still parse and answer.
        self.assertGreater(total.get("cert ok", 0), 10, total)


if __name__ == "__main__":
    unittest.main()
