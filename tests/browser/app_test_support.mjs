// What the app's security, proxy and screens tests share on top of portal_stack.mjs: a page
// that keeps its console, the register and sign-in flows driven by the design's labels, the
// daemon's answers the app received (GET me, sessions, prelogin), sealing a fixture page with
// gpg as the nightly run would (or with another key), and an extra extract for the next run.
// Nothing here prints a patient's value: failures name the step, never what was typed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assert } from './browser_support.mjs';

const GPG = '/usr/bin/gpg';

/** A password the app's rules accept (12+ characters, not common), invented for the tests. */
export const PASSWORD = 'correct lantern staple 47';

/**
 * A new page in `context` whose console messages, page errors and daemon answers are kept:
 * `page.consoleLines` (text of every console message), `page.errors` (console errors and
 * uncaught exceptions), `page.answers` (route → last JSON body the app got from the daemon),
 * `page.sent` (route → last JSON body the app sent it).
 * @param {import('playwright-core').BrowserContext} context
 */
export async function watchedPage(context) {
  const page = await context.newPage();
  page.consoleLines = [];
  page.errors = [];
  page.answers = {};
  page.sent = {};
  page.on('console', (msg) => {
    page.consoleLines.push(msg.text());
    // Not the app's errors: the browser's own ask for /favicon.ico (the site has none), and
    // what code the test evaluated says (no URL: axe-core's own styles, which the CSP refuses).
    const from = msg.location() ? msg.location().url : '';
    if (msg.type() === 'error' && from && !/\/favicon\.ico$/.test(from)) {
      page.errors.push(`${msg.text()} [at ${from.replace(/#.*$/, '')}]`);
    }
  });
  page.on('pageerror', (err) => page.errors.push(String(err)));
  const route = (u) => {
    const m = /\/portal-mailbox\/v1\/([a-z-]+)(?:\/[^?]*)?$/.exec(new URL(u).pathname);
    return m ? m[1] : null;
  };
  page.on('request', (req) => {
    const r = route(req.url());
    if (!r || !req.postData()) return;
    try {
      page.sent[r] = JSON.parse(req.postData());
    } catch {
      // Not JSON: nothing to keep.
    }
  });
  page.on('response', async (res) => {
    const r = route(res.url());
    if (!r) return;
    try {
      page.answers[r] = await res.json();
    } catch {
      // Not JSON (or the body is gone): nothing to keep.
    }
  });
  return page;
}

/** Waits until the screen's one h1 reads `text` (and returns its locator). */
export async function heading(page, text, timeout = 60000) {
  const h1 = page.locator('#view h1');
  await h1.filter({ hasText: text }).first().waitFor({ timeout });
  return h1;
}

