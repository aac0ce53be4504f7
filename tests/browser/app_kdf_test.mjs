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
import path from 'node:path';
import { layOut, serve, testConfig, writePage } from './app_test_page.mjs';
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
  const root = path.resolve(opt.work, 'site');
  layOut(root, opt.app, opt.vendor);
  writePage(root, 'index', testConfig());
  const refuse = new Set();
  const asked = [];
  const server = await serve(root, { refuse, asked });
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
