// The patient app's benchmark (issue 14; docs/benchmarks.md "Issue 14: the patient app in the
// browser"). Not a test: it prints figures and asserts nothing about them.
//
// One run of Debian's Chromium (playwright-core from tests/browser/node_modules) against the
// whole real stack (tests/browser/portal_stack.mjs: nightly's site and app, portal-mailboxd,
// nginx with deploy/nginx-site.conf, aiosmtpd) with the production Argon2id settings (t=3,
// m=64 MiB, p=4). A synthetic patient (bench/synth_fhir.py) whose summary is about 60 KB of
// HTML registers through the app with a staff activation code; the nightly run publishes the
// summary. Then, with the DevTools protocol's Emulation.setCPUThrottlingRate at 1× and at 4×,
// RUNS times each (the two rates alternate, their order swapped every round):
//   keygen    the app's crypto/keys.js generateAccountKey(), as registration calls it, timed
//             with performance.now() around the call in the page;
//   sign-in   click "Sign in" → the signed-in "My summary" screen (h1 and nav), and → the
//             summary's frame showing (the app goes there after signing in); and crypto/kdf.js
//             deriveAccountKeys() alone, timed in the page;
//   summary   with the key unlocked (signed in, on Messages): click "My summary" → the frame
//             showing the verified page, sized to it (and when the frame was inserted, which
//             splits it into GET me + fetch + decrypt + verify, then parse + layout); and
//             decryptVerified() alone on the same bytes, timed in the page;
//   message   the filled form: click "Send message" → "Sent. Your receipt number is …".
// Screen times are taken in the page: the click event's timeStamp to the first animation frame
// in which the result is on screen (a requestAnimationFrame loop checks the DOM), both on the
// page's performance.now() clock. Then the bytes: a fresh browser context loads the sign-in
// page, signs in and shows the summary (first load), and a new page in the same context does it
// again (return visit), each response's encodedDataLength and Content-Encoding recorded.
//
// usage: node bench/app_bench.mjs --bin BUILD_DIR [--runs N (7)] [--json FILE] [--keep]
//   BUILD_DIR holds bin/portal-gen, portal-staff, portal-mailboxd, portal-gpg-worker.
// Needs site_templates/vendor/node_modules (npm ci; ./dev does it) and tests/browser's.
import fs from 'node:fs';
import os from 'node:os';
import { launchChromium } from '../tests/browser/browser_support.mjs';
import { startStack } from '../tests/browser/portal_stack.mjs';
import { NetworkLog } from './app_bench_bytes.mjs';
import { addLargePatient } from './app_bench_patient.mjs';

const RATES = [1, 4];
const TIMEOUT_MS = 180000;
// A phone's width: the 4× runs stand for a phone-class CPU, and the summary is laid out as a
// phone would lay it out.
const VIEWPORT = { width: 360, height: 740 };
// Invented; the Logon ID and password never leave this process's memory and the page.
const LOGON_ID = 'benchpatient';
const PASSWORD = 'amber lantern over quiet fields';
const SUBJECT = 'Question about my refill';
const BODY = 'Hello, I would like to ask whether my prescription can be refilled before my ' +
  'next visit. I have enough tablets for about ten more days. '.repeat(4);

function parseArgs() {
  const argv = process.argv.slice(2);
  const out = { runs: 7, keep: false, json: null, bin: null };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--keep') out.keep = true;
    else if (argv[i] === '--bin') out.bin = argv[++i];
    else if (argv[i] === '--runs') out.runs = Number(argv[++i]);
    else if (argv[i] === '--json') out.json = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!out.bin || !Number.isInteger(out.runs) || out.runs < 1) {
    throw new Error('usage: node bench/app_bench.mjs --bin BUILD_DIR [--runs N] [--json FILE] ' +
      '[--keep]');
  }
  return out;
}

const log = (text) => console.error(`app_bench: ${text}`);

// ---- in-page timing ----------------------------------------------------------------------