/** Waits for `test()` (in node) to hold; fails with `what` after `timeoutMs`. */
export async function until(test, what, timeoutMs = 30000) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * The details step of Register, filled and sent: code (already filled when it came in the
 * letter's link), date of birth, Logon ID, password twice, "Create account"; resolves once
 * My summary is on screen.
 * @param {import('playwright-core').Page} page
 * @param {{code?: string, birthDate: string, logonId: string, password?: string,
 *          mailed?: boolean}} d
 */
export async function fillDetails(page, d) {
  const password = d.password || PASSWORD;
  if (d.code !== undefined) {
    await page.getByLabel(d.mailed ? 'Code from the e-mail' : 'Activation code').fill(d.code);
  }
  await page.getByLabel('Date of birth').fill(d.birthDate);
  await page.getByLabel('Logon ID').fill(d.logonId);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await heading(page, 'My summary', 120000);
}

/**
 * Registers `patient` with a fresh activation code through the letter's link (the code in the
 * fragment); resolves with the fingerprint of the key the browser made.
 * @param {import('playwright-core').Page} page
 * @param {object} stack a portal_stack.mjs Stack
 * @param {{mrn: string, birthDate: string}} patient
 * @param {string} logonId
 */
export async function registerWithLetter(page, stack, patient, logonId) {
  const code = await stack.activationCode(patient.mrn);
  await page.goto(stack.registerUrl(code));
  await heading(page, 'Register');
  await page.getByLabel('Activation code').waitFor();
  await fillDetails(page, { birthDate: patient.birthDate, logonId });
  await until(() => page.answers.activations, 'the activation\'s answer');
  return fingerprintOf(page);
}

/** Goes to Messages and back, so My summary fetches its pages (and GET me) again. */
export async function reopenSummary(page) {
  await page.getByRole('link', { name: 'Messages' }).click();
  await heading(page, 'Write to a provider');
  await page.getByRole('link', { name: 'My summary' }).click();
  await heading(page, 'My summary');
}

/** The account's fingerprint as GET me last told the app. */
export async function fingerprintOf(page) {
  await until(() => page.answers.me && page.answers.me.fingerprint, 'GET me');
  return page.answers.me.fingerprint.toUpperCase();
}

/**
 * Signs in on the sign-in page; resolves once My summary is on screen.
 * @param {import('playwright-core').Page} page
 * @param {object} stack
 * @param {string} logonId
 * @param {string} [password]
 */
export async function signIn(page, stack, logonId, password = PASSWORD) {
  await page.goto(stack.signInUrl);
  await heading(page, 'Sign in');
  await page.getByLabel('Logon ID').fill(logonId);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await heading(page, 'My summary', 120000);
}

/** The record of GET me's last answer with `role` ('self' | 'proxy'). */
export function meRecord(page, role) {
  const me = page.answers.me;
  assert(me && Array.isArray(me.records), 'no GET me answer with records');
  const r = me.records.find((x) => x.role === role);
  assert(r, `GET me names no ${role} record`);
  return r;
}

/** Where the nightly run puts a token's pages on disk (output/patients/<token>/). */
export function pagesDir(stack, token) {
  assert(/^[0-9a-f]{32}$/.test(token), 'a token that is not 32 hex digits');
  return path.join(stack.root, 'output', 'patients', token);
}

// Runs gpg; rejects with its stderr (gpg names keys and files, never a record's value).
function gpg(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(GPG, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`gpg ${args.filter((a) => a.startsWith('--')).slice(-1)} exited ` +
        `${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    // A gpg that needs no input may exit before we finish writing: that EPIPE is not an error
    // (its exit code, read on close, says how it went).
    child.stdin.on('error', () => {});
    child.stdin.end(input === undefined ? '' : input);
  });
}

const BATCH = ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', ''];

/** The GnuPG home that holds the portal's signing key (state_dir/gnupg/portal). */
export function portalHome(stack) {
  return path.join(stack.root, 'var', 'gnupg', 'portal');
}

/** The fingerprint of the only secret key in `home`. */
export async function secretFingerprint(home) {
  const colons = (await gpg(['--homedir', home, '--with-colons', '--list-secret-keys']))
    .toString('utf8').split('\n');
  const fprs = colons.filter((l, i) => l.startsWith('fpr:') && colons[i - 1].startsWith('sec:'))
    .map((l) => l.split(':')[9]);
  assert(fprs.length === 1, `${fprs.length} secret keys in a home that should hold one`);
  return fprs[0];
}

/**
 * A new GnuPG home (0700) with its own ed25519 signing key: a signer that is not the portal.
 * @returns {Promise<{home: string, fingerprint: string}>}
 */
export async function otherSigner(dir) {
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'gpg.conf'), 'no-random-seed-file\n');
  await gpg(['--homedir', dir, ...BATCH, '--quick-gen-key', 'Not the portal <x@test.invalid>',
    'ed25519', 'sign', 'never']);
  return { home: dir, fingerprint: await secretFingerprint(dir) };
}

/**
 * `html` signed by the key in `signerHome` and encrypted to the public key in `recipientFile`
 * (binary OpenPGP, as the nightly run writes summary.html.pgp).
 * @param {{html: string, signerHome: string, recipientFile: string}} o
 * @returns {Promise<Buffer>}
 */
export async function seal({ html, signerHome, recipientFile }) {
  const signer = await secretFingerprint(signerHome);
  return gpg(['--homedir', signerHome, ...BATCH, '--trust-model', 'always', '--local-user',
    signer, '--recipient-file', recipientFile, '--sign', '--encrypt', '--output', '-'],
  Buffer.from(html, 'utf8'));
}

/** The pinned public key file of an account's key (state_dir/keys/<FINGERPRINT>.asc). */
export function pinnedKeyFile(stack, fingerprint) {
  const file = path.join(stack.root, 'var', 'keys', `${fingerprint}.asc`);
  assert(fs.existsSync(file), 'the account\'s key is not pinned in the state\'s keys/');
  return file;
}

/**
 * Writes another extract file (NDJSON, one resource a line) for the next nightly run.
 * @param {object} stack
 * @param {string} name e.g. 'extra-1.ndjson' (read in name order, after patients.ndjson)
 * @param {object[]} resources
 */
export function addExtract(stack, name, resources) {
  const file = path.join(stack.root, 'var', 'extracts', name);
  fs.writeFileSync(file, `${resources.map((r) => JSON.stringify(r)).join('\n')}\n`);
}

/** Fails when the page scrolls sideways. */
export async function noSideways(page, label) {
  const [scroll, client] = await page.evaluate(() =>
    [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert(scroll <= client, `${label}: scrollWidth ${scroll} > clientWidth ${client}`);
}

/** The frame element of the summary ("Health summary") once it is on screen. */
export async function summaryFrame(page, timeout = 60000) {
  const frame = page.locator('iframe[title="Health summary"]');
  await frame.waitFor({ timeout });
  return frame;
}

/** The text of the document in a same-origin frame (allow-same-origin), read from the parent. */
export function frameText(frameLocator) {
  return frameLocator.evaluate((f) => new Promise((resolve) => {
    const read = () => resolve(f.contentDocument && f.contentDocument.body
      ? f.contentDocument.body.innerText : '');
    if (f.contentDocument && f.contentDocument.readyState === 'complete' &&
        f.contentDocument.body) read();
    else f.addEventListener('load', read, { once: true });
  }));
}
