// The patient app's defences in Chromium, on the whole real stack (portal_stack.mjs: the daemon
// behind deploy/nginx-site.conf, the nightly run's pages): a summary signed by the portal key
// that carries a <script>, an <img onerror> and inline handlers is shown in the sandboxed frame
// and runs nothing; a summary signed by another key is refused and not shown; scripts injected
// into the app page (a <script> element, innerHTML, an inline handler, eval, a second Trusted
// Types policy) are refused by the CSP and Trusted Types; the headers and the meta CSP are the
// design's, the style hash derived here from summary.mustache; the page cannot be framed.
//
// node app_security_test.mjs --bin BUILD_DIR
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, check, finish, launchChromium, parseArgs } from './browser_support.mjs';
import { PATIENTS, startStack } from './portal_stack.mjs';
import {
  frameText, meRecord, otherSigner, pagesDir, pinnedKeyFile, portalHome,
  registerWithLetter, reopenSummary, seal, summaryFrame, until, watchedPage,
} from './app_test_support.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Invented words (no record has them): the fixtures' own text, found in the frame.
const HOSTILE_TEXT = 'Quillonbury fixture finding';
const OTHER_TEXT = 'Forged Ashcombe page';

// Every way a page can try to run something: a script element, an image's onerror, the body's
// onload, a click handler (the test clicks it), a javascript: link. Each would set a flag in
// its own window, in the parent (the app) and an attribute on its own root.
const HOSTILE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Health summary</title></head>
<body onload="window.__ran_onload = 1; parent.__ran_onload = 1;">
<h1>Health summary</h1>
<p id="finding">${HOSTILE_TEXT}</p>
<script>window.__ran_script = 1; parent.__ran_script = 1;
document.documentElement.setAttribute('data-ran', 'script');</script>
<img id="broken" src="x-no-such-image.png" alt=""
  onerror="window.__ran_onerror = 1; parent.__ran_onerror = 1;">
<p><button id="press" type="button" onclick="window.__ran_click = 1; parent.__ran_click = 1;">
Press</button> <a id="jslink" href="javascript:parent.__ran_link = 1">Link</a></p>
</body></html>
`;
const FLAGS = ['__ran_script', '__ran_onerror', '__ran_onload', '__ran_click', '__ran_link'];

const OTHER_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Health summary</title></head><body><h1>Health summary</h1><p>${OTHER_TEXT}</p></body>
</html>
`;

// Messages Chromium writes to the console when a sandbox or a CSP / Trusted Types refuses.
const SANDBOX_BLOCK =
  /Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/;
const CSP_BLOCK = /violates the following Content Security Policy directive/i;
const TT_BLOCK = /requires 'Trusted(Script|HTML)' assignment|Trusted Type/;

// A CSP text as {directive: 'sources in order'}; a directive named twice fails.
function parseCsp(text) {
  const out = {};
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [name, ...sources] = part.split(/\s+/);
    assert(!(name in out), `directive ${name} twice`);
    out[name] = sources.join(' ');
  }
  return out;
}

function sameCsp(got, want, label) {
  const g = parseCsp(got);
  const names = [...new Set([...Object.keys(g), ...Object.keys(want)])].sort();
  const wrong = names.filter((n) => g[n] !== want[n])
    .map((n) => `${n}: got ${g[n] === undefined ? '(none)' : `"${g[n]}"`}, want ` +
      `${want[n] === undefined ? '(none)' : `"${want[n]}"`}`);
  assert(wrong.length === 0, `${label}:\n    ${wrong.join('\n    ')}`);
}

// The hash the design pins: SHA-256 over the text of summary.mustache's first <style> element.
function summaryStyleHash() {
  const text = fs.readFileSync(path.join(REPO, 'site_templates', 'summary.mustache'), 'utf8');
  const m = /<style>([\s\S]*?)<\/style>/.exec(text);
  assert(m, 'no <style> in summary.mustache');
  return `'sha256-${crypto.createHash('sha256').update(m[1], 'utf8').digest('base64')}'`;
}

const APP_POLICY = {
  'default-src': "'none'",
  'script-src': "'self' 'wasm-unsafe-eval'",
  'img-src': "'self'",
  'connect-src': "'self'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'require-trusted-types-for': "'script'",
  'trusted-types': 'portal-summary',
};

async function flagsSet(page, frame) {
  const inParent = await page.evaluate((names) => names.filter((n) => n in window), FLAGS);
  const inFrame = frame ? await frame.evaluate((f, names) => {
    const w = f.contentWindow;
    const d = f.contentDocument;
    const set = names.filter((n) => w && n in w);
    if (d && d.documentElement.hasAttribute('data-ran')) set.push('data-ran');
    return set;
  }, FLAGS) : [];
  return [...inParent.map((n) => `parent ${n}`), ...inFrame.map((n) => `frame ${n}`)];
}

