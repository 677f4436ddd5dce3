"""WebCrypto (crypto.subtle, CryptoKey, crypto.DigestStream) through the real
binary: JWTs signed by the worker and checked by Python's `cryptography` (and
the other way round), a round trip of every algorithm family, the error each
kind of bad input gives, DigestStream and timingSafeEqual."""
import base64
import hashlib
import hmac
import json
import os
import unittest

from harness import dev, request, worker_dir

try:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
    HAVE_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - the check is skipped, not failed
    HAVE_CRYPTOGRAPHY = False

WORKER = r"""
const enc = new TextEncoder();
const b64u = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const unb64u = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

const JWT = {
  HS256: { import: { name: 'HMAC', hash: 'SHA-256' }, sign: 'HMAC', format: 'raw' },
  RS256: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, sign: 'RSASSA-PKCS1-v1_5', format: 'jwk' },
  ES256: { import: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' }, format: 'jwk' },
};

function keyData(alg, key) {
  return JWT[alg].format === 'raw' ? enc.encode(key) : key;
}

async function jwtSign(alg, key, payload) {
  const k = await crypto.subtle.importKey(JWT[alg].format, keyData(alg, key), JWT[alg].import, false, ['sign']);
  const input = b64u(enc.encode(JSON.stringify({ alg, typ: 'JWT' }))) + '.' + b64u(enc.encode(JSON.stringify(payload)));
  return input + '.' + b64u(await crypto.subtle.sign(JWT[alg].sign, k, enc.encode(input)));
}

async function jwtVerify(alg, key, token) {
  const k = await crypto.subtle.importKey(JWT[alg].format, keyData(alg, key), JWT[alg].import, false, ['verify']);
  const [h, p, s] = token.split('.');
  return crypto.subtle.verify(JWT[alg].sign, k, unb64u(s), enc.encode(h + '.' + p));
}

// One round trip per algorithm family; each entry is true when it worked.
async function families() {
  const s = crypto.subtle;
  const out = {};
  const data = enc.encode('the quick brown fox');
  const same = (a, b) => hex(a) === hex(b);

  out.digest = hex(await s.digest('SHA-256', enc.encode('abc'))) === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    && hex(await s.digest('MD5', enc.encode('abc'))) === '900150983cd24fb0d6963f7d28e17f72'
    && (await s.digest({ name: 'sha-1' }, data)).byteLength === 20;

  const hk = await s.generateKey({ name: 'HMAC', hash: 'SHA-512' }, true, ['sign', 'verify']);
  out.hmac = await s.verify('HMAC', hk, await s.sign('HMAC', hk, data), data) && hk.algorithm.length === 1024;

  for (const [name, params] of [['RSASSA-PKCS1-v1_5', 'RSASSA-PKCS1-v1_5'], ['RSA-PSS', { name: 'RSA-PSS', saltLength: 32 }]]) {
    const kp = await s.generateKey({ name, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
    const spki = await s.exportKey('spki', kp.publicKey);
    const pub = await s.importKey('spki', spki, { name, hash: 'SHA-256' }, true, ['verify']);
    out[name] = await s.verify(params, pub, await s.sign(params, kp.privateKey, data), data);
  }

  const oaep = await s.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['encrypt', 'decrypt']);
  const label = enc.encode('label');
  out['RSA-OAEP'] = same(await s.decrypt({ name: 'RSA-OAEP', label }, oaep.privateKey, await s.encrypt({ name: 'RSA-OAEP', label }, oaep.publicKey, data)), data);

  for (const curve of ['P-256', 'P-384', 'P-521']) {
    const kp = await s.generateKey({ name: 'ECDSA', namedCurve: curve }, true, ['sign', 'verify']);
    const jwk = await s.exportKey('jwk', kp.privateKey);
    const priv = await s.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: curve }, false, ['sign']);
    const raw = await s.exportKey('raw', kp.publicKey);
    const pub = await s.importKey('raw', raw, { name: 'ECDSA', namedCurve: curve }, false, ['verify']);
    const sig = await s.sign({ name: 'ECDSA', hash: 'SHA-384' }, priv, data);
    out['ECDSA ' + curve] = await s.verify({ name: 'ECDSA', hash: 'SHA-384' }, pub, sig, data);

    const a = await s.generateKey({ name: 'ECDH', namedCurve: curve }, false, ['deriveBits']);
    const b = await s.generateKey({ name: 'ECDH', namedCurve: curve }, false, ['deriveBits']);
    out['ECDH ' + curve] = same(await s.deriveBits({ name: 'ECDH', public: b.publicKey }, a.privateKey, null),
                                await s.deriveBits({ name: 'ECDH', public: a.publicKey }, b.privateKey, null));
  }

  for (const [name, extra] of [['Ed25519', {}], ['NODE-ED25519', { namedCurve: 'NODE-ED25519' }]]) {
    const kp = await s.generateKey({ name, ...extra }, true, ['sign', 'verify']);
    const pub = await s.importKey('raw', await s.exportKey('raw', kp.publicKey), { name, ...extra }, false, ['verify']);
    out[name] = await s.verify(name, pub, await s.sign(name, kp.privateKey, data), data);
  }
  const xa = await s.generateKey({ name: 'X25519' }, false, ['deriveKey']);
  const xb = await s.generateKey({ name: 'X25519' }, false, ['deriveKey']);
  const ka = await s.deriveKey({ name: 'X25519', public: xb.publicKey }, xa.privateKey, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const kb = await s.deriveKey({ name: 'X25519', public: xa.publicKey }, xb.privateKey, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  out.X25519 = same(await s.exportKey('raw', ka), await s.exportKey('raw', kb));

  const iv = crypto.getRandomValues(new Uint8Array(16));
  for (const [name, params] of [['AES-GCM', { name: 'AES-GCM', iv: iv.slice(0, 12), additionalData: data }],
                                ['AES-CBC', { name: 'AES-CBC', iv }],
                                ['AES-CTR', { name: 'AES-CTR', counter: iv, length: 64 }]]) {
    const k = await s.generateKey({ name, length: 128 }, true, ['encrypt', 'decrypt']);
    out[name] = same(await s.decrypt(params, k, await s.encrypt(params, k, data)), data);
  }
  const kek = await s.generateKey({ name: 'AES-KW', length: 256 }, false, ['wrapKey', 'unwrapKey']);
  const inner = await s.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 256 }, true, ['sign']);
  const wrapped = await s.wrapKey('raw', inner, kek, 'AES-KW');
  const unwrapped = await s.unwrapKey('raw', wrapped, kek, 'AES-KW', { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  out['AES-KW'] = same(await s.exportKey('raw', inner), await s.exportKey('raw', unwrapped));

  const pw = await s.importKey('raw', enc.encode('password'), 'PBKDF2', false, ['deriveBits']);
  out.PBKDF2 = hex(await s.deriveBits({ name: 'PBKDF2', salt: enc.encode('salt'), iterations: 2, hash: 'SHA-1' }, pw, 160))
    === 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957';  // RFC 6070
  const ikm = await s.importKey('raw', new Uint8Array(22).fill(0x0b), 'HKDF', false, ['deriveBits']);
  const salt = Uint8Array.from({ length: 13 }, (_, i) => i);
  const info = Uint8Array.from({ length: 10 }, (_, i) => 0xf0 + i);
  out.HKDF = hex(await s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, ikm, 42 * 8))
    === '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865';  // RFC 5869 A.1
  return out;
}

// The error each bad input gives: "<constructor>:<name>".
async function errors() {
  const s = crypto.subtle;
  const name = (p) => p.then(() => 'resolved', (e) => e.constructor.name + ':' + e.name);
  const hk = await s.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const aes = await s.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt', 'decrypt']);
  const iv = new Uint8Array(12);
  const ct = new Uint8Array(await s.encrypt({ name: 'AES-GCM', iv }, aes, new Uint8Array(32)));
  ct[3] ^= 1;
  return {
    wrongUsage: await name(s.verify('HMAC', hk, new Uint8Array(32), new Uint8Array(1))),
    wrongAlgorithm: await name(s.sign({ name: 'ECDSA', hash: 'SHA-256' }, hk, new Uint8Array(1))),
    badUsageAtImport: await name(s.importKey('raw', new Uint8Array(16), 'AES-GCM', false, ['sign'])),
    emptyUsages: await name(s.generateKey({ name: 'AES-CBC', length: 128 }, false, [])),
    unknownAlgorithm: await name(s.digest('SHA-3', new Uint8Array(1))),
    missingMember: await name(s.generateKey({ name: 'AES-GCM' }, false, ['encrypt'])),
    notABuffer: await name(s.digest('SHA-256', 'text')),
    badKeyLength: await name(s.importKey('raw', new Uint8Array(15), 'AES-GCM', false, ['encrypt'])),
    badGenerateLength: await name(s.generateKey({ name: 'AES-GCM', length: 100 }, false, ['encrypt'])),
    malformedJwk: await name(s.importKey('jwk', { kty: 'EC', crv: 'P-256', x: '***', y: 'AA' }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])),
    wrongKty: await name(s.importKey('jwk', { kty: 'RSA', k: 'AAAA' }, 'AES-GCM', false, ['encrypt'])),
    jwkNotObject: await name(s.importKey('jwk', 'nope', 'AES-GCM', false, ['encrypt'])),
    malformedSpki: await name(s.importKey('spki', new Uint8Array([0x30, 0x82, 0xff, 0xff, 1, 2, 3]), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])),
    malformedPkcs8: await name(s.importKey('pkcs8', crypto.getRandomValues(new Uint8Array(300)), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign'])),
    pointNotOnCurve: await name(s.importKey('raw', new Uint8Array(65).fill(4), { name: 'ECDH', namedCurve: 'P-256' }, false, [])),
    corruptedCiphertext: await name(s.decrypt({ name: 'AES-GCM', iv }, aes, ct)),
    badIv: await name(s.encrypt({ name: 'AES-CBC', iv: new Uint8Array(8) }, await s.generateKey({ name: 'AES-CBC', length: 128 }, false, ['encrypt']), new Uint8Array(1))),
    notExtractable: await name(s.exportKey('raw', hk)),
    notAKey: await name(s.sign('HMAC', {}, new Uint8Array(1))),
    illegalConstructor: (() => { try { new CryptoKey(); return 'constructed'; } catch (e) { return e.constructor.name; } })(),
  };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/jwt/sign': {
        const { alg, key, payload } = await request.json();
        return Response.json({ token: await jwtSign(alg, key, payload) });
      }
      case '/jwt/verify': {
        const { alg, key, token } = await request.json();
        return Response.json({ valid: await jwtVerify(alg, key, token) });
      }
      case '/jwt/roundtrip': {
        // Keys made here; tokens signed and verified here.
        const out = {};
        const secret = 'shared-secret';
        const t = await jwtSign('HS256', secret, { sub: 'a' });
        out.HS256 = await jwtVerify('HS256', secret, t) && !(await jwtVerify('HS256', 'other', t));
        for (const [alg, gen] of [['RS256', { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }],
                                  ['ES256', { name: 'ECDSA', namedCurve: 'P-256' }]]) {
          const kp = await crypto.subtle.generateKey(gen, true, ['sign', 'verify']);
          const priv = await crypto.subtle.exportKey('jwk', kp.privateKey);
          const pub = await crypto.subtle.exportKey('jwk', kp.publicKey);
          const token = await jwtSign(alg, priv, { sub: 'b' });
          const tampered = token.replace(/\.([^.]*)\./, (m, p) => '.' + b64u(enc.encode('{"sub":"c"}')) + '.');
          out[alg] = await jwtVerify(alg, pub, token) && !(await jwtVerify(alg, pub, tampered));
        }
        return Response.json(out);
      }
      case '/families': return Response.json(await families());
      case '/errors': return Response.json(await errors());
      case '/digeststream': {
        const ds = new crypto.DigestStream(url.searchParams.get('alg') || 'SHA-256');
        if (request.body) await request.body.pipeTo(ds);
        else await ds.getWriter().close();
        return Response.json({ hex: hex(await ds.digest), bytesWritten: ds.bytesWritten });
      }
      case '/digeststream-bad': {
        try { new crypto.DigestStream('SHA-3'); return new Response('constructed'); }
        catch (e) { return new Response(e.name); }
      }
      case '/digeststream-badchunk': {
        // A chunk that is not bytes errors the stream and rejects digest.
        const ds = new crypto.DigestStream('SHA-256');
        const writer = ds.getWriter();
        const write = await writer.write(42).then(() => 'written', (e) => e.constructor.name);
        const digest = await ds.digest.then(() => 'resolved', (e) => e.constructor.name);
        return Response.json({ write, digest });
      }
      case '/tse': {
        const s = crypto.subtle;
        let lengths;
        try { s.timingSafeEqual(new Uint8Array(2), new Uint8Array(3)); lengths = 'no error'; } catch (e) { lengths = e.constructor.name; }
        return Response.json({
          equal: s.timingSafeEqual(enc.encode('abc'), enc.encode('abc')),
          differ: s.timingSafeEqual(enc.encode('abc'), enc.encode('abd')),
          buffers: s.timingSafeEqual(new Uint8Array([1, 2]).buffer, new Uint16Array([0x0201])),
          lengths,
        });
      }
    }
    return new Response('not found', { status: 404 });
  },
};
"""


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def int_b64u(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return b64u(n.to_bytes(size, "big"))


class WebCryptoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.verge = dev(worker_dir(WORKER))

    @classmethod
    def tearDownClass(cls):
        cls.verge.stop()

    def get_json(self, path, body=None):
        status, _, data = request(self.verge.port, "POST" if body is not None else "GET", path,
                                  body=json.dumps(body) if body is not None else None)
        self.assertEqual(status, 200, data[:2000])
        return json.loads(data)

    def test_jwt_round_trip_in_the_worker(self):
        self.assertEqual(self.get_json("/jwt/roundtrip"), {"HS256": True, "RS256": True, "ES256": True})

    def test_hs256_interoperates(self):
        secret = "s3cret"
        token = self.get_json("/jwt/sign", {"alg": "HS256", "key": secret, "payload": {"sub": "x"}})["token"]
        head, payload, sig = token.split(".")
        expected = hmac.new(secret.encode(), (head + "." + payload).encode(), hashlib.sha256).digest()
        self.assertEqual(unb64u(sig), expected)
        # A token Python signed verifies in the worker.
        mine = b64u(b'{"alg":"HS256"}') + "." + b64u(b'{"n":1}')
        mine += "." + b64u(hmac.new(secret.encode(), mine.encode(), hashlib.sha256).digest())
        self.assertTrue(self.get_json("/jwt/verify", {"alg": "HS256", "key": secret, "token": mine})["valid"])
        self.assertFalse(self.get_json("/jwt/verify", {"alg": "HS256", "key": "wrong", "token": mine})["valid"])

    @unittest.skipUnless(HAVE_CRYPTOGRAPHY, "needs the cryptography module")
    def test_rs256_interoperates(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pn, priv = key.public_key().public_numbers(), key.private_numbers()
        public_jwk = {"kty": "RSA", "n": int_b64u(pn.n), "e": int_b64u(pn.e)}
        private_jwk = dict(public_jwk, d=int_b64u(priv.d), p=int_b64u(priv.p), q=int_b64u(priv.q),
                           dp=int_b64u(priv.dmp1), dq=int_b64u(priv.dmq1), qi=int_b64u(priv.iqmp))
        token = self.get_json("/jwt/sign", {"alg": "RS256", "key": private_jwk, "payload": {"sub": "x"}})["token"]
        head, payload, sig = token.split(".")
        key.public_key().verify(unb64u(sig), (head + "." + payload).encode(), padding.PKCS1v15(), hashes.SHA256())
        mine = b64u(b'{"alg":"RS256"}') + "." + b64u(b'{"n":2}')
        mine += "." + b64u(key.sign(mine.encode(), padding.PKCS1v15(), hashes.SHA256()))
        self.assertTrue(self.get_json("/jwt/verify", {"alg": "RS256", "key": public_jwk, "token": mine})["valid"])

    @unittest.skipUnless(HAVE_CRYPTOGRAPHY, "needs the cryptography module")
    def test_es256_interoperates(self):
        key = ec.generate_private_key(ec.SECP256R1())
        pn = key.public_key().public_numbers()
        public_jwk = {"kty": "EC", "crv": "P-256", "x": int_b64u(pn.x, 32), "y": int_b64u(pn.y, 32)}
        private_jwk = dict(public_jwk, d=int_b64u(key.private_numbers().private_value, 32))
        token = self.get_json("/jwt/sign", {"alg": "ES256", "key": private_jwk, "payload": {"sub": "x"}})["token"]
        head, payload, sig = token.split(".")
        raw = unb64u(sig)
        self.assertEqual(len(raw), 64)  # r || s, as JWS wants, not DER
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        key.public_key().verify(der, (head + "." + payload).encode(), ec.ECDSA(hashes.SHA256()))
        mine = b64u(b'{"alg":"ES256"}') + "." + b64u(b'{"n":3}')
        r, s = decode_dss_signature(key.sign(mine.encode(), ec.ECDSA(hashes.SHA256())))
        mine += "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        self.assertTrue(self.get_json("/jwt/verify", {"alg": "ES256", "key": public_jwk, "token": mine})["valid"])

    def test_every_family(self):
        out = self.get_json("/families")
        self.assertEqual({k: v for k, v in out.items() if v is not True}, {})
        for name in ["digest", "hmac", "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP", "ECDSA P-256", "ECDSA P-521",
                     "ECDH P-384", "Ed25519", "NODE-ED25519", "X25519", "AES-GCM", "AES-CBC", "AES-CTR", "AES-KW",
                     "PBKDF2", "HKDF"]:
            self.assertIn(name, out)

    def test_error_types(self):
        self.assertEqual(self.get_json("/errors"), {
            "wrongUsage": "DOMException:InvalidAccessError",
            "wrongAlgorithm": "DOMException:InvalidAccessError",
            "badUsageAtImport": "DOMException:SyntaxError",
            "emptyUsages": "DOMException:SyntaxError",
            "unknownAlgorithm": "DOMException:NotSupportedError",
            "missingMember": "TypeError:TypeError",
            "notABuffer": "TypeError:TypeError",
            "badKeyLength": "DOMException:DataError",
            "badGenerateLength": "DOMException:OperationError",
            "malformedJwk": "DOMException:DataError",
            "wrongKty": "DOMException:DataError",
            "jwkNotObject": "TypeError:TypeError",
            "malformedSpki": "DOMException:DataError",
            "malformedPkcs8": "DOMException:DataError",
            "pointNotOnCurve": "DOMException:DataError",
            "corruptedCiphertext": "DOMException:OperationError",
            "badIv": "DOMException:OperationError",
            "notExtractable": "DOMException:InvalidAccessError",
            "notAKey": "TypeError:TypeError",
            "illegalConstructor": "TypeError",
        })
        # The process survived all of it.
        self.assertEqual(request(self.verge.port, "GET", "/tse")[0], 200)

    def test_digest_stream(self):
        body = os.urandom(300000)
        for alg, fn in [("SHA-256", hashlib.sha256), ("SHA-512", hashlib.sha512), ("MD5", hashlib.md5)]:
            status, _, data = request(self.verge.port, "POST", "/digeststream?alg=" + alg, body=body)
            self.assertEqual(status, 200, data)
            out = json.loads(data)
            self.assertEqual(out["hex"], fn(body).hexdigest())
            self.assertEqual(out["bytesWritten"], len(body))
        status, _, data = request(self.verge.port, "POST", "/digeststream", body=b"")
        self.assertEqual(json.loads(data)["hex"], hashlib.sha256(b"").hexdigest())
        self.assertEqual(request(self.verge.port, "GET", "/digeststream-bad")[2], b"NotSupportedError")
        self.assertEqual(self.get_json("/digeststream-badchunk"), {"write": "TypeError", "digest": "TypeError"})

    def test_timing_safe_equal(self):
        self.assertEqual(self.get_json("/tse"), {"equal": True, "differ": False, "buffers": True, "lengths": "TypeError"})


if __name__ == "__main__":
    unittest.main()
