// What the account screens share (sign in, register, recover, account): the password rules,
// the plain sentences for the daemon's answers, the key and verifier made for a new password,
// and a pause that lets the browser paint progress before Argon2id holds the page.
import { alert, busy, field, h } from '../dom.js';
import { kdfFromWire, kdfToWire, MIN_PASSWORD_BYTES, passwordBytes, toBase64 }
  from '../crypto/kdf.js';

export const MIN_PASSWORD_CHARS = 12;

// Common passwords of 12 characters or more (lists of leaked passwords, lower case). Short
// ones are refused by length already.
const COMMON = new Set([
  '123456789012', '1234567890123', '12345678901234', '123456789000', '111111111111',
  '000000000000', '123123123123', '121212121212', '987654321098', '1q2w3e4r5t6y',
  '1qaz2wsx3edc', 'qwertyuiopas', 'qwertyuiop12', 'qwerty123456', 'qwertyqwerty',
  'asdfghjkl123', 'zxcvbnm12345', 'abcdefghijkl', 'abc123456789', 'abcd12345678',
  'password1234', 'password12345', 'password123!', 'password2024', 'password2025',
  'password2026', 'passwordpassword', 'passw0rd1234', 'p@ssw0rd1234', 'p@ssword1234',
  'mypassword123', 'iloveyou1234', 'letmein12345', 'welcome12345', 'welcome123456',
  'changeme1234', 'administrator', 'trustno11234', 'whatever1234', 'sunshine1234',
  'princess1234', 'football1234', 'baseball1234', 'superman1234', 'starwars1234',
  'monkey123456', 'dragon123456', 'master123456', 'shadow123456', 'michael12345',
  'jennifer1234', 'jordan231234', 'liverpool123', 'chocolate123', 'computer1234',
  'iloveyouiloveyou', 'hospital1234', 'patientportal', 'patientportal1', 'portal123456',
  'health123456', 'healthcare123', 'medicalrecords', 'myhealth1234', 'doctor123456',
]);

function characters(text) {
  return [...text.normalize('NFC')].length;
}

/**
 * What is wrong with a new password, in a plain sentence, or null when it will do.
 * @param {string} password
 * @param {string} [logonId] the account's Logon ID (a password must not hold it)
 */
export function passwordProblem(password, logonId = '') {
  if (!password) return 'Enter a password.';
  if (characters(password) < MIN_PASSWORD_CHARS ||
      passwordBytes(password).length < MIN_PASSWORD_BYTES) {
    return `Use at least ${MIN_PASSWORD_CHARS} characters. A few words you will remember ` +
      'work well.';
  }
  const plain = password.normalize('NFC').toLowerCase();
  if (COMMON.has(plain) || /^(.)\1+$/u.test(plain) || isRun(plain)) {
    return 'That password is too common. Choose another.';
  }
  if (logonId && logonId.length >= 4 && plain.includes(logonId.toLowerCase())) {
    return 'Your password must not contain your Logon ID.';
  }
  return null;
}

// "123456789012…", "abcdefghijkl…" and the same backwards.
function isRun(text) {
  const codes = [...text].map((c) => c.codePointAt(0));
  const up = codes.every((c, i) => i === 0 || c === codes[i - 1] + 1);
  const down = codes.every((c, i) => i === 0 || c === codes[i - 1] - 1);
  return up || down;
}

/** The Logon ID rule, as the daemon checks it (account_fields.cc GetLogonId). */
export function logonIdProblem(id, mrnPattern) {
  if (!id) return 'Enter a Logon ID.';
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{3,63}$/.test(id)) {
    return 'Use 4 to 64 letters, digits, dots, dashes, underscores or @, starting with a ' +
      'letter or digit.';
  }
  if (mrnPattern && new RegExp(mrnPattern, 'i').test(id)) {
    return 'Your Logon ID must not be your medical record number.';
  }
  return null;
}

/** The MRN as the daemon checks it (the config's pattern). */
export function mrnProblem(mrn, config) {
  if (!mrn) return 'Enter your medical record number (MRN).';
  if (!new RegExp(config.mrn.pattern).test(mrn)) {
    const example = config.mrn.example ? ` (like ${config.mrn.example})` : '';
    return `Enter the MRN as it is written on your papers: ${config.mrn.description ||
      'as the hospital gave it'}${example}.`;
  }
  return null;
}