async function main() {
  const opt = parseArgs(['bin']);
  const stack = await startStack({ bin: opt.bin });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await watchedPage(context);
    const patient = PATIENTS.desk;
    let fingerprint = '';
    let token = '';

    await check('the patient registers and, after the nightly run, reads the real summary',
      async () => {
        fingerprint = await registerWithLetter(page, stack, patient, 'secpatient01');
        await stack.nightly();
        await reopenSummary(page);
        const frame = await summaryFrame(page);
        assert((await frameText(frame)).includes(patient.condition),
          'the nightly run\'s summary does not show the record\'s condition');
        token = meRecord(page, 'self').token;
      });

    await check('a portal-signed summary with <script>, onerror and inline handlers is shown ' +
      'in the sandboxed frame and runs nothing', async () => {
      assert(token, 'no token (the first check failed)');
      const sealed = await seal({ html: HOSTILE_HTML, signerHome: portalHome(stack),
        recipientFile: pinnedKeyFile(stack, fingerprint) });
      fs.writeFileSync(path.join(pagesDir(stack, token), 'summary.html.pgp'), sealed);
      const before = page.consoleLines.length;
      await reopenSummary(page);
      const frame = await summaryFrame(page);
      assert((await frameText(frame)).includes(HOSTILE_TEXT), 'the fixture is not in the frame');
      const sandbox = (await frame.getAttribute('sandbox') || '').split(/\s+/).filter(Boolean);
      assert(sandbox.includes('allow-same-origin'), `sandbox "${sandbox.join(' ')}"`);
      for (const t of ['allow-scripts', 'allow-top-navigation', 'allow-popups', 'allow-forms']) {
        assert(!sandbox.includes(t), `the frame's sandbox allows ${t.slice(6)}`);
      }
      // The handlers' own triggers: the image has failed to load, the button and the link are
      // pressed (from the parent: the frame runs no script of ours either).
      await until(() => frame.evaluate((f) => {
        const img = f.contentDocument.getElementById('broken');
        return img && img.complete;
      }), 'the fixture\'s broken image to fail');
      await frame.evaluate((f) => {
        f.contentDocument.getElementById('press').click();
        f.contentDocument.getElementById('jslink').click();
      });
      await until(() => page.consoleLines.slice(before).some((l) => SANDBOX_BLOCK.test(l) ||
        CSP_BLOCK.test(l)), 'the console to show the sandbox / CSP block', 15000);
      // Give a handler that might still run the same chance a user would: a round trip.
      await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
      const ran = await flagsSet(page, frame);
      assert(ran.length === 0, `ran: ${ran.join(', ')}`);
      const blocks = page.consoleLines.slice(before)
        .filter((l) => SANDBOX_BLOCK.test(l) || CSP_BLOCK.test(l));
      console.log(`# ${blocks.length} console lines of blocked script in the frame`);
      assert(await page.locator('#view [role="alert"]').count() === 0, 'an alert beside it');
    });

    await check('a summary signed by another key is not shown: the could-not-verify alert',
      async () => {
        assert(token, 'no token (the first check failed)');
        const other = await otherSigner(path.join(stack.root, 'other-signer-gnupg'));
        const sealed = await seal({ html: OTHER_HTML, signerHome: other.home,
          recipientFile: pinnedKeyFile(stack, fingerprint) });
        fs.writeFileSync(path.join(pagesDir(stack, token), 'summary.html.pgp'), sealed);
        await reopenSummary(page);
        const alertBox = page.locator('#view [role="alert"]');
        await alertBox.waitFor({ timeout: 60000 });
        const text = await alertBox.innerText();
        assert(text.includes('We could not verify this summary, so it is not shown.'),
          'the alert is not the could-not-verify sentence');
        assert(await page.locator('iframe').count() === 0, 'a frame is shown');
        assert(!(await page.locator('#view').innerText()).includes(OTHER_TEXT),
          'the forged page\'s text is on screen');
        assert(await page.getByRole('button', { name: 'Download' }).count() === 0,
          'Download offered for a page not shown');
      });

    await check('the app page refuses injected script: a <script> element, innerHTML, an ' +
      'inline handler, eval, another Trusted Types policy', async () => {
      // A script element whose text is a text node (no sink assignment): Trusted Types and
      // the CSP refuse to run it when it is inserted, and say so in the console.
      const before = page.consoleLines.length;
      await page.evaluate(() => {
        const s = document.createElement('script');
        s.append(document.createTextNode('window.__injected_node = 1;'));
        document.head.append(s);
      });
      await until(() => page.consoleLines.slice(before).some((l) =>
        /TrustedScript|inline script/.test(l)), 'the refusal of the inserted script', 15000);
      const got = await page.evaluate(() => {
        const out = {};
        const attempt = (name, fn) => {
          try {
            fn();
            out[name] = 'no error';
          } catch (err) {
            out[name] = `${err.name}: ${err.message}`;
          }
        };
        // The text set through a sink: Trusted Types throws (and for an on* attribute).
        attempt('text', () => {
          const s = document.createElement('script');
          s.textContent = 'window.__injected_text = 1;';
          document.head.append(s);
        });
        attempt('html', () => {
          const div = document.createElement('div');
          div.innerHTML = '<img src="x-none.png" onerror="window.__injected_html = 1">';
          document.body.append(div);
        });
        attempt('handler', () => {
          const b = document.createElement('button');
          b.setAttribute('onclick', 'window.__injected_handler = 1');
          document.body.append(b);
          b.click();
          b.remove();
        });
        attempt('policy', () => window.trustedTypes.createPolicy('mine', { createHTML: (s) => s }));
        attempt('again', () => window.trustedTypes.createPolicy('portal-summary',
          { createHTML: (s) => s }));
        return out;
      });
      // eval and new Function, as the page's own code would meet them: playwright's evaluate
      // is exempt from the CSP's eval rule (DevTools' default), this evaluation is not.
      const cdp = await context.newCDPSession(page);
      for (const [name, code] of [['eval', 'window.eval("window.__injected_eval = 1")'],
        ['function', 'new Function("window.__injected_function = 1")()']]) {
        const r = await cdp.send('Runtime.evaluate', { returnByValue: true,
          allowUnsafeEvalBlockedByCSP: false,
          expression: `(() => { try { ${code}; return 'no error'; } ` +
            'catch (e) { return `${e.name}: ${e.message}`; } })()' });
        got[name] = r.result.value;
      }
      await cdp.detach();
      await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
      console.log(`# refusals: ${Object.entries(got).map(([k, v]) => `${k}: ${v.split(':')[0]}`)
        .join(', ')}`);
      const ran = await page.evaluate(() => ['node', 'text', 'html', 'handler', 'eval', 'function']
        .filter((n) => `__injected_${n}` in window));
      assert(ran.length === 0, `injected script ran: ${ran.join(', ')}`);
      for (const name of ['text', 'html', 'handler', 'eval', 'function', 'policy', 'again']) {
        assert(/TypeError|EvalError/.test(got[name]), `${name}: not refused (${got[name]})`);
      }
      // Script text, HTML and an on* attribute are Trusted Types sinks: each throws.
      for (const name of ['text', 'html', 'handler']) {
        assert(TT_BLOCK.test(got[name]), `${name}: not a Trusted Types refusal (${got[name]})`);
      }
      const lines = page.consoleLines.slice(before);
      assert(lines.some((l) => TT_BLOCK.test(l) || CSP_BLOCK.test(l)),
        'no CSP / Trusted Types violation in the console');
    });

    await check('the app pages through nginx: the CSP header (frame-ancestors \'none\') and the ' +
      'meta CSP (Trusted Types, the summary style\'s hash)', async () => {
      const wantMeta = { ...APP_POLICY, 'style-src': `'self' ${summaryStyleHash()}` };
      const wantHeader = { ...APP_POLICY, 'style-src': "'self' 'unsafe-inline'",
        'frame-ancestors': "'none'" };
      for (const [label, address] of [['sign in', stack.signInUrl],
        ['register', stack.registerUrl()], ['recover', stack.recoverUrl]]) {
        const res = await fetch(address);
        assert(res.status === 200, `${label}: HTTP ${res.status}`);
        assert(res.url.endsWith('/'), `${label}: not the folder's page (${res.url})`);
        sameCsp(res.headers.get('content-security-policy') || '', wantHeader, `${label} header`);
        const html = await res.text();
        const metas = [...html.matchAll(
          /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)];
        assert(metas.length === 1, `${label}: ${metas.length} meta CSPs`);
        const meta = metas[0][1].replaceAll('&#39;', "'").replaceAll('&apos;', "'");
        sameCsp(meta, wantMeta, `${label} meta`);
      }
    });

    await check('another site cannot frame the app (frame-ancestors \'none\')', async () => {
      const framer = await watchedPage(context);
      await framer.setContent(`<iframe title="x" src="${stack.signInUrl}"></iframe>`);
      await until(() => framer.consoleLines.some((l) => /frame-ancestors/.test(l)),
        'the frame-ancestors refusal', 15000);
      const inside = await framer.frames()[1]?.evaluate(() => document.title).catch(() => '');
      assert(!inside || !/Sign in/.test(inside), 'the sign-in page loaded in a frame');
      await framer.close();
    });

    await check('no uncaught error in the app page', async () => {
      const uncaught = page.errors.filter((e) => !SANDBOX_BLOCK.test(e) && !CSP_BLOCK.test(e) &&
        !TT_BLOCK.test(e) && !/404 \(Not Found\)/.test(e));
      assert(uncaught.length === 0, uncaught.join('\n'));
    });
    await context.close();
  } finally {
    await browser.close();
    await stack.stop();
  }
  finish();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