// Arms the watcher: the next click's event.timeStamp is t0; every animation frame after it,
// each named condition is checked, and the first frame in which it holds is its time. The
// conditions are written here (evaluated through the DevTools protocol, which the page's CSP
// and Trusted Types do not govern).
async function arm(page, marks) {
  await page.evaluate((names) => {
    const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : '');
    const heading = (want) => [...document.querySelectorAll('#view h1')]
      .some((el) => text(el) === want && el.getClientRects().length > 0);
    const frameShown = () => {
      const frame = document.querySelector('#view iframe[title="Health summary"]');
      if (!frame || frame.getClientRects().length === 0) return false;
      const doc = frame.contentDocument;
      if (!doc || doc.readyState !== 'complete' || !doc.body) return false;
      if (doc.body.textContent.trim().length < 1000) return false;
      // Sized to its content: the frame's height follows the page inside it (not 150 px).
      const height = frame.getBoundingClientRect().height;
      return height > 300 && height >= doc.documentElement.scrollHeight - 4;
    };
    const conditions = {
      'signed-in': () => heading('My summary') &&
        Boolean(document.querySelector('nav[aria-label="Portal"]')),
      summary: frameShown,
      frame: () => Boolean(document.querySelector('#view iframe[title="Health summary"]')),
      messages: () => heading('Write to a provider'),
      receipt: () => text(document.querySelector('#view')).includes('Sent. Your receipt number is'),
    };
    const state = { t0: null, marks: {} };
    window.__benchState = state;
    document.addEventListener('click', (e) => {
      if (state.t0 === null) state.t0 = e.timeStamp;
    }, { capture: true, once: true });
    window.__benchDone = new Promise((resolve) => {
      const tick = () => {
        if (state.t0 !== null) {
          const now = performance.now();
          for (const name of names) {
            if (!(name in state.marks) && conditions[name]()) state.marks[name] = now - state.t0;
          }
        }
        if (names.every((n) => n in state.marks)) resolve(state.marks);
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
  }, marks);
}

// Resolves the marks (ms from the click); rejects after TIMEOUT_MS with what the screen said.
async function marksAfter(page, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result in ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS);
  });
  try {
    return await Promise.race([page.evaluate(() => window.__benchDone), timeout]);
  } catch (err) {
    const alertText = await page.locator('[role="alert"]').allTextContents().catch(() => []);
    throw new Error(`${err.message}${alertText.length ? ` (the page said: ${alertText.join(' ')})`
      : ''}`);
  } finally {
    clearTimeout(timer);
  }
}

