// The patient app's key handling (site_templates/app/crypto/keys.js) and signed calls (api.js)
// in Chromium, checked against Debian's gpg 2.2 on the other side — what the daemon, the
// nightly run and a patient restoring a backup use:
// - a key the app makes is v4 ed25519 + cv25519 with a user ID that names no one;
// - the key blob and the key backup import into gpg and open with their passphrases (and
//   with no other), and a blob gpg made (as the C++ test client does) unlocks in the app;
// - detached signatures are binary and verify in gpg over exactly the bytes posted, and the
//   signed GET texts of me and receipts are the ones the daemon rebuilds from the headers;
// - decryptVerified opens a page gpg signed with the portal key and sealed to the patient's
//   key, with the signature's time; refuses one unsigned, signed by another key or altered,
//   sealed to another key, not OpenPGP at all, or when the fetched portal key is not the pinned
//   one.
//
// node app_keys_test.mjs --app site_templates/app --vendor site_templates/vendor/node_modules
//                        --work DIR
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { layOut, serve, testConfig, writePage } from './app_test_page.mjs';
import { assert, check, finish, launchChromium, parseArgs } from './browser_support.mjs';

const GPG = '/usr/bin/gpg';
const BLOB_PASSPHRASE = 'ZmFrZSBrZXkgcGFzc3BocmFzZSBmb3IgdGVzdHMgb25seQ==';
const BACKUP_PASSPHRASE = 'my own backup passphrase, 2 words more';
const PAGE_TEXT = '<!doctype html><p>Known record text: Haemoglobin 13.2 g/dL</p>';

function home(root, name) {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'gpg-agent.conf'),
    'allow-loopback-pinentry\ndefault-cache-ttl 0\nmax-cache-ttl 0\n');
  return dir;
}

// gpg with `args` in `dir`; `input` on stdin (a passphrase with --passphrase-fd 0).
function gpg(dir, args, input = '') {
  const r = spawnSync(GPG, ['--homedir', dir, '--batch', '--yes', '--pinentry-mode', 'loopback',
    ...args], { input });
  return { status: r.status, out: r.stdout, err: r.stderr.toString('utf8') };
}

function gpgOk(dir, args, input = '') {
  const r = gpg(dir, args, input);
  if (r.status !== 0) throw new Error(`gpg ${args.join(' ')}: ${r.err}`);
  return r.out;
}

function fingerprintOf(dir, secret = false) {
  const colons = gpgOk(dir, ['--with-colons', secret ? '--list-secret-keys' : '--list-keys'])
    .toString('utf8');
  const line = colons.split('\n').find((l) => l.startsWith('fpr:'));
  return line ? line.split(':')[9] : '';
}

function stopAgent(dir) {
  spawnSync('/usr/bin/gpgconf', ['--homedir', dir, '--kill', 'all']);
}

const b64 = (buf) => Buffer.from(buf).toString('base64');

