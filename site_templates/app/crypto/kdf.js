// The password derivation, byte for byte the C++ test client's (tests/account_client.cc):
// master = Argon2id(password, salt, t, m, p, 32); auth_key = HKDF-SHA256(master, "", "portal
// auth key v1", 32); key_passphrase = base64(HKDF-SHA256(master, "", "portal key passphrase
// v1", 32)).

/**
 * Derives the account's two values from a password.
 * @param {string} password
 * @param {{t: number, m: number, p: number, salt: Uint8Array}} kdf
 * @returns {Promise<{authKey: Uint8Array, keyPassphrase: string}>}
 */
export async function deriveAccountKeys(password, kdf) {
  void password; void kdf;
  throw new Error('not ready');
}

/** New settings for a new verifier: the config's t, m, p and a fresh 16-byte salt. */
export function newKdfSettings(config) {
  return { t: config.t, m: config.m, p: config.p, salt: new Uint8Array(16) };
}