async function setRate(cdp, rate) {
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

// The app's folder (assets/app-<hash>/) from the page's module script.
function appBase(page) {
  return page.evaluate(() => {
    const src = document.querySelector('script[type="module"]').src;
    return src.slice(0, src.lastIndexOf('/') + 1);
  });
}

async function openSignIn(page, url) {
  await page.goto(url);
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  // main.js loads OpenPGP.js ahead at boot; the patient types meanwhile.
  await page.waitForLoadState('networkidle');
}

// ---- the measurements --------------------------------------------------------------------

async function keygen(page, base) {
  return page.evaluate(async (b) => {
    const keys = await import(`${b}crypto/keys.js`);
    await keys.openpgp();
    const t0 = performance.now();
    const key = await keys.generateAccountKey();
    const ms = performance.now() - t0;
    keys.forgetKey(key.privateKey);
    return ms;
  }, base);
}

// The sign-in's Argon2id alone: crypto/kdf.js deriveAccountKeys() with the production settings
// (a fresh WebAssembly instance, as each sign-in makes one), timed in the page.
async function argon2(page, base) {
  return page.evaluate(async (b) => {
    const kdf = await import(`${b}crypto/kdf.js`);
    const settings = kdf.newKdfSettings({ t: 3, m: 65536, p: 4 });
    const t0 = performance.now();
    await kdf.deriveAccountKeys('a password for timing only', settings);
    return performance.now() - t0;
  }, base);
}

async function signIn(page) {
  await page.getByLabel('Logon ID').fill(LOGON_ID);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await arm(page, ['signed-in', 'summary']);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return marksAfter(page, 'sign-in');
}

async function summaryFromUnlockedKey(page) {
  const nav = page.getByRole('navigation', { name: 'Portal' });
  await nav.getByRole('link', { name: 'Messages' }).click();
  await page.getByRole('heading', { name: 'Write to a provider', level: 1 }).waitFor();
  await arm(page, ['frame', 'summary']);
  await nav.getByRole('link', { name: 'My summary' }).click();
  return marksAfter(page, 'summary');
}

// decryptVerified() alone, on the bytes the app fetches, with the key the session holds.
async function decryptAlone(page, base) {
  return page.evaluate(async (b) => {
    const keys = await import(`${b}crypto/keys.js`);
    const { session, currentRecord } = await import(`${b}session.js`);
    const api = await import(`${b}api.js`);
    const sealed = await api.fetchSealed(currentRecord().summary_path);
    const t0 = performance.now();
    const page = await keys.decryptVerified(sealed.bytes, session.privateKey);
    const ms = performance.now() - t0;
    return { ms, sealedBytes: sealed.bytes.length,
      htmlBytes: new TextEncoder().encode(page.text).length };
  }, base);
}

async function sendMessage(page) {
  const nav = page.getByRole('navigation', { name: 'Portal' });
  await nav.getByRole('link', { name: 'Messages' }).click();
  await page.getByRole('heading', { name: 'Write to a provider', level: 1 }).waitFor();
  const provider = page.getByLabel('Provider');
  const values = await provider.locator('option').evaluateAll((opts) =>
    opts.map((o) => o.value).filter(Boolean));
  await provider.selectOption(values[0]);
  await page.getByLabel('Subject').fill(SUBJECT);
  await page.getByLabel('Message').fill(BODY);
  await arm(page, ['receipt']);
  await page.getByRole('button', { name: 'Send message' }).click();
  const { receipt } = await marksAfter(page, 'message');
  return receipt;
}

async function signOut(page) {
  await page.getByRole('navigation', { name: 'Portal' })
    .getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
}

// Registration through the app with the staff's code (the letter's address), at 1×, once.
async function register(page, stack, code, birthDate) {
  await page.goto(stack.registerUrl(code));
  await page.getByLabel('Activation code').waitFor();
  await page.waitForLoadState('networkidle');
  await page.getByLabel('Date of birth').fill(birthDate);
  await page.getByLabel('Logon ID').fill(LOGON_ID);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await arm(page, ['signed-in']);
  await page.getByRole('button', { name: 'Create account' }).click();
  return (await marksAfter(page, 'registration'))['signed-in'];
}

// ---- the bytes ---------------------------------------------------------------------------

async function bytesOfVisit(context, stack) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const net = new NetworkLog(cdp);
  await openSignIn(page, stack.signInUrl);
  await net.idle();
  const signInPage = await net.summary();
  net.reset();
  await signIn(page);
  await net.idle();
  const toSummary = await net.summary();
  await page.close();
  return { signInPage, toSummary };
}

// ---- report ------------------------------------------------------------------------------

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs: values };
}

const ms = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const kb = (v) => (v / 1000).toFixed(1);

function timingTable(results) {
  const rows = [
    ['key generation (generateAccountKey)', 'keygen'],
    ['sign-in: click → "My summary" screen', 'signedIn'],
    ['  of which Argon2id alone (deriveAccountKeys)', 'argon2'],
    ['sign-in: click → summary frame shown', 'signInSummary'],
    ['summary, key unlocked: click → frame shown', 'summary'],
    ['  click → frame inserted (GET me, fetch, decrypt, verify)', 'frameIn'],
    ['  frame inserted → shown (parse, layout, sized)', 'layout'],
    ['  decryptVerified() alone', 'decrypt'],
    ['message: click "Send message" → receipt', 'message'],
  ];
  const lines = ['| step | 1× median ms (min–max) | 4× median ms (min–max) | 4× / 1× |',
    '|---|---|---|---|'];
  for (const [label, key] of rows) {
    const cells = RATES.map((rate) => {
      const s = stats(results[rate][key]);
      return `**${ms(s.median)}** (${ms(s.min)}–${ms(s.max)})`;
    });
    const ratio = stats(results[4][key]).median / stats(results[1][key]).median;
    lines.push(`| ${label} | ${cells.join(' | ')} | ${ratio.toFixed(2)} |`);
  }
  return lines.join('\n');
}