/** An e-mail address as the daemon takes it (account_fields.cc GetEmail). */
export function emailProblem(email) {
  if (!email) return 'Enter the e-mail address the hospital has for you.';
  const special = /[<>()[\]\\,;:"]/.test(email);
  if (email.length < 3 || email.length > 254 || special || email.split('@').length !== 2 ||
      !/^[!-~]+@[!-~]+\.[!-~]+$/.test(email)) {
    return 'Enter an e-mail address such as name@example.com.';
  }
  return null;
}

/** A date of birth from <input type=date> (YYYY-MM-DD). */
export function birthDateProblem(date) {
  if (!date) return 'Enter your date of birth.';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m || Number(m[1]) < 1850) return 'Enter the date of birth as day, month and year.';
  return null;
}

/** The e-mailed code: 8 digits, typed with or without spaces. */
export function mailedCode(text) {
  return text.replace(/[\s-]/g, '');
}

/** The sentence for a wrong clock (the daemon allows 5 minutes either way). */
export const CLOCK_SENTENCE = 'The date or time on this device is wrong. Set it right and ' +
  'try again.';

/**
 * Marks fields and shows one alert: `errors` maps a field's key to its sentence (null: fine).
 * Returns true when nothing was wrong. The first bad field gets focus.
 * @param {HTMLElement} container where the alert goes (the form)
 * @param {Object<string, {setError: Function, input: HTMLElement}>} fields
 * @param {Object<string, ?string>} errors
 */
export function showErrors(container, fields, errors) {
  let first = null;
  for (const [key, f] of Object.entries(fields)) {
    const text = errors[key] || null;
    f.setError(text);
    if (text && !first) first = f;
  }
  if (!first) {
    alert(container, null);
    return true;
  }
  const count = Object.values(errors).filter(Boolean).length;
  alert(container, count === 1 ? 'Please fix the problem below.'
    : `Please fix the ${count} problems below.`);
  first.input.focus();
  return false;
}

/** Clears every field's error and the form's alert. */
export function clearErrors(container, fields) {
  for (const f of Object.values(fields)) f.setError(null);
  alert(container, null);
}

/**
 * Lets the browser paint (the busy button, #status) before work that holds the page, such as
 * Argon2id. A hidden tab paints nothing, so a short timer ends the wait too.
 */
export function nextPaint() {
  return new Promise((resolve) => {
    const done = () => resolve();
    setTimeout(done, 100);
    requestAnimationFrame(() => setTimeout(done, 0));
  });
}

/**
 * What a new password makes: a fresh salt with the config's settings, the auth key and the key
 * passphrase, and the key blob of `privateKey` locked with it.
 * @returns {Promise<{kdf: object, authKey: string, keyBlob: string}>} wire forms (base64)
 */
export async function newVerifier(app, password, privateKey) {
  const settings = app.kdf.newKdfSettings(app.config.kdf);
  const derived = await app.kdf.deriveAccountKeys(password, settings);
  const keyBlob = await app.keys.lockKey(privateKey, derived.keyPassphrase);
  return { kdf: kdfToWire(settings), authKey: toBase64(derived.authKey), keyBlob };
}

/**
 * The auth key of `password` for `logonId` with the account's own settings (prelogin's).
 * @returns {Promise<{ok: boolean, authKey?: string, keyPassphrase?: string, answer?: object}>}
 */
export async function authKeyFor(app, logonId, password) {
  const pre = await app.api.postPlain('prelogin', { logon_id: logonId });
  if (!pre.ok || !pre.json || !pre.json.kdf) return { ok: false, answer: pre };
  let settings;
  try {
    settings = kdfFromWire(pre.json.kdf);
  } catch {
    return { ok: false, answer: { status: 500 } };
  }
  if (passwordBytes(password).length < MIN_PASSWORD_BYTES) {
    // No account's password is this short (the app asks for 12 characters): it cannot match.
    return { ok: false, answer: { status: 401 }, tooShort: true };
  }
  const derived = await app.kdf.deriveAccountKeys(password, settings);
  return { ok: true, authKey: toBase64(derived.authKey), keyPassphrase: derived.keyPassphrase };
}

/** "Please call the <help line> at <number>." as text (for alerts). */
export function helpText(config) {
  return `Please call the ${config.help_line.name || 'help line'} at ${config.help_line.display}.`;
}

/** "Please call the <help line> at <number>." with the number as a tel: link (nodes). */
export function callHelp(config, lead = 'Please call the') {
  return [`${lead} ${config.help_line.name || 'help line'} at `,
    h('a', { href: `tel:${config.help_line.tel}` }, config.help_line.display), '.'];
}

/** Buttons side by side (stacked on a narrow screen). */
export function buttonRow(...buttons) {
  return h('div', { class: 'button-row' }, ...buttons);
}

