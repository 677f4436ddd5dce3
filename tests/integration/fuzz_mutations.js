// Seeded mutations of key material, shared by the key-import fuzz tests
// (test_webcrypto_fuzz.py, test_node_crypto_fuzz.py, through key_fuzz.py),
// which put this file at the top of their worker.

// /?seed=S&rounds=N → [the PRNG seeded with S, N]
function fuzzRequest(request) {
  const url = new URL(request.url);
  return [prng(Number(url.searchParams.get('seed'))), Number(url.searchParams.get('rounds'))];
}

function prng(seed) {  // xorshift32, so every run mutates alike
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}

const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function mutateBytes(bytes, rnd) {
  const b = [...bytes];
  switch (Math.floor(rnd() * 5)) {
    case 0: for (let i = 1 + Math.floor(rnd() * 4); i > 0; i--) b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8); break;
    case 1: b.length = Math.floor(rnd() * b.length); break;
    case 2: for (let i = Math.floor(rnd() * 40); i > 0; i--) b.push(Math.floor(rnd() * 256)); break;
    case 3: b[Math.floor(rnd() * Math.min(b.length, 8))] = Math.floor(rnd() * 256); break;  // the DER header
    default: return Uint8Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256));
  }
  return new Uint8Array(b);
}

function randomB64u(rnd) {
  let out = '';
  for (let i = Math.floor(rnd() * 700); i > 0; i--) out += B64U[Math.floor(rnd() * (rnd() < 0.02 ? 70 : 64))] ?? '=';
  return out;
}

function mutateJwk(jwk, other, rnd) {
  const j = { ...jwk };
  const keys = Object.keys(j);
  const k = keys[Math.floor(rnd() * keys.length)];
  switch (Math.floor(rnd() * 7)) {
    case 0: delete j[k]; break;
    case 1: j[k] = randomB64u(rnd); break;
    case 2: j[k] = [1, null, {}, [], true, -1e308][Math.floor(rnd() * 6)]; break;
    case 3: { const o = Object.keys(other); const m = o[Math.floor(rnd() * o.length)]; j[m] = other[m]; break; }
    case 4: j[k] = typeof j[k] === 'string' ? j[k].slice(0, Math.floor(rnd() * j[k].length)) : j[k]; break;
    case 5: j.kty = ['RSA', 'EC', 'OKP', 'oct', '', 'rsa'][Math.floor(rnd() * 6)]; break;
    default: j.crv = ['P-256', 'P-384', 'P-521', 'Ed25519', 'X25519', 'secp256k1', 'Ed448'][Math.floor(rnd() * 7)]; break;
  }
  return j;
}
