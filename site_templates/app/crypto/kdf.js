// The password derivation, byte for byte the C++ test client's (tests/account_client.cc):
//   master         = Argon2id(password as NFC UTF-8, salt 16 B, t, m KiB, p, 32 B)
//   auth_key       = HKDF-SHA256(master, salt empty, "portal auth key v1", 32 B)
//   key_passphrase = base64(HKDF-SHA256(master, salt empty, "portal key passphrase v1", 32 B))
// Argon2id is the argon2id package's WebAssembly, copied into the site (config.vendor.argon2id);
// HKDF is WebCrypto's.
import { readConfig } from '../config.js';

const AUTH_INFO = 'portal auth key v1';
const PASSPHRASE_INFO = 'portal key passphrase v1';
// The argon2id package refuses shorter passwords; the app's own rule asks for 12 characters.
export const MIN_PASSWORD_BYTES = 8;

const wasmBytes = new Map();  // url -> Promise<ArrayBuffer>

// Fetched once per page. Instantiated from bytes (not instantiateStreaming), so a server that
// sends the wrong MIME type for .wasm cannot break it.
function fetchWasm(url) {
  if (!wasmBytes.has(url)) {
    const p = fetch(url).then((res) => {
      if (!res.ok) throw new Error(`could not load ${url}`);
      return res.arrayBuffer();
    });
    p.catch(() => wasmBytes.delete(url));
    wasmBytes.set(url, p);
  }
  return wasmBytes.get(url);
}

// A fresh Argon2id function with its own WebAssembly memory: the package keeps a derivation's
// memory until the instance goes, so each derivation gets one and drops it after.
async function loadArgon2id(base) {
  const { default: setupWasm } = await import(`${base}lib/setup.js`);
  const load = (name) => async (importObject) =>
    WebAssembly.instantiate(await fetchWasm(`${base}dist/${name}`), importObject);
  return setupWasm(load('simd.wasm'), load('no-simd.wasm'));
}

async function hkdf(master, info) {
  const key = await crypto.subtle.importKey('raw', master, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0),
      info: new TextEncoder().encode(info) },
    key, 256);
  return new Uint8Array(bits);
}

/** Standard base64 (with padding) of bytes. */
export function toBase64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Bytes of standard base64; throws on anything else. */
export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i += 1) out[i] = s.charCodeAt(i);
  return out;
}

/** The password as the derivation takes it: NFC, then UTF-8. */
export function passwordBytes(password) {
  return new TextEncoder().encode(password.normalize('NFC'));
}

/**
 * Derives the account's two values from a password.
 * @param {string} password as typed (normalized to NFC here)
 * @param {{t: number, m: number, p: number, salt: Uint8Array}} kdf
 * @param {string} [argon2Base] the argon2id package's folder (default: the page config's)
 * @returns {Promise<{authKey: Uint8Array, keyPassphrase: string}>}
 */
export async function deriveAccountKeys(password, kdf, argon2Base) {
  const pw = passwordBytes(password);
  if (pw.length < MIN_PASSWORD_BYTES) throw new Error('password too short to derive');
  if (!(kdf.salt instanceof Uint8Array) || kdf.salt.length !== 16) {
    throw new Error('kdf salt must be 16 bytes');
  }
  const argon2id = await loadArgon2id(argon2Base || readConfig().vendor.argon2id);
  const master = argon2id({
    password: pw, salt: kdf.salt, passes: kdf.t, memorySize: kdf.m, parallelism: kdf.p,
    tagLength: 32,
  });
  try {
    const authKey = await hkdf(master, AUTH_INFO);
    const keyPassphrase = toBase64(await hkdf(master, PASSPHRASE_INFO));
    return { authKey, keyPassphrase };
  } finally {
    master.fill(0);
    pw.fill(0);
  }
}

/**
 * New settings for a new verifier: the page config's t, m, p and a fresh random 16-byte salt.
 * @param {{t: number, m: number, p: number}} [settings] default: the page config's kdf
 */
export function newKdfSettings(settings) {
  const s = settings || readConfig().kdf;
  return { t: s.t, m: s.m, p: s.p, salt: crypto.getRandomValues(new Uint8Array(16)) };
}

/** The wire object {"alg","t","m","p","salt"} (the C++ client's field order). */
export function kdfToWire(kdf) {
  return { alg: 'argon2id', t: kdf.t, m: kdf.m, p: kdf.p, salt: toBase64(kdf.salt) };
}

/** The wire object back (prelogin's answer); throws on anything but argon2id's five fields. */
export function kdfFromWire(j) {
  if (!j || j.alg !== 'argon2id') throw new Error('kdf: not argon2id');
  for (const k of ['t', 'm', 'p']) {
    if (!Number.isInteger(j[k]) || j[k] < 1) throw new Error(`kdf: bad ${k}`);
  }
  const salt = fromBase64(String(j.salt));
  if (salt.length !== 16) throw new Error('kdf: salt is not 16 bytes');
  return { t: j.t, m: j.m, p: j.p, salt };
}
