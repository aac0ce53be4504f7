// Account: change the password (the same key, a new verifier and blob), download a key backup
// for gpg, sign out everywhere (a new salt, verifier and blob for the same password), and add
// a record with a proxy code.
import { alert, busy, field, h } from '../dom.js';
import {
  authKeyFor, birthDateField, birthDateProblem, CLOCK_SENTENCE, confirmProblem,
  newPasswordFields, newVerifier, nextPaint, passwordProblem, showErrors, showFailure,
} from './forms.js';

const BACKUP_FILE = 'portal-key-backup.asc';
const MIN_BACKUP_CHARS = 12;

/** Renders the Account screen into `root`. */
export async function render(root, app) {
  root.append(
    h('h1', {}, 'Account'),
    changePassword(app),
    keyBackup(app),
    signOutEverywhere(app),
    addRecord(app),
  );
}

function section(title, ...children) {
  return h('section', { class: 'account-section' }, h('h2', {}, title), ...children);
}

// PUT key-blob: proves the old password (old_auth_key) and sends the new verifier and blob,
// signed by the account's key. `fields.current` is the password field checked by the daemon.
async function putKeyBlob(app, currentPassword, newPassword) {
  const { session } = app;
  const old = await authKeyFor(app, session.logonId, currentPassword);
  if (!old.ok) {
    return old.answer.status === 401 ? { status: 401, problem: { field: 'old_auth_key' } }
      : old.answer;
  }
  const verifier = await newVerifier(app, newPassword, session.privateKey);
  return app.api.sendSigned('PUT', 'key-blob', {
    fingerprint: session.fingerprint,
    old_auth_key: old.authKey,
    auth_key: verifier.authKey,
    kdf: verifier.kdf,
    key_blob: verifier.keyBlob,
    nonce: app.api.newNonce(),
    timestamp: app.api.nowInstant(),
  }, session.privateKey);
}

function keyBlobFailure(app, r, passwordField) {
  if (r.status === 401) {
    return { field: passwordField, text: 'That is not your current password.' };
  }
  if (r.status === 422 && r.problem && r.problem.field === 'timestamp') {
    return { text: CLOCK_SENTENCE };
  }
  return { text: app.api.problemSentence(r, app.config) };
}

function changePassword(app) {
  const current = field({ label: 'Current password', name: 'current-password', type: 'password',
    autocomplete: 'current-password', required: true });
  const { password, confirm } = newPasswordFields(true);
  const button = h('button', { type: 'submit', class: 'button' }, 'Change password');
  const form = h('form', { class: 'form', novalidate: true }, current.wrapper, password.wrapper,
    confirm.wrapper, button);
  const fields = { current, password, confirm };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ok = showErrors(form, fields, {
      current: current.input.value ? null : 'Enter your current password.',
      password: passwordProblem(password.input.value, app.session.logonId || ''),
      confirm: confirmProblem(password.input.value, confirm.input.value, 'new passwords'),
    });
    if (!ok) return;
    const r = await busy(button, 'Changing your password…', async () => {
      await nextPaint();
      return putKeyBlob(app, current.input.value, password.input.value);
    });
    if (!r.ok) {
      showFailure(app, form, fields, keyBlobFailure(app, r, 'current'));
      return;
    }
    for (const f of Object.values(fields)) f.input.value = '';
    alert(form, null);
    app.announce('Your password is changed. Use the new one next time you sign in.');
  });
  return section('Change password',
    h('p', {}, 'Your key stays the same; it is locked with the new password from now on.'),
    form);
}