function bytesTable(title, tally) {
  const lines = [`${title}`, '',
    '| what | responses (from cache) | transferred KB | body KB | as sent | ' +
      'not compressed: KB → gzip -6 / -1 |',
    '|---|---|---|---|---|---|'];
  for (const g of [...tally.groups, tally.total]) {
    const gz = g.uncompressed ? `${kb(g.uncompressed)} → ${kb(g.gzip6)} / ${kb(g.gzip1)}` : '';
    lines.push(`| ${g.group} | ${g.count} (${g.cached}) | ${kb(g.transferred)} | ${kb(g.body)} | ` +
      `${(g.encodings || []).join(', ')} | ${gz} |`);
  }
  return lines.join('\n');
}

// ---- main --------------------------------------------------------------------------------

async function main() {
  const opt = parseArgs();
  const started = new Date();
  log('starting the stack (production Argon2id settings)');
  const stack = await startStack({ bin: opt.bin, productionKdf: true, keep: opt.keep });
  let browser = null;
  try {
    const patient = await addLargePatient(stack);
    log(`patient chosen: summary ${patient.htmlBytes} bytes of HTML (candidates: ` +
      `${patient.sizes.join(', ')})`);
    const code = await stack.activationCode(patient.mrn);

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    log('registering through the app (1×)');
    const registration = await register(page, stack, code, patient.birthDate);
    await signOut(page);
    await stack.nightly();  // Publishes the new account's summary.

    const results = {};
    for (const rate of RATES) {
      results[rate] = { keygen: [], argon2: [], signedIn: [], signInSummary: [], summary: [],
        decrypt: [], frameIn: [], layout: [], message: [] };
    }
    let sizes = null;
    const loads = [];
    for (let round = 0; round < opt.runs; round += 1) {
      const order = round % 2 === 0 ? RATES : [...RATES].reverse();
      for (const rate of order) {
        const r = results[rate];
        await openSignIn(page, stack.signInUrl);
        await setRate(cdp, rate);
        const base = await appBase(page);
        r.keygen.push(await keygen(page, base));
        r.argon2.push(await argon2(page, base));
        const signed = await signIn(page);
        r.signedIn.push(signed['signed-in']);
        r.signInSummary.push(signed.summary);
        const shown = await summaryFromUnlockedKey(page);
        r.summary.push(shown.summary);
        r.frameIn.push(shown.frame);
        r.layout.push(shown.summary - shown.frame);
        const alone = await decryptAlone(page, base);
        r.decrypt.push(alone.ms);
        sizes = { sealed: alone.sealedBytes, html: alone.htmlBytes };
        r.message.push(await sendMessage(page));
        await signOut(page);
        await setRate(cdp, 1);
        loads.push(os.loadavg()[0]);
        log(`round ${round + 1}/${opt.runs} at ${rate}×: sign-in ${ms(signed['signed-in'])} ms, ` +
          `summary ${ms(r.summary.at(-1))} ms`);
      }
    }
    await context.close();

    log('bytes: first load and return visit');
    const fresh = await browser.newContext({ viewport: VIEWPORT });
    const first = await bytesOfVisit(fresh, stack);
    const again = await bytesOfVisit(fresh, stack);
    await fresh.close();

    const version = browser.version();
    const report = [
      `Issue 14 app benchmark, ${started.toISOString().slice(0, 16)}Z, Chromium ${version}, ` +
        `${os.cpus().length} × ${os.cpus()[0].model}, load average during the runs ` +
        `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}, ${opt.runs} runs ` +
        'per rate',
      `Summary: ${sizes.html} bytes of HTML, ${sizes.sealed} bytes sealed ` +
        `(summary.html.pgp); registration at 1× (once): ${ms(registration)} ms`,
      '',
      timingTable(results),
      '',
      bytesTable('First load (fresh context): the sign-in page until the network is idle',
        first.signInPage),
      '',
      bytesTable('First load, continued: sign in → the summary shown', first.toSummary),
      '',
      bytesTable('Return visit (same context, new page): the sign-in page', again.signInPage),
      '',
      bytesTable('Return visit, continued: sign in → the summary shown', again.toSummary),
    ].join('\n');
    console.log(report);
    if (opt.json) {
      fs.writeFileSync(opt.json, JSON.stringify({ started, chromium: version, runs: opt.runs,
        loads, sizes, registration, patientCandidates: patient.sizes, results,
        bytes: { first, again } }, null, 2));
    }
  } finally {
    if (browser) await browser.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(`app_bench: ${String(err && err.stack || err)}`);
  process.exit(1);
});