async function main() {
  const opt = parseArgs(['app', 'vendor', 'work']);
  const work = path.resolve(opt.work);
  fs.rmSync(work, { recursive: true, force: true });
  const root = path.join(work, 'site');
  layOut(root, opt.app, opt.vendor);
  const homes = [];
  const newHome = (name) => { const d = home(work, name); homes.push(d); return d; };

  // The portal's signing key and another signer, both made by gpg.
  const portal = newHome('portal');
  gpgOk(portal, ['--passphrase', '', '--quick-gen-key', 'Test Portal signing', 'ed25519', 'sign',
    'never']);
  const portalFpr = fingerprintOf(portal);
  fs.writeFileSync(path.join(root, 'key.asc'), gpgOk(portal, ['--armor', '--export', portalFpr]));
  const other = newHome('other');
  gpgOk(other, ['--passphrase', '', '--quick-gen-key', 'Someone else', 'ed25519', 'sign', 'never']);
  const otherFpr = fingerprintOf(other);
  const stranger = newHome('stranger');  // a key the pages get sealed to by mistake
  gpgOk(stranger, ['--passphrase', '', '--quick-gen-key', 'Stranger', 'ed25519', 'sign,cert',
    'never']);
  gpgOk(stranger, ['--passphrase', '', '--quick-add-key', fingerprintOf(stranger), 'cv25519',
    'encr', 'never']);
  const strangerFpr = fingerprintOf(stranger);

  // The pin compares without regard to case; the wrong pin is another real key's fingerprint.
  const pin = (fingerprint) => testConfig({ signing_key: { url: '/key.asc', fingerprint } });
  writePage(root, 'index', pin(portalFpr.toLowerCase()));
  writePage(root, 'wrongpin', pin(otherFpr));

  const captured = {};
  const routes = {
    '/portal-mailbox/v1/messages': (req, body) => {
      captured.messages = { headers: req.headers, body };
      return { status: 202, json: { receipt: '0'.repeat(32), status: 'received' } };
    },
    '/portal-mailbox/v1/me': (req) => {
      captured.me = { headers: req.headers };
      return { status: 200, json: { records: [] } };
    },
    [`/portal-mailbox/v1/receipts/${'a'.repeat(32)}`]: (req) => {
      captured.receipt = { headers: req.headers };
      return { status: 404, json: { title: 'Not Found', status: 404 } };
    },
  };
  const server = await serve(root, { routes });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`${origin}/index.html`);

  // The app's key, kept in the page between steps (window.k), its public half and blob here.
  const made = await page.evaluate(async (pass) => {
    const keys = await import('/app/crypto/keys.js');
    const k = await keys.generateAccountKey();
    window.k = k.privateKey;
    return { pub: k.publicArmored, fpr: k.fingerprint, blob: await keys.lockKey(k.privateKey, pass),
      unlocked: k.privateKey.isDecrypted() };
  }, BLOB_PASSPHRASE);
  const patient = newHome('patient');

  try {
    await check('a new key is v4 ed25519 (sign, certify) + cv25519 (encrypt), no expiry, ' +
      'user ID "Patient portal key"', async () => {
      fs.writeFileSync(path.join(work, 'pub.asc'), made.pub);
      gpgOk(patient, ['--import', path.join(work, 'pub.asc')]);
      const colons = gpgOk(patient, ['--with-colons', '--list-keys', made.fpr]).toString('utf8');
      const rows = colons.split('\n').map((l) => l.split(':'));
      const pub = rows.find((r) => r[0] === 'pub');
      const sub = rows.find((r) => r[0] === 'sub');
      const uids = rows.filter((r) => r[0] === 'uid');
      assert(pub && pub[3] === '22' && pub[16] === 'ed25519', `primary: ${pub}`);
      assert(/s/.test(pub[11]) && /c/.test(pub[11]) && pub[6] === '', `primary use/expiry: ${pub}`);
      assert(sub && sub[3] === '18' && sub[16] === 'cv25519' && /e/.test(sub[11]) && sub[6] === '',
        `subkey: ${sub}`);
      assert(uids.length === 1 && uids[0][9] === 'Patient portal key', `user IDs: ${uids}`);
      assert(rows.filter((r) => r[0] === 'sub').length === 1, 'more than one subkey');
      assert(/^[0-9A-F]{40}$/.test(made.fpr) && fingerprintOf(patient) === made.fpr,
        `fingerprint ${made.fpr}`);
      assert(made.unlocked, 'the new key is not unlocked in memory');
      const packets = gpgOk(patient, ['--list-packets', path.join(work, 'pub.asc')])
        .toString('utf8');
      assert(/version 4, algo 22/.test(packets) && !/version 6/.test(packets),
        'not a v4 key');
    });

    await check('the key blob imports into gpg 2.2 and only its passphrase opens it', async () => {
      const dir = newHome('blob');
      fs.writeFileSync(path.join(work, 'blob.asc'), made.blob);
      assert(made.blob.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----'), 'not armored');
      gpgOk(dir, ['--import', path.join(work, 'blob.asc')]);
      assert(fingerprintOf(dir, true) === made.fpr, 'the secret key is not the account key');
      const probe = path.join(work, 'probe');
      fs.writeFileSync(probe, 'probe');
      const wrong = gpg(dir, ['--passphrase-fd', '0', '--local-user', made.fpr, '--output',
        `${probe}.bad.sig`, '--detach-sign', probe], 'not the passphrase');
      assert(wrong.status !== 0, 'a wrong passphrase opened the blob');
      gpgOk(dir, ['--passphrase-fd', '0', '--local-user', made.fpr, '--output', `${probe}.sig`,
        '--detach-sign', probe], BLOB_PASSPHRASE);
      gpgOk(patient, ['--verify', `${probe}.sig`, probe]);
      const packets = gpgOk(dir, ['--list-packets', path.join(work, 'blob.asc')]).toString('utf8');
      assert(!/aead|argon2/i.test(packets), 'the blob uses AEAD or Argon2 protection');
    });

    await check('the key backup: gpg 2.2 imports it and the patient\'s passphrase opens it',
      async () => {
        const backup = await page.evaluate(async (pass) => {
          const keys = await import('/app/crypto/keys.js');
          return keys.backupArmored(window.k, pass);
        }, BACKUP_PASSPHRASE);
        const dir = newHome('backup');
        fs.writeFileSync(path.join(work, 'portal-key-backup.asc'), backup);
        gpgOk(dir, ['--import', path.join(work, 'portal-key-backup.asc')]);
        assert(fingerprintOf(dir, true) === made.fpr, 'the backup holds another key');
        // Something sealed to the patient's key opens with the backup and its passphrase only.
        const sealed = gpgOk(patient, ['--trust-model', 'always', '--recipient', made.fpr,
          '--encrypt'], 'sealed for the patient');
        fs.writeFileSync(path.join(work, 'for-patient.pgp'), sealed);
        const bad = gpg(dir, ['--passphrase-fd', '0', '--decrypt',
          path.join(work, 'for-patient.pgp')], BLOB_PASSPHRASE);
        assert(bad.status !== 0, 'the blob passphrase opened the backup');
        const opened = gpgOk(dir, ['--passphrase-fd', '0', '--decrypt',
          path.join(work, 'for-patient.pgp')], BACKUP_PASSPHRASE);
        assert(opened.toString('utf8') === 'sealed for the patient', 'backup did not decrypt');
      });

    await check('a blob gpg made (as the C++ client) unlocks in the app; a wrong passphrase ' +
      'is KeyError wrong-passphrase', async () => {
      const dir = newHome('gpgblob');
      gpgOk(dir, ['--passphrase-fd', '0', '--quick-gen-key', 'Patient Portal key', 'ed25519',
        'sign,cert', 'never'], BLOB_PASSPHRASE);
      const fpr = fingerprintOf(dir);
      gpgOk(dir, ['--passphrase-fd', '0', '--quick-add-key', fpr, 'cv25519', 'encr', 'never'],
        BLOB_PASSPHRASE);
      const blob = gpgOk(dir, ['--passphrase-fd', '0', '--armor', '--export-secret-keys', fpr],
        BLOB_PASSPHRASE).toString('utf8');
      const got = await page.evaluate(async ({ armored, pass }) => {
        const keys = await import('/app/crypto/keys.js');
        const key = await keys.unlockKey(armored, pass);
        let wrong = null;
        try {
          await keys.unlockKey(armored, 'no');
        } catch (e) {
          wrong = e.reason;
        }
        return { fpr: key.getFingerprint().toUpperCase(), decrypted: key.isDecrypted(), wrong };
      }, { armored: blob, pass: BLOB_PASSPHRASE });
      assert(got.fpr === fpr && got.decrypted, `unlocked ${got.fpr}`);
      assert(got.wrong === 'wrong-passphrase', `wrong passphrase: ${got.wrong}`);
    });

    await check('postSigned: gpg verifies the binary detached signature over exactly the ' +
      'bytes posted', async () => {
      const body = { version: 1, mrn: 'M000001', to: 'conncare', subject: 'Café ✓',
        body: 'line one\r\nline two\n  trailing  ', nonce: 'n'.repeat(22),
        timestamp: '2026-01-01T00:00:00Z' };
      const r = await page.evaluate(async (b) => {
        const api = await import('/app/api.js');
        return api.postSigned('messages', b, window.k);
      }, body);
      assert(r.status === 202 && r.ok && r.json.receipt === '0'.repeat(32), `answer ${r.status}`);
      const { headers, body: sent } = captured.messages;
      assert(/^application\/json/.test(headers['content-type']), headers['content-type']);
      assert(sent.equals(Buffer.from(JSON.stringify(body), 'utf8')), 'the bytes sent differ');
      const sig = Buffer.from(headers['portal-signature'], 'base64');
      assert(sig[0] !== 0x2d, 'the signature is armored, not binary');
      fs.writeFileSync(path.join(work, 'sent.json'), sent);
      fs.writeFileSync(path.join(work, 'sent.sig'), sig);
      const v = gpg(patient, ['--status-fd', '1', '--verify', path.join(work, 'sent.sig'),
        path.join(work, 'sent.json')]);
      const status = v.out.toString('utf8');
      assert(v.status === 0 && status.includes(`VALIDSIG ${made.fpr}`), `gpg: ${v.err}`);
      const packets = gpgOk(patient, ['--list-packets', path.join(work, 'sent.sig')])
        .toString('utf8');
      assert(/sigclass 0x00/.test(packets), 'not a binary-document signature');
      fs.writeFileSync(path.join(work, 'altered.json'), Buffer.concat([sent, Buffer.from(' ')]));
      assert(gpg(patient, ['--verify', path.join(work, 'sent.sig'),
        path.join(work, 'altered.json')]).status !== 0, 'the signature covers altered bytes');
    });

    await check('getMe and getReceipt sign the texts the daemon rebuilds from their headers',
      async () => {
        await page.evaluate(async (fpr) => {
          const api = await import('/app/api.js');
          await api.getMe(window.k, fpr);
          await api.getReceipt('a'.repeat(32), 'M000001', window.k);
        }, made.fpr);
        const me = captured.me.headers;
        const rc = captured.receipt.headers;
        for (const h of [me, rc]) {
          assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(h['portal-timestamp']),
            `timestamp ${h['portal-timestamp']}`);
          assert(/^[A-Za-z0-9_-]{16,128}$/.test(h['portal-nonce']), 'nonce form');
        }
        assert(me['portal-key'] === made.fpr && me['portal-nonce'] !== rc['portal-nonce'],
          'me headers');
        assert(rc['portal-mrn'] === 'M000001', 'receipt Portal-Mrn');
        const texts = [
          [me, `GET /v1/me\n${made.fpr}\n${me['portal-timestamp']}\n${me['portal-nonce']}\n`],
          [rc, `GET /v1/receipts/${'a'.repeat(32)}\nM000001\n${rc['portal-timestamp']}\n` +
            `${rc['portal-nonce']}\n`],
        ];
        for (const [h, text] of texts) {
          fs.writeFileSync(path.join(work, 'q.txt'), text);
          fs.writeFileSync(path.join(work, 'q.sig'), Buffer.from(h['portal-signature'], 'base64'));
          const v = gpg(patient, ['--verify', path.join(work, 'q.sig'), path.join(work, 'q.txt')]);
          assert(v.status === 0, `signed text differs: ${v.err}`);
        }
      });

    // Pages gpg made: signed by the portal key (or not), sealed to the patient's key (or not).
    gpgOk(portal, ['--import', path.join(work, 'pub.asc')]);
    gpgOk(other, ['--import', path.join(work, 'pub.asc')]);
    fs.writeFileSync(path.join(work, 'page.html'), PAGE_TEXT);
    const seal = (dir, args) => gpgOk(dir, ['--trust-model', 'always', ...args, '--output', '-',
      path.join(work, 'page.html')]);
    const before = Math.floor(Date.now() / 1000);
    const good = seal(portal, ['--local-user', portalFpr, '--recipient', made.fpr, '--sign',
      '--encrypt']);
    const after = Math.ceil(Date.now() / 1000);
    const goodArmored = seal(portal, ['--armor', '--local-user', portalFpr, '--recipient',
      made.fpr, '--sign', '--encrypt']);
    const unsigned = seal(portal, ['--recipient', made.fpr, '--encrypt']);
    const byOther = seal(other, ['--local-user', otherFpr, '--recipient', made.fpr, '--sign',
      '--encrypt']);
    gpgOk(portal, ['--import'], gpgOk(stranger, ['--armor', '--export', strangerFpr]));
    const notOurs = seal(portal, ['--local-user', portalFpr, '--recipient', strangerFpr, '--sign',
      '--encrypt']);
    // As the portal seals since issue 15: hidden recipients, every key ID 0.
    const notOursHidden = seal(portal, ['--local-user', portalFpr, '--recipient', strangerFpr,
      '--throw-keyids', '--sign', '--encrypt']);
    const goodHidden = seal(portal, ['--local-user', portalFpr, '--recipient', made.fpr,
      '--throw-keyids', '--sign', '--encrypt']);
    const altered = Buffer.from(good);
    altered[altered.length - 10] ^= 0x01;

    const open = (p, bytes) => p.evaluate(async (data) => {
      const keys = await import('/app/crypto/keys.js');
      const raw = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      try {
        const r = await keys.decryptVerified(raw, window.k);
        return { text: r.text, signedAt: r.signedAt.getTime() / 1000 };
      } catch (e) {
        return { error: e.name, reason: e.reason };
      }
    }, b64(bytes));

    await check('decryptVerified opens a page signed by the portal key and sealed to the ' +
      'account key, with the signature time', async () => {
      const r = await open(page, good);
      assert(r.text === PAGE_TEXT, `text: ${JSON.stringify(r)}`);
      assert(r.signedAt >= before && r.signedAt <= after,
        `signedAt ${r.signedAt} not within gpg's run ${before}..${after}`);
      const a = await open(page, goodArmored);
      assert(a.text === PAGE_TEXT, `armored: ${JSON.stringify(a)}`);
      const h = await open(page, goodHidden);
      assert(h.text === PAGE_TEXT, `hidden recipients: ${JSON.stringify(h)}`);
    });

    const refusals = [
      ['unsigned', unsigned, 'bad-signature'],
      ['signed by another key', byOther, 'bad-signature'],
      ['sealed to another key only', notOurs, 'not-for-key'],
      ['sealed to another key with hidden recipients', notOursHidden, 'not-for-key'],
      ['altered after sealing', altered, null],
      ['not OpenPGP at all', Buffer.from(PAGE_TEXT), 'malformed'],
    ];
    for (const [what, bytes, reason] of refusals) {
      await check(`decryptVerified refuses a page ${what}${reason ? ` (${reason})` : ''}`,
        async () => {
          const r = await open(page, bytes);
          assert(r.error === 'KeyError' && r.text === undefined, `opened: ${JSON.stringify(r)}`);
          if (reason) assert(r.reason === reason, `reason ${r.reason}, expected ${reason}`);
          else assert(['bad-signature', 'malformed'].includes(r.reason), `reason ${r.reason}`);
        });
    }

    await check('a portal key whose fingerprint is not the pinned one refuses even a good page',
      async () => {
        const tab = await context.newPage();
        await tab.goto(`${origin}/wrongpin.html`);
        await tab.evaluate(async (blob) => {
          const keys = await import('/app/crypto/keys.js');
          window.k = await keys.unlockKey(blob.armored, blob.pass);
        }, { armored: made.blob, pass: BLOB_PASSPHRASE });
        const r = await open(tab, good);
        assert(r.error === 'KeyError' && r.reason === 'bad-signature', JSON.stringify(r));
        await tab.close();
      });

    await check('no uncaught error in the page', async () => {
      assert(errors.length === 0, errors.join('\n'));
    });
  } finally {
    await browser.close();
    server.close();
    for (const d of homes) stopAgent(d);
  }
  finish();
}

main().catch((err) => {
  console.log(`not ok - app_keys_test setup\n  ${err.stack || err}`);
  process.exit(1);
});