function keyBackup(app) {
  const pass = field({ label: 'Backup passphrase', name: 'backup-passphrase', type: 'password',
    autocomplete: 'new-password', required: true,
    hint: `At least ${MIN_BACKUP_CHARS} characters. You will need it to open the backup.` });
  const confirm = field({ label: 'Confirm backup passphrase', name: 'backup-confirm',
    type: 'password', autocomplete: 'new-password', required: true });
  const button = h('button', { type: 'submit', class: 'button' }, 'Download key backup');
  const form = h('form', { class: 'form', novalidate: true }, pass.wrapper, confirm.wrapper,
    button);
  const fields = { pass, confirm };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ok = showErrors(form, fields, {
      pass: [...pass.input.value].length >= MIN_BACKUP_CHARS ? null
        : `Use at least ${MIN_BACKUP_CHARS} characters.`,
      confirm: confirmProblem(pass.input.value, confirm.input.value, 'passphrases'),
    });
    if (!ok) return;
    const armored = await busy(button, 'Making your backup…',
      () => app.keys.backupArmored(app.session.privateKey, pass.input.value));
    pass.input.value = '';
    confirm.input.value = '';
    download(armored);
    app.announce(`Your key backup is saved as ${BACKUP_FILE}.`);
  });
  return section('Key backup',
    h('p', {}, 'A copy of your key in a file, locked with a passphrase you choose. With it and ' +
      'a program such as GnuPG you can open your summary without the portal. Keep the file ' +
      'and the passphrase apart and safe: anyone with both can read your records.'),
    form);
}

function download(text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/pgp-keys' }));
  const a = h('a', { href: url, download: BACKUP_FILE, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60 * 1000);
}

function signOutEverywhere(app) {
  const password = field({ label: 'Your password', name: 'everywhere-password',
    type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', class: 'button' }, 'Sign out everywhere');
  const form = h('form', { class: 'form', novalidate: true }, password.wrapper, button);
  const fields = { password };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!showErrors(form, fields,
      { password: password.input.value ? null : 'Enter your password.' })) return;
    const r = await busy(button, 'Signing out other devices…', async () => {
      await nextPaint();
      return putKeyBlob(app, password.input.value, password.input.value);
    });
    if (!r.ok) {
      showFailure(app, form, fields, keyBlobFailure(app, r, 'password'));
      return;
    }
    password.input.value = '';
    alert(form, null);
    app.announce('Done. Other devices have to sign in again with your password.');
  });
  return section('Sign out everywhere',
    h('p', {}, 'Lost a phone, or signed in on a shared computer? This changes what your ' +
      'password unlocks, so nothing another device kept lets it sign in again. Your password ' +
      'stays the same; this device stays signed in.'),
    form);
}

function addRecord(app) {
  const code = field({ label: 'Proxy code', name: 'proxy-code', autocomplete: 'off',
    autocapitalize: 'characters', spellcheck: 'false', required: true,
    hint: 'From the letter the hospital gave you for this person: 15 letters and digits.' });
  const dob = birthDateField('Patient\'s date of birth', 'proxy-bday');
  const button = h('button', { type: 'submit', class: 'button' }, 'Add record');
  const form = h('form', { class: 'form', novalidate: true }, code.wrapper, dob.wrapper, button);
  const fields = { code, dob };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const typed = code.input.value.trim();
    const ok = showErrors(form, fields, {
      code: typed.replace(/[\s-]/g, '').length === 15 ? null
        : 'The proxy code is 15 letters and digits.',
      dob: birthDateProblem(dob.input.value),
    });
    if (!ok) return;
    const r = await busy(button, 'Adding the record…', () => app.api.postSigned('proxy-links', {
      fingerprint: app.session.fingerprint,
      code: typed,
      birth_date: dob.input.value,
      nonce: app.api.newNonce(),
      timestamp: app.api.nowInstant(),
    }, app.session.privateKey));
    if (!r.ok) {
      showFailure(app, form, fields, proxyFailure(app, r));
      return;
    }
    code.input.value = '';
    dob.input.value = '';
    await app.refreshMe();
    const label = r.json && r.json.label ? r.json.label : 'the new record';
    await app.reload();
    app.announce(`Record added: ${label}. Choose it under "Whose record".`);
  });
  return section('Add a record',
    h('p', {}, 'If the hospital made you a proxy for someone, for example your child, enter ' +
      'the code from their letter to see their record too.'),
    form);
}

function proxyFailure(app, r) {
  const field = r.problem && r.problem.field;
  if (r.status === 409 && field === 'code') {
    return { field: 'code', text: 'Your account already opens that record.' };
  }
  if (r.status === 422 && (field === 'code' || field === 'birth_date')) {
    return { field: 'code', text: 'That code and date of birth do not match our records, or ' +
      'the code has expired or was used.' };
  }
  if (r.status === 422 && field === 'timestamp') return { text: CLOCK_SENTENCE };
  return { text: app.api.problemSentence(r, app.config) };
}
