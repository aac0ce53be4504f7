// The patient app's password derivation (site_templates/app/crypto/kdf.js) in Chromium, against
// known answers worked out apart from it: Debian's python3-argon2 (libargon2, what the C++ test
// client links) for Argon2id and RFC 5869 HKDF-SHA256 written out with Python's hmac, checked
// once against `openssl kdf HKDF`. The values below were printed by that script, not by the app:
//
//   import argon2.low_level as ll, hmac, hashlib, base64, unicodedata
//   def hkdf(ikm, info):
//       prk = hmac.new(b'\0' * 32, ikm, hashlib.sha256).digest()
//       return hmac.new(prk, info + b'\x01', hashlib.sha256).digest()
//   pw = unicodedata.normalize('NFC', password).encode()
//   master = ll.hash_secret_raw(pw, salt, t, m, p, 32, ll.Type.ID)
//   auth = hkdf(master, b'portal auth key v1'); passphrase = b64(hkdf(master, b'portal key ...'))
//
// The app's files and the argon2id package are served from a temp folder by a small static
// server; a second run refuses dist/simd.wasm so the no-SIMD fallback must give the same bytes.
//
// node app_kdf_test.mjs --app site_templates/app --vendor site_templates/vendor/node_modules
//                       --work DIR
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { assert, check, finish, launchChromium, parseArgs } from './browser_support.mjs';

const CASES = [
  {
    name: 'ASCII password, t=1 m=19456 p=1',
    password: 'correct horse battery staple',
    salt: 'AAECAwQFBgcICQoLDA0ODw==',
    t: 1, m: 19456, p: 1,
    auth: '87eabcccc95ea70b0b2d874dd4356d92c9d44ecd4ebeaa368094bbb9d2feb314',
    passphrase: 'Z4wgtqmD3/Doi9ZKHlhoDj0DUU/91SMpW3vGKFkW5tM=',
  },
  {
    // Typed decomposed (NFD): the app must normalize to NFC as the C++ client expects.
    name: 'non-ASCII password typed as NFD, t=2 m=19456 p=2',
    password: 'Zu\u0308rich pa\u0308sswo\u0308rd e\u0301te\u0301',
    salt: 'ZGVmZ2hpamtsbW5vcHFycw==',
    t: 2, m: 19456, p: 2,
    auth: 'f4df12708e5d4810d91fd2acbc744cb64a93efd1016f7a0e6d9eed3903012e29',
    passphrase: 'v+59UnS/dFjCPOF31JIZrx0O3sEr2Deoi4T+YuI6jUw=',
  },
  {
    name: 'production settings t=3 m=65536 p=4',
    password: 'production settings, twelve+',
    salt: 'paWlpaWlpaWlpaWlpaWlpQ==',
    t: 3, m: 65536, p: 4,
    auth: '4e87aa085b154785d25ed7cfe467aa07a016698440e395d02f6acc7bae7e36de',
    passphrase: 'a6znBkHSse4pzsb9pjiSZ1NT/RP44qWj0AgFMKcSTr0=',
  },
];

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript',
  '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst);
    else fs.copyFileSync(src, dst);
  }
}

// The page a site build would make, reduced to what kdf.js reads: #portal-app's config.
function page(root) {
  const config = {
    start: 'sign-in', hospital: { name: 'Test Hospital' },
    help_line: { name: 'help line', display: '555 0100', tel: '+15550100' },
    pages: { home: '/', faq: '/faq/', sign_in: '/', register: '/register/', recover: '/recover/' },
    mailbox: '/portal-mailbox/v1/', mrn: { pattern: '^M[0-9]{6}$' }, providers: [],
    profile_fields: [], limits: { subject_chars: 200, body_chars: 10000 },
    kdf: { t: 1, m: 19456, p: 1 }, idle_minutes: 15,
    signing_key: { url: '/key.asc', fingerprint: '0'.repeat(40) },
    vendor: { openpgp: '/openpgp/openpgp.min.mjs', argon2id: '/argon2id/' },
  };
  const attr = JSON.stringify(config).replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  fs.writeFileSync(path.join(root, 'index.html'),
    `<!doctype html><html lang="en"><title>kdf</title><div id="portal-app" data-config="${attr}">` +
    '</div></html>');
}

