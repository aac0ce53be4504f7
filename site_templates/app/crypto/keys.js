// The patient's key and the portal's, through OpenPGP.js (imported once, from the copy the site
// build put at config.vendor.openpgp). The key is made in the browser and never leaves it in
// the clear: the server keeps only the blob, locked with the key passphrase (crypto/kdf.js).
import { readConfig } from '../config.js';
import { toBase64 } from './kdf.js';

// No name, e-mail or Logon ID: the key says only what it is for.
const KEY_USER_ID = 'Patient portal key';

/** Why a sealed file or a key could not be opened. */
export class KeyError extends Error {
  /**
   * @param {'not-for-key'|'bad-signature'|'malformed'|'wrong-passphrase'} reason
   * @param {string} [message] for the developer (never shown, never holds patient data)
   */
  constructor(reason, message) {
    super(message || reason);
    this.name = 'KeyError';
    this.reason = reason;
  }
}

let modulePromise = null;
let portalKeyPromise = null;

/** The OpenPGP.js module, imported once from the page config's vendor path. */
export async function openpgp() {
  if (!modulePromise) {
    modulePromise = import(readConfig().vendor.openpgp);
    modulePromise.catch(() => { modulePromise = null; });
  }
  return modulePromise;
}

/**
 * The portal's signing key, fetched from the app's own folder and accepted only with the
 * fingerprint the site build wrote into the page. A network failure is retried on the next
 * call; a wrong key stays refused.
 * @returns {Promise<object>} an OpenPGP.js PublicKey
 * @throws {KeyError} 'bad-signature' when the key is not the pinned one
 */
export async function portalSigningKey() {
  if (!portalKeyPromise) {
    portalKeyPromise = (async () => {
      const { signing_key: pin } = readConfig();
      const res = await fetch(pin.url, { cache: 'no-cache' });
      if (!res.ok) throw Object.assign(new Error('signing key not loaded'), { retry: true });
      const pgp = await openpgp();
      let key;
      try {
        key = await pgp.readKey({ armoredKey: await res.text() });
      } catch {
        throw new KeyError('bad-signature', 'the signing key file is not a key');
      }
      if (key.getFingerprint().toUpperCase() !== pin.fingerprint.toUpperCase()) {
        throw new KeyError('bad-signature', 'the signing key is not the pinned one');
      }
      return key;
    })();
    portalKeyPromise.catch((err) => { if (err && err.retry) portalKeyPromise = null; });
  }
  return portalKeyPromise;
}

function sameKeyId(a, b) {
  return a.toHex() === b.toHex();
}

function classify(err) {
  const text = String(err && err.message || err);
  if (/not signed|signing key|signature|signed digest|verif/i.test(text)) return 'bad-signature';
  // Sealed with hidden recipients (every key ID 0), a file for another key fails at unwrapping
  // its session key ("Key Data Integrity failed"), not at finding a matching key ID.
  if (/session key|decryption key|no.*key packets|key data integrity/i.test(text)) {
    return 'not-for-key';
  }
  return 'malformed';
}

/**
 * Opens a sealed file: decrypts it with the account's key and requires a good signature by the
 * portal's signing key (expectSigned). Nothing is returned unless both hold.
 * @param {Uint8Array} bytes the file as fetched (binary or armored OpenPGP message)
 * @param {object} privateKey the account's unlocked PrivateKey
 * @returns {Promise<{text: string, signedAt: Date}>}
 * @throws {KeyError} reason 'not-for-key' (sealed to another key, e.g. an earlier one),
 *   'bad-signature' (unsigned, signed by another key, altered, or the portal key not pinned),
 *   'malformed' (not an OpenPGP message)
 */
