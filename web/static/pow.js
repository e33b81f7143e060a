// The proof of work of "report a problem" (web/pow.go): find a pow such that
// SHA-256(challenge + pow) starts with `bits` zero bits. SHA-256 is written out here for one
// 64-byte block (the challenge is 32 characters, the pow a decimal counter), because
// crypto.subtle.digest is asynchronous per hash and several times slower for a million tiny
// inputs. The search yields to the page every ~25 ms so the form stays responsive.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Uint32Array(64);

// firstWord returns the first 32 bits of the SHA-256 of the one block in W[0..15].
function firstWord() {
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15], y = W[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = 0x6a09e667 | 0, b = 0xbb67ae85 | 0, c = 0x3c6ef372 | 0, d = 0xa54ff53a | 0;
  let e = 0x510e527f | 0, f = 0x9b05688c | 0, g = 0x1f83d9ab | 0, h = 0x5be0cd19 | 0;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  return (0x6a09e667 + a) >>> 0;
}

// solve returns the first decimal counter that solves challenge for bits (1 to 32).
export async function solve(challenge, bits) {
  const prefix = new TextEncoder().encode(challenge);
  if (prefix.length > 40 || bits < 1 || bits > 32) throw new Error('unexpected challenge');
  const msg = new Uint8Array(64);
  msg.set(prefix);
  const shift = 32 - bits;
  let slice = performance.now();
  for (let n = 0; ; n++) {
    const digits = String(n);
    let p = prefix.length;
    for (let i = 0; i < digits.length; i++) msg[p++] = digits.charCodeAt(i);
    msg[p] = 0x80; // padding, then zeros, then the length in bits (fits the last word)
    msg.fill(0, p + 1, 60);
    const len = p * 8;
    msg[60] = len >>> 24; msg[61] = len >>> 16; msg[62] = len >>> 8; msg[63] = len;
    for (let i = 0; i < 16; i++) W[i] = (msg[4 * i] << 24) | (msg[4 * i + 1] << 16) | (msg[4 * i + 2] << 8) | msg[4 * i + 3];
    if (firstWord() >>> shift === 0) return digits;
    if ((n & 1023) === 1023 && performance.now() - slice > 25) {
      await new Promise((r) => setTimeout(r, 0));
      slice = performance.now();
    }
  }
}
