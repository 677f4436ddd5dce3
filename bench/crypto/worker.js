// WebCrypto micro-benchmark worker shared by verge and workerd
// (bench/crypto.sh). GET /?op=NAME&n=N runs N operations one after the
// other (each awaited, as a worker would) and answers "ok N"; the script
// times the request from outside, because workerd's clock does not advance
// during JS execution. Keys and inputs are made once per isolate.
//
// Operations:
//   sha256      digest SHA-256 of 1 KiB
//   hmac        HMAC-SHA-256 sign of 1 KiB
//   ecdsa       ECDSA P-256 / SHA-256 verify of a 1 KiB message
//   rsa         RSASSA-PKCS1-v1_5 2048-bit / SHA-256 verify of a 1 KiB message
//   aesgcm      AES-GCM-256 encrypt of 16 KiB (12-byte IV)
const subtle = crypto.subtle;
const KiB = new Uint8Array(1024).map((_, i) => (i * 31) & 0xff);
const KiB16 = new Uint8Array(16384).map((_, i) => (i * 7) & 0xff);
const iv = new Uint8Array(12).fill(1);

let setup;
async function prepare() {
  const hmacKey = await subtle.importKey('raw', new Uint8Array(32).fill(7), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const ec = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const ecSig = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, KiB);
  const rsa = await subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']);
  const rsaSig = await subtle.sign('RSASSA-PKCS1-v1_5', rsa.privateKey, KiB);
  const aesKey = await subtle.importKey('raw', new Uint8Array(32).fill(3), 'AES-GCM', false, ['encrypt']);
  return { hmacKey, ecPub: ec.publicKey, ecSig, rsaPub: rsa.publicKey, rsaSig, aesKey };
}

const OPS = {
  sha256: () => subtle.digest('SHA-256', KiB),
  hmac: (k) => subtle.sign('HMAC', k.hmacKey, KiB),
  ecdsa: async (k) => { if (!(await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, k.ecPub, k.ecSig, KiB))) throw new Error('ECDSA verify failed'); },
  rsa: async (k) => { if (!(await subtle.verify('RSASSA-PKCS1-v1_5', k.rsaPub, k.rsaSig, KiB))) throw new Error('RSA verify failed'); },
  aesgcm: (k) => subtle.encrypt({ name: 'AES-GCM', iv }, k.aesKey, KiB16),
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const op = OPS[url.searchParams.get('op')];
    const n = Number(url.searchParams.get('n') || 0);
    if (!op) return new Response('unknown op\n', { status: 404 });
    setup ??= prepare();
    const keys = await setup;
    for (let i = 0; i < n; i++) await op(keys);
    return new Response(`ok ${n}\n`);
  },
};