/** What a code request answers whatever happened (the daemon tells no one which MRNs exist). */
export const CODE_SENT = 'If these match our records, we have sent a code to that address. ' +
  'It is valid for 30 minutes.';

/**
 * The MRN + e-mail form that asks for an e-mailed code (`route`: 'registrations' or
 * 'recoveries'), with a way on for a patient who already has one. `onDone(mrn, sent)`.
 * @returns {HTMLFormElement}
 */
export function codeRequestForm(app, route, onDone) {
  const mrn = field({ label: 'Medical record number (MRN)', name: 'mrn', required: true,
    autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    hint: app.config.mrn.example ? `It looks like ${app.config.mrn.example}.` : null });
  const email = field({ label: 'E-mail address on record', name: 'email', type: 'email',
    autocomplete: 'email', required: true, spellcheck: 'false' });
  const send = h('button', { type: 'submit', class: 'button' }, 'Send code');
  const have = h('button', { type: 'button', class: 'button secondary' },
    'I already have a code');
  const form = h('form', { class: 'form', novalidate: true }, mrn.wrapper, email.wrapper,
    buttonRow(send, have));
  const fields = { mrn, email };
  const typedMrn = () => mrn.input.value.trim().toUpperCase();
  have.addEventListener('click', () => {
    if (showErrors(form, fields, { mrn: mrnProblem(typedMrn(), app.config) })) {
      onDone(typedMrn(), false);
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = { mrn: typedMrn(), email: email.input.value.trim() };
    const ok = showErrors(form, fields, {
      mrn: mrnProblem(values.mrn, app.config), email: emailProblem(values.email),
    });
    if (!ok) return;
    const r = await busy(send, 'Sending…', () => app.api.postPlain(route, values));
    if (r.status !== 202) {
      alert(form, r.status === 422 ? 'Please check the MRN and the e-mail address.'
        : app.api.problemSentence(r, app.config));
      return;
    }
    onDone(values.mrn, true);
  });
  return form;
}

/**
 * Shows a failed step's `failure` ({text, field?}) on `form`: the field marked and focused,
 * the alert, #status emptied of the progress words.
 */
export function showFailure(app, form, fields, failure) {
  const target = fields[failure.field];
  if (target) target.setError(failure.text);
  alert(form, failure.text);
  app.announce('');
  if (target) target.input.focus();
}

/**
 * The two fields of a new password: "Password"/"Confirm password", or with `isNew`
 * "New password"/"Confirm new password".
 * @returns {{password: object, confirm: object}} dom.js fields
 */
export function newPasswordFields(isNew) {
  const word = isNew ? 'new password' : 'password';
  return {
    password: field({ label: word.charAt(0).toUpperCase() + word.slice(1), name: 'new-password',
      type: 'password', autocomplete: 'new-password', required: true,
      hint: `At least ${MIN_PASSWORD_CHARS} characters. A few words you will remember work ` +
        'well.' }),
    confirm: field({ label: `Confirm ${word}`, name: 'confirm-password', type: 'password',
      autocomplete: 'new-password', required: true }),
  };
}

/** "The two passwords are not the same." unless `confirm` equals `password`. */
export function confirmProblem(password, confirm, what = 'passwords') {
  return password === confirm ? null : `The two ${what} are not the same.`;
}

/** The field for the 8-digit code from the e-mail. */
export function mailedCodeField() {
  return field({ label: 'Code from the e-mail', name: 'code', inputmode: 'numeric',
    autocomplete: 'one-time-code', required: true });
}

/** A date of birth (<input type=date>). */
export function birthDateField(label = 'Date of birth', name = 'bday') {
  return field({ label, name, type: 'date', required: true,
    autocomplete: name === 'bday' ? 'bday' : 'off' });
}

/**
 * A new key for a new password (registration, recovery): made after the busy button has been
 * painted, then `nextText` on the button and in #status while the caller sends it.
 * @returns {Promise<{key: object, fields: object}>} the key ({privateKey, publicArmored,
 *   fingerprint}) and the body's public_key, key_blob, kdf and auth_key, in the wire order
 */
export async function newAccountKey(app, password, button, nextText) {
  await nextPaint();
  const key = await app.keys.generateAccountKey();
  const verifier = await newVerifier(app, password, key.privateKey);
  button.textContent = nextText;
  app.announce(nextText);
  return { key, fields: { public_key: key.publicArmored, key_blob: verifier.keyBlob,
    kdf: verifier.kdf, auth_key: verifier.authKey } };
}
