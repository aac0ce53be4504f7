// The patient's key and the portal's: OpenPGP.js, imported once from the page config.

/** Why a sealed file could not be opened: reason 'not-for-key' | 'bad-signature' | 'malformed'. */
export class KeyError extends Error {
  constructor(reason, message) {
    super(message || reason);
    this.name = 'KeyError';
    this.reason = reason;
  }
}

/** The OpenPGP.js module. */
export async function openpgp() {
  throw new Error('not ready');
}

/** The portal's signing key (PublicKey), its fingerprint checked against the config. */
export async function portalSigningKey() {
  throw new Error('not ready');
}

/**
 * Decrypts `bytes` with `privateKey`, requiring a valid signature by the portal's key.
 * @returns {Promise<{text: string, signedAt: Date}>}
 * @throws {KeyError}
 */
export async function decryptVerified(bytes, privateKey) {
  void bytes; void privateKey;
  throw new KeyError('malformed');
}

/** A detached binary signature over `bytes`, base64. */
export async function signDetachedBase64(bytes, privateKey) {
  void bytes; void privateKey;
  throw new Error('not ready');
}

/** A new key for the account: {privateKey (unlocked), publicArmored, fingerprint}. */
export async function generateAccountKey() {
  throw new Error('not ready');
}

/** The key blob: the armored private key encrypted with `passphrase`. */
export async function lockKey(privateKey, passphrase) {
  void privateKey; void passphrase;
  throw new Error('not ready');
}

/** Reads and unlocks a key blob; throws KeyError('not-for-key') when the passphrase is wrong. */
export async function unlockKey(armored, passphrase) {
  void armored; void passphrase;
  throw new Error('not ready');
}

/** The key backup for gpg: the armored private key encrypted with the patient's passphrase. */
export async function backupArmored(privateKey, passphrase) {
  void privateKey; void passphrase;
  throw new Error('not ready');
}
