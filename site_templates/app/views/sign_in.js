// Sign in: Logon ID and password → prelogin (the account's Argon2id settings) → the auth key
// → sessions (the key blob and the records) → the blob unlocked here with the key passphrase.
// Nothing but the auth key leaves the device; the key stays in memory only.
import { alert, busy, field, h } from '../dom.js';
import { authKeyFor, clearErrors, helpText, nextPaint, showErrors } from './forms.js';

const WRONG = 'The Logon ID or password is not right. Check them and try again.';

/** Renders the Sign in screen into `root`. */
export async function render(root, app) {
  const { config } = app;
  const logon = field({ label: 'Logon ID', name: 'username', autocomplete: 'username',
    required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = field({ label: 'Password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', class: 'button' }, 'Sign in');
  const form = h('form', { class: 'form', novalidate: true },
    logon.wrapper, password.wrapper, button);
  const fields = { logon, password };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const logonId = logon.input.value.trim();
    const ok = showErrors(form, fields, {
      logon: logonId ? null : 'Enter your Logon ID.',
      password: password.input.value ? null : 'Enter your password.',
    });
    if (!ok) return;
    const message = await busy(button, 'Checking your password…', async () => {
      await nextPaint();
      return signIn(app, logonId, password.input.value);
    });
    if (message) {
      clearErrors(form, fields);
      alert(form, message);
      app.announce('');
      password.input.value = '';
      password.input.focus();
    }
  });

  root.append(
    h('h1', {}, 'Sign in'),
    h('p', {}, `Sign in to read your health summary from ${config.hospital.name}.`),
    form,
    h('ul', { class: 'links' },
      h('li', {}, h('a', { href: `tel:${config.help_line.tel}` }, 'Forgot Logon ID?'),
        ` Call the ${config.help_line.name || 'help line'} at ${config.help_line.display}.`),
      h('li', {}, h('a', { href: config.pages.recover }, 'Forgot Password?')),
      h('li', {}, 'New here? ', h('a', { href: config.pages.register }, 'Register'))),
  );
}

// The whole sign-in; a sentence for the patient when it fails, null when signed in.
async function signIn(app, logonId, password) {
  const { config } = app;
  const derived = await authKeyFor(app, logonId, password);
  if (!derived.ok) return failure(app, derived.answer);
  const r = await app.api.postPlain('sessions', { logon_id: logonId, auth_key: derived.authKey });
  if (!r.ok) return failure(app, r);
  const answer = r.json || {};
  if (typeof answer.key_blob !== 'string' || typeof answer.fingerprint !== 'string') {
    return app.api.problemSentence({ status: 500 }, config);
  }
  app.announce('Opening your key…');
  let privateKey;
  try {
    privateKey = await app.keys.unlockKey(answer.key_blob, derived.keyPassphrase);
  } catch {
    return `We could not open your key on this device. ${helpText(config)}`;
  }
  if (privateKey.getFingerprint().toUpperCase() !== answer.fingerprint.toUpperCase()) {
    app.keys.forgetKey(privateKey);
    return `We could not open your key on this device. ${helpText(config)}`;
  }
  await app.enter({
    logonId: logonId.toLowerCase(),
    fingerprint: answer.fingerprint.toUpperCase(),
    privateKey,
    records: Array.isArray(answer.records) ? answer.records : [],
  });
  return null;
}

function failure(app, r) {
  if (r.status === 401) return WRONG;
  if (r.status === 422) return WRONG;  // A Logon ID no account can have: as good as wrong.
  if (r.status === 403) return `Your account is locked. ${helpText(app.config)}`;
  if (r.status === 429 && r.retryAfter) {
    const minutes = Math.max(1, Math.ceil(r.retryAfter / 60));
    const wait = minutes === 1 ? 'a minute' : `${minutes} minutes`;
    return `Too many wrong tries. Please wait ${wait} and try again.`;
  }
  return app.api.problemSentence(r, app.config);
}