function serve(root, refuse, asked) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    asked.push(rel);
    const file = path.resolve(root, `.${rel.endsWith('/') ? `${rel}index.html` : rel}`);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || refuse.has(rel)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function derive(page, c) {
  return page.evaluate(async (k) => {
    const kdf = await import('/app/crypto/kdf.js');
    const salt = kdf.fromBase64(k.salt);
    const out = await kdf.deriveAccountKeys(k.password, { t: k.t, m: k.m, p: k.p, salt });
    const hex = [...out.authKey].map((b) => b.toString(16).padStart(2, '0')).join('');
    return { auth: hex, passphrase: out.keyPassphrase };
  }, c);
}

async function main() {
  const opt = parseArgs(['app', 'vendor', 'work']);
  const argon2 = path.join(opt.vendor, 'argon2id');
  if (!fs.existsSync(path.join(argon2, 'lib', 'setup.js'))) {
    throw new Error(`${argon2} is missing: run "npm ci" in site_templates/vendor (./dev does)`);
  }
  const root = path.resolve(opt.work, 'site');
  fs.rmSync(root, { recursive: true, force: true });
  copyTree(opt.app, path.join(root, 'app'));
  copyTree(path.join(argon2, 'lib'), path.join(root, 'argon2id', 'lib'));
  copyTree(path.join(argon2, 'dist'), path.join(root, 'argon2id', 'dist'));
  page(root);

  const refuse = new Set();
  const asked = [];
  const server = await serve(root, refuse, asked);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  try {
    for (const simd of [true, false]) {
      const label = simd ? 'SIMD' : 'no-SIMD fallback';
      if (!simd) refuse.add('/argon2id/dist/simd.wasm');
      asked.length = 0;
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.goto(`${origin}/`);
      for (const c of CASES) {
        await check(`${label}: ${c.name} gives the known auth key and key passphrase`, async () => {
          const got = await derive(tab, c);
          assert(got.auth === c.auth, `auth key ${got.auth}, expected ${c.auth}`);
          assert(got.passphrase === c.passphrase,
            `key passphrase ${got.passphrase}, expected ${c.passphrase}`);
        });
      }
      await check(`${label}: that build was the one loaded`, async () => {
        const wanted = `/argon2id/dist/${simd ? 'simd' : 'no-simd'}.wasm`;
        assert(asked.includes(wanted), `${wanted} never fetched`);
        if (simd) assert(!asked.includes('/argon2id/dist/no-simd.wasm'), 'no-simd.wasm fetched');
      });
      await context.close();
    }

    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(`${origin}/`);
    await check('a password under 8 bytes is refused before Argon2id runs', async () => {
      const refused = await tab.evaluate(async () => {
        const kdf = await import('/app/crypto/kdf.js');
        try {
          await kdf.deriveAccountKeys('short', { t: 1, m: 19456, p: 1, salt: new Uint8Array(16) });
          return false;
        } catch {
          return true;
        }
      });
      assert(refused, 'a 5-byte password was derived');
    });
    await check('new settings take the config\'s t, m, p and a fresh 16-byte salt', async () => {
      const s = await tab.evaluate(async () => {
        const kdf = await import('/app/crypto/kdf.js');
        const a = kdf.newKdfSettings();
        const b = kdf.newKdfSettings();
        return { a: kdf.kdfToWire(a), b: kdf.kdfToWire(b), len: a.salt.length };
      });
      assert(s.len === 16, `salt of ${s.len} bytes`);
      assert(s.a.salt !== s.b.salt, 'two new salts are the same');
      assert(JSON.stringify(Object.keys(s.a)) === '["alg","t","m","p","salt"]',
        `wire fields ${Object.keys(s.a)}`);
      assert(s.a.alg === 'argon2id' && s.a.t === 1 && s.a.m === 19456 && s.a.p === 1,
        `wire settings ${JSON.stringify(s.a)}`);
    });
    await context.close();
  } finally {
    await browser.close();
    server.close();
  }
  finish();
}

main().catch((err) => {
  console.log(`not ok - app_kdf_test setup\n  ${err.stack || err}`);
  process.exit(1);
});