export async function decryptVerified(bytes, privateKey) {
  const pgp = await openpgp();
  let portalKey;
  try {
    portalKey = await portalSigningKey();
  } catch (err) {
    throw err instanceof KeyError ? err : new KeyError('bad-signature', 'no signing key');
  }
  let message;
  try {
    const head = new TextDecoder().decode(bytes.subarray(0, 15));
    message = head === '-----BEGIN PGP '
      ? await pgp.readMessage({ armoredMessage: new TextDecoder().decode(bytes) })
      : await pgp.readMessage({ binaryMessage: bytes });
  } catch {
    throw new KeyError('malformed', 'not an OpenPGP message');
  }
  const ours = privateKey.getKeyIDs();
  const sealedTo = message.getEncryptionKeyIDs();
  if (!sealedTo.some((id) => id.isWildcard() || ours.some((k) => sameKeyId(k, id)))) {
    throw new KeyError('not-for-key', 'sealed to another key');
  }
  let result;
  try {
    result = await pgp.decrypt({
      message, decryptionKeys: privateKey, verificationKeys: portalKey, expectSigned: true,
      format: 'utf8',
    });
  } catch (err) {
    throw new KeyError(classify(err), 'could not open');
  }
  let signedAt = null;
  for (const s of result.signatures) {
    try {
      if (await s.verified) {
        const sig = await s.signature;
        const created = sig.packets[0].created;
        if (!signedAt || created > signedAt) signedAt = created;
      }
    } catch {
      // Another signature that does not verify; expectSigned already required one that does.
    }
  }
  if (!signedAt) throw new KeyError('bad-signature', 'no verified signature');
  return { text: result.data, signedAt };
}

/**
 * A detached binary signature (never text mode) over exactly `bytes`, base64.
 * @param {Uint8Array} bytes
 * @param {object} privateKey unlocked PrivateKey
 * @returns {Promise<string>}
 */
export async function signDetachedBase64(bytes, privateKey) {
  const pgp = await openpgp();
  const signature = await pgp.sign({
    message: await pgp.createMessage({ binary: bytes }), signingKeys: privateKey, detached: true,
    format: 'binary',
  });
  return toBase64(signature);
}

/**
 * A new key for the account: v4 ed25519 primary (sign, certify) with a cv25519 encryption
 * subkey, no expiry, OpenPGP.js's defaults otherwise (no v6 keys, no AEAD, no Argon2 S2K).
 * @returns {Promise<{privateKey: object, publicArmored: string, fingerprint: string}>}
 */
export async function generateAccountKey() {
  const pgp = await openpgp();
  const { privateKey, publicKey } = await pgp.generateKey({
    type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: KEY_USER_ID }], format: 'object',
  });
  return {
    privateKey,
    publicArmored: publicKey.armor(),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
  };
}

/**
 * The key locked with `passphrase` and armored (the key blob, or a backup): gpg 2.2 reads it.
 * @param {object} privateKey unlocked PrivateKey (left unlocked)
 * @param {string} passphrase
 * @returns {Promise<string>}
 */
export async function lockKey(privateKey, passphrase) {
  const pgp = await openpgp();
  const locked = await pgp.encryptKey({ privateKey, passphrase });
  return locked.armor();
}

/**
 * Reads a key blob and unlocks it.
 * @param {string} armored
 * @param {string} passphrase
 * @returns {Promise<object>} the unlocked PrivateKey
 * @throws {KeyError} 'malformed' (not a private key) or 'wrong-passphrase'
 */
export async function unlockKey(armored, passphrase) {
  const pgp = await openpgp();
  let key;
  try {
    key = await pgp.readPrivateKey({ armoredKey: armored });
  } catch {
    throw new KeyError('malformed', 'the key blob is not a private key');
  }
  try {
    return await pgp.decryptKey({ privateKey: key, passphrase });
  } catch {
    throw new KeyError('wrong-passphrase', 'the passphrase does not open the key blob');
  }
}

/**
 * The key backup for gpg: the private key re-encrypted with the patient's own passphrase.
 * @param {object} privateKey unlocked PrivateKey
 * @param {string} passphrase the backup passphrase, as typed
 * @returns {Promise<string>} armored
 */
export async function backupArmored(privateKey, passphrase) {
  return lockKey(privateKey, passphrase);
}

/** Zeroes the key's secret material (sign-out, idle lock); safe on null. */
export function forgetKey(privateKey) {
  if (privateKey && typeof privateKey.clearPrivateParams === 'function') {
    try {
      privateKey.clearPrivateParams();
    } catch {
      // Already cleared.
    }
  }
}
