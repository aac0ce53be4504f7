// The patient app's form checks (site_templates/app/validate.js) against the real daemon. Each
// row below is a profile change or a message written out with what the daemon must say to it:
// accepted, or refused naming one field (its path, as a 422's `field` gives it). Every row is
// checked twice: by validate.js in Node, and posted, signed by an enrolled patient's key, to a
// real portal-mailboxd started as the C++ tests start it (portal-staff init, a staff key, a
// record ingested and enrolled). Both must agree with the row.
//
// node app_validate_test.mjs --bin DIR --config TOML --work DIR
//   (DIR holds portal-gen, portal-staff and portal-mailboxd)
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, check, finish, parseArgs } from './browser_support.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MRN = 'M100001';  // An invented patient (below); the config's MRN pattern.
const GPG = '/usr/bin/gpg';

// ---- The table -------------------------------------------------------------------------------

const x = (n) => 'x'.repeat(n);
const ADDRESS = { lines: ['12 Quillfeather Lane'], city: 'Norwich', state: 'CT',
  postal_code: '06360' };
const PHONE = { use: 'home', number: '860-555-0100' };
const addr = (edit) => ({ ...ADDRESS, ...edit });
const phone = (number, use = 'mobile') => [{ use, number }];
const email = (local, domain) => `${local}@${domain}`;

// [what, changes, field the daemon names (null: accepted)]
const PROFILE_ROWS = [
  // changes as a whole; the daemon meets the fields in sorted order.
  ['nothing to change', {}, 'changes'],
  ['a field the config does not list', { name: 'Quill' }, 'changes'],
  ['a listed field after an unlisted one (sorted: "aaa" first)',
    { aaa: 'x', email: 'not-an-address' }, 'changes'],
  ['a bad field before an unlisted one (sorted: "address" first)',
    { address: 'nowhere', zzz: 'x' }, 'changes.address'],
  ['two bad fields: "email" sorts before "race"', { race: '', email: 'nope' }, 'changes.email'],
  ['all eight at once', {
    marital_status: 'M', race: 'Asian', religion: 'Quaker', address: ADDRESS,
    phone_numbers: [PHONE], email: 'q@example.org',
    next_of_kin: { name: 'Bo Quillfeather', phones: [PHONE] },
    person_to_notify: { name: 'Cy Quillfeather', address: ADDRESS } }, null],

  // marital_status: the twelve codes exactly.
  ...['A', 'D', 'I', 'L', 'M', 'C', 'P', 'T', 'U', 'S', 'W', 'UNK'].map((code) =>
    [`marital status ${code}`, { marital_status: code }, null]),
  ['marital status in lower case', { marital_status: 'm' }, 'changes.marital_status'],
  ['marital status in words', { marital_status: 'Married' }, 'changes.marital_status'],
  ['marital status empty', { marital_status: '' }, 'changes.marital_status'],
  ['marital status null', { marital_status: null }, 'changes.marital_status'],
  ['marital status NASK (not in the value set)', { marital_status: 'NASK' },
    'changes.marital_status'],

  // race and religion: 1 to 100 characters (code points), no C0, DEL or C1 control, no bidi
  // override or isolate, not blank.
  ['race', { race: 'Asian' }, null],
  ['race of 100 characters', { race: x(100) }, null],
  ['race of 101 characters', { race: x(101) }, 'changes.race'],
  ['race of 100 accented letters (200 bytes)', { race: 'é'.repeat(100) }, null],
  ['race of 100 emoji (400 bytes, 200 UTF-16 units)', { race: '😀'.repeat(100) }, null],
  ['race of 101 emoji', { race: '😀'.repeat(101) }, 'changes.race'],
  ['race empty', { race: '' }, 'changes.race'],
  ['race of spaces only', { race: '   ' }, 'changes.race'],
  ['race with spaces around', { race: ' Asian ' }, null],
  ['race with a tab', { race: 'Asian\tWhite' }, 'changes.race'],
  ['race with a line break', { race: 'Asian\nWhite' }, 'changes.race'],
  ['race with DEL', { race: 'Asian\u007f' }, 'changes.race'],
  ['race with NEL (U+0085, C1)', { race: 'Asian\u0085' }, 'changes.race'],
  ['race with ESC and a CSI sequence', { race: 'Asian\u001b[2J' }, 'changes.race'],
  ['race with C1 CSI (U+009B)', { race: 'Asian\u009b2J' }, 'changes.race'],
  ['race with NUL', { race: 'Asi\u0000an' }, 'changes.race'],
  ['race with a right-to-left override', { race: 'Asian\u202e' }, 'changes.race'],
  ['race with a first-strong isolate', { race: '\u2068Asian\u2069' }, 'changes.race'],
  ['race with a right-to-left mark (U+200F: text)', { race: 'Asian\u200f' }, null],
  ['race with U+00A0 (after C1: text)', { race: 'Asian\u00a0x' }, null],
  ['race with a no-break space only (not a space to the daemon)', { race: '\u00a0' }, null],
  ['race as a number', { race: 42 }, 'changes.race'],
  ['race with a lone surrogate (not UTF-8: the body is refused)', { race: 'a\ud800b' }, ''],
  ['religion', { religion: 'Quaker' }, null],
  ['religion of 101 characters', { religion: x(101) }, 'changes.religion'],
  ['religion with a tab', { religion: 'a\tb' }, 'changes.religion'],

  // address
  ['address', { address: ADDRESS }, null],
  ['address with a country', { address: addr({ country: 'United States' }) }, null],
  ['address of three lines', { address: addr({ lines: ['1', '2', '3'] }) }, null],
  ['address of four lines', { address: addr({ lines: ['1', '2', '3', '4'] }) },
    'changes.address.lines'],
  ['address without lines', { address: addr({ lines: [] }) }, 'changes.address.lines'],
  ['address lines missing', { address: { city: 'Norwich', state: 'CT', postal_code: '06360' } },
    'changes.address.lines'],
  ['address lines as text', { address: addr({ lines: '12 Quillfeather Lane' }) },
    'changes.address.lines'],
  ['address with an empty first line', { address: addr({ lines: ['', 'Apt 2'] }) },
    'changes.address.lines[0]'],
  ['address with a blank second line', { address: addr({ lines: ['12 Elm St', '  '] }) },
    'changes.address.lines[1]'],
  ['address line of 100 characters', { address: addr({ lines: [x(100)] }) }, null],
  ['address line of 101 characters', { address: addr({ lines: [x(101)] }) },
    'changes.address.lines[0]'],
  ['address lines bad and city missing: lines first',
    { address: { lines: [], state: 'CT', postal_code: '06360' } }, 'changes.address.lines'],
  ['address without city', { address: { lines: ['1 Elm St'], state: 'CT', postal_code: '06360' } },
    'changes.address.city'],
  ['city of 60 characters', { address: addr({ city: x(60) }) }, null],
  ['city of 61 characters', { address: addr({ city: x(61) }) }, 'changes.address.city'],
  ['state of 40 characters', { address: addr({ state: x(40) }) }, null],
  ['state of 41 characters', { address: addr({ state: x(41) }) }, 'changes.address.state'],
  ['state empty', { address: addr({ state: '' }) }, 'changes.address.state'],
  ['ZIP+4', { address: addr({ postal_code: '06360-1234' }) }, null],
  ['Canadian postal code', { address: addr({ postal_code: 'K1A 0B6' }) }, null],
  ['UK postcode', { address: addr({ postal_code: 'SW1A 1AA' }) }, null],
  ['postal code of 3', { address: addr({ postal_code: '123' }) }, null],
  ['postal code of 10', { address: addr({ postal_code: '1234567890' }) }, null],
  ['postal code of 2', { address: addr({ postal_code: '12' }) }, 'changes.address.postal_code'],
  ['postal code of 11', { address: addr({ postal_code: '12345678901' }) },
    'changes.address.postal_code'],
  ['postal code starting with a hyphen', { address: addr({ postal_code: '-0636' }) },
    'changes.address.postal_code'],
  ['postal code ending with a space', { address: addr({ postal_code: '06360 ' }) },
    'changes.address.postal_code'],
  ['postal code with a letter o', { address: addr({ postal_code: '0636O' }) }, null],
  ['postal code with an accented letter', { address: addr({ postal_code: '06é60' }) },
    'changes.address.postal_code'],
  ['postal code as a number', { address: addr({ postal_code: 6360 }) },
    'changes.address.postal_code'],
  ['postal code missing', { address: { lines: ['1 Elm St'], city: 'Norwich', state: 'CT' } },
    'changes.address.postal_code'],
  ['country of 2', { address: addr({ country: 'US' }) }, null],
  ['country of 1', { address: addr({ country: 'U' }) }, 'changes.address.country'],
  ['country of 60', { address: addr({ country: x(60) }) }, null],
  ['country of 61', { address: addr({ country: x(61) }) }, 'changes.address.country'],
  ['country null', { address: addr({ country: null }) }, 'changes.address.country'],
  ['address with an unknown part', { address: addr({ zip: '06360' }) }, 'changes.address'],
  ['address as text', { address: '12 Quillfeather Lane, Norwich' }, 'changes.address'],
  ['address as a list', { address: [ADDRESS] }, 'changes.address'],

  // phone_numbers: 1 to 5 of {use, number}.
  ['one phone', { phone_numbers: [PHONE] }, null],
  ['five phones', { phone_numbers: [PHONE, PHONE, PHONE, PHONE, PHONE] }, null],
  ['six phones', { phone_numbers: [PHONE, PHONE, PHONE, PHONE, PHONE, PHONE] },
    'changes.phone_numbers'],
  ['no phones', { phone_numbers: [] }, 'changes.phone_numbers'],
  ['phones as one object', { phone_numbers: PHONE }, 'changes.phone_numbers'],
  ...['home', 'mobile', 'work', 'other'].map((use) =>
    [`phone use ${use}`, { phone_numbers: phone('8605550100', use) }, null]),
  ['phone use cell', { phone_numbers: phone('8605550100', 'cell') },
    'changes.phone_numbers[0].use'],
  ['phone use Home (capital)', { phone_numbers: phone('8605550100', 'Home') },
    'changes.phone_numbers[0].use'],
  ['phone use missing', { phone_numbers: [{ number: '8605550100' }] },
    'changes.phone_numbers[0].use'],
  ['phone use bad and number bad: use first', { phone_numbers: phone('12', 'cell') },
    'changes.phone_numbers[0].use'],
  ['phone number missing', { phone_numbers: [{ use: 'home' }] },
    'changes.phone_numbers[0].number'],
  ['phone with brackets, spaces and +1', { phone_numbers: phone('+1 (860) 555-0100') }, null],
  ['phone with dots', { phone_numbers: phone('860.555.0199') }, null],
  ['phone of 7 digits', { phone_numbers: phone('555 0100') }, null],
  ['phone of 6 digits', { phone_numbers: phone('555 010') }, 'changes.phone_numbers[0].number'],
  ['phone of 15 digits', { phone_numbers: phone('123456789012345') }, null],
  ['phone of 16 digits', { phone_numbers: phone('1234567890123456') },
    'changes.phone_numbers[0].number'],
  ['phone of 25 characters', { phone_numbers: phone('1 2 3 4 5 6 7 8 9 0 1 2 3') }, null],
  ['phone of 26 characters', { phone_numbers: phone('1 2 3 4 5 6 7 8 9 0 1 2 3 ') },
    'changes.phone_numbers[0].number'],
  ['phone with + inside', { phone_numbers: phone('860+5550100') },
    'changes.phone_numbers[0].number'],
  ['phone with two +', { phone_numbers: phone('++18605550100') },
    'changes.phone_numbers[0].number'],
  ['phone with letters', { phone_numbers: phone('860-555-CALL') },
    'changes.phone_numbers[0].number'],
  ['phone with a slash', { phone_numbers: phone('860/555-0100') },
    'changes.phone_numbers[0].number'],
  ['phone with a tab', { phone_numbers: phone('860\t5550100') },
    'changes.phone_numbers[0].number'],
  ['phone of Arabic-Indic digits', { phone_numbers: phone('٨٦٠٥٥٥٠١٠٠') },
    'changes.phone_numbers[0].number'],
  ['phone as a number', { phone_numbers: [{ use: 'home', number: 8605550100 }] },
    'changes.phone_numbers[0].number'],
  ['second phone bad', { phone_numbers: [PHONE, { use: 'work', number: '12' }] },
    'changes.phone_numbers[1].number'],
  ['phone with an extension part', { phone_numbers: [{ ...PHONE, ext: '12' }] },
    'changes.phone_numbers[0]'],

  // email
  ['e-mail', { email: 'quill@example.org' }, null],
  ['shortest e-mail', { email: 'a@b.c' }, null],
  ['e-mail of 2 characters', { email: 'ab' }, 'changes.email'],
  ['e-mail without a dot after @', { email: 'a@b' }, 'changes.email'],
  ['e-mail without @', { email: 'quill.example.org' }, 'changes.email'],
  ['e-mail starting with @', { email: '@example.org' }, 'changes.email'],
  ['e-mail with a dot right after @', { email: 'a@.example' }, 'changes.email'],
  ['e-mail ending with a dot', { email: 'a@example.org.' }, 'changes.email'],
  ['e-mail with two @', { email: 'a@b@example.org' }, 'changes.email'],
  ['e-mail with a space', { email: 'quill feather@example.org' }, 'changes.email'],
  ['e-mail with a space at the end', { email: 'quill@example.org ' }, 'changes.email'],
  ['e-mail with a tab', { email: 'quill\t@example.org' }, 'changes.email'],
  ['e-mail with two dots in the domain (the daemon allows it)', { email: 'a@b..org' }, null],
  ['e-mail with accented letters', { email: 'zoë@exämple.de' }, null],
  ['e-mail of 254 characters', { email: email(x(242), 'example.org') }, null],
  ['e-mail of 255 characters', { email: email(x(243), 'example.org') }, 'changes.email'],
  ['e-mail as a list', { email: ['a@b.c'] }, 'changes.email'],

  // next_of_kin and person_to_notify: a name and an address, phones or both.
  ['next of kin with phones', { next_of_kin: { name: 'Bo Quill', phones: [PHONE] } }, null],
  ['next of kin with an address', { next_of_kin: { name: 'Bo Quill', address: ADDRESS } }, null],
  ['next of kin with both',
    { next_of_kin: { name: 'Bo Quill', address: ADDRESS, phones: [PHONE] } }, null],
  ['next of kin with a name only', { next_of_kin: { name: 'Bo Quill' } }, 'changes.next_of_kin'],
  ['next of kin without a name', { next_of_kin: { phones: [PHONE] } },
    'changes.next_of_kin.name'],
  ['next of kin with an empty name', { next_of_kin: { name: '', phones: [PHONE] } },
    'changes.next_of_kin.name'],
  ['next of kin with a name of 100', { next_of_kin: { name: x(100), phones: [PHONE] } }, null],
  ['next of kin with a name of 101', { next_of_kin: { name: x(101), phones: [PHONE] } },
    'changes.next_of_kin.name'],
  ['next of kin with a name and nothing else, name empty', { next_of_kin: { name: '' } },
    'changes.next_of_kin.name'],
  ['next of kin whose address has no city',
    { next_of_kin: { name: 'Bo',
      address: { lines: ['1 Elm'], state: 'CT', postal_code: '06360' } } },
    'changes.next_of_kin.address.city'],
  ['next of kin whose address is bad and phones bad: address first',
    { next_of_kin: { name: 'Bo', address: addr({ postal_code: '1' }), phones: [] } },
    'changes.next_of_kin.address.postal_code'],
  ['next of kin with a bad phone',
    { next_of_kin: { name: 'Bo', phones: phone('12') } }, 'changes.next_of_kin.phones[0].number'],
  ['next of kin with no phones', { next_of_kin: { name: 'Bo', phones: [] } },
    'changes.next_of_kin.phones'],
  ['next of kin with a relationship part',
    { next_of_kin: { name: 'Bo', phones: [PHONE], relationship: 'brother' } },
    'changes.next_of_kin'],
  ['next of kin as text', { next_of_kin: 'Bo Quill' }, 'changes.next_of_kin'],
  ['person to notify with phones',
    { person_to_notify: { name: 'Cy Quill',
      phones: [PHONE, { use: 'work', number: '8605550142' }] } },
    null],
  ['person to notify with a tab in the name',
    { person_to_notify: { name: 'Cy\tQuill', phones: [PHONE] } }, 'changes.person_to_notify.name'],
  ['person to notify with a bad second phone use',
    { person_to_notify: { name: 'Cy', phones: [PHONE, { use: 'pager', number: '8605550142' }] } },
    'changes.person_to_notify.phones[1].use'],
];

// [what, subject, body, field the daemon names (null: accepted)]
const MESSAGE_ROWS = [
  ['a short message', 'Refill', 'Please call me.', null],
  ['a subject of 200 characters', x(200), 'b', null],
  ['a subject of 201 characters', x(201), 'b', 'subject'],
  ['a subject of 200 emoji (800 bytes)', '😀'.repeat(200), 'b', null],
  ['a subject of 201 emoji', '😀'.repeat(201), 'b', 'subject'],
  ['an empty subject', '', 'b', 'subject'],
  ['a body of 10000 characters', 's', x(10000), null],
  ['a body of 10001 characters', 's', x(10001), 'body'],
  ['a body of 10000 accented letters (20000 bytes)', 's', 'é'.repeat(10000), null],
  ['a body of 10001 accented letters', 's', 'é'.repeat(10001), 'body'],
  ['an empty body', 's', '', 'body'],
  ['a body with line breaks and tabs', 's', 'Line one\n\tLine two\n', null],
  ['a body with a carriage return', 's', 'Line one\r\nLine two', 'body'],
  ['a body with ESC (cursor up, erase line)', 's', 'MRN: M100001\u001b[1A\u001b[2K', 'body'],
  ['a body with OSC 52', 's', '\u001b]52;c;eA==\u0007Hi', 'body'],
  ['a body with NUL', 's', 'Hi\u0000there', 'body'],
  ['a body with C1 NEL (U+0085)', 's', 'Hi\u0085there', 'body'],
  ['a body with a right-to-left override (kept: several lines)', 's', 'Hi \u202eereht', null],
  ['a subject with a tab', 'Re\tfill', 'b', 'subject'],
  ['a subject with a line break', 'Refill\nMRN: M100001', 'b', 'subject'],
  ['a subject with C1 CSI (U+009B)', 'Refill\u009b2J', 'b', 'subject'],
  ['a subject with BEL', 'Refill\u0007', 'b', 'subject'],
  ['a subject with a right-to-left override', 'Refill \u202e1000001M', 'b', 'subject'],
];

// ---- The portal the daemon serves ------------------------------------------------------------

function run(file, args, options = {}) {
  const r = spawnSync(file, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) {
    throw new Error(`${path.basename(file)} ${args[0]} failed (${r.status}): ${r.stderr}`);
  }
  return r.stdout;
}

function gpgHome(work, name) {
  const home = path.join(work, name);
  fs.mkdirSync(home, { mode: 0o700 });
  fs.writeFileSync(path.join(home, 'gpg.conf'), 'no-random-seed-file\n');
  return home;
}

// A v4 ed25519 + cv25519 key, as a patient's app makes one; returns its fingerprint.
function newKey(home, uid) {
  const base = ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', ''];
  run(GPG, [...base, '--quick-gen-key', uid, 'ed25519', 'sign', 'never']);
  const colons = run(GPG, ['--homedir', home, '--with-colons', '--list-keys', uid]);
  const fpr = colons.split('\n').find((l) => l.startsWith('fpr:')).split(':')[9];
  run(GPG, [...base, '--quick-add-key', fpr, 'cv25519', 'encr', 'never']);
  return fpr;
}

function exportKey(home, fpr, file) {
  run(GPG, ['--homedir', home, '--batch', '--armor', '--output', file, '--export', fpr]);
  return file;
}

// An invented adult patient, as the EHR's extract writes one.
function patientLine() {
  return JSON.stringify({
    resourceType: 'Patient', id: 'pat-quill', birthDate: '1971-03-03',
    name: [{ given: ['Quentin'], family: 'Quillfeather' }],
    identifier: [{
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
      system: 'http://backushospital.org/mrn', value: MRN }] });
}

// content/ copied into `work` (its relative paths then land there), the daemon's buckets wide
// enough for the table.
function writeConfig(sourceConfig, work) {
  const content = path.join(work, 'content');
  fs.cpSync(path.dirname(sourceConfig), content, { recursive: true });
  const config = path.join(content, 'portal.toml');
  let text = fs.readFileSync(config, 'utf8');
  for (const [key, value] of [['per_address_per_minute', 1000000], ['per_address_burst', 1000000],
    ['per_key_per_minute', 1000000], ['per_key_burst', 1000000]]) {
    const line = new RegExp(`^${key} = [0-9]+`, 'm');
    assert(line.test(text), `${key} not in the config`);
    text = text.replace(line, `${key} = ${value}`);  // The first: [mailbox]'s.
  }
  fs.writeFileSync(config, text);
  fs.mkdirSync(path.join(work, 'var', 'extracts'), { recursive: true });
  return config;
}

function startDaemon(bin, config, log) {
  const child = spawn(path.join(bin, 'portal-mailboxd'),
    ['--config', config, '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', fs.openSync(log, 'a')] });
  return new Promise((resolve, reject) => {
    let line = '';
    const timer = setTimeout(() => reject(new Error('portal-mailboxd: no readiness line')), 20000);
    child.stdout.on('data', (chunk) => {
      line += chunk.toString('utf8');
      const m = line.match(/^portal-mailboxd: listening on 127\.0\.0\.1:([0-9]+)\n/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code) => reject(new Error(`portal-mailboxd exited (${code})`)));
  });
}

async function portal(opt, work) {
  const config = writeConfig(opt.config, work);
  const staff = (...args) => run(path.join(opt.bin, 'portal-staff'), [...args, '--config', config]);
  const patientHome = gpgHome(work, 'gnupg-patient');
  const staffHome = gpgHome(work, 'gnupg-staff');
  const patient = newKey(patientHome, 'Test patient <patient@test.invalid>');
  const staffFpr = newKey(staffHome, 'Test staff <staff@test.invalid>');
  staff('init');
  fs.writeFileSync(path.join(work, 'var', 'extracts', 'patients.ndjson'), `${patientLine()}\n`);
  run(path.join(opt.bin, 'portal-gen'), ['ingest', path.join(work, 'var', 'extracts'),
    '--config', config]);
  staff('enroll', '--mrn', MRN, '--key', exportKey(patientHome, patient, path.join(work, 'p.asc')));
  staff('staff', 'add', '--key', exportKey(staffHome, staffFpr, path.join(work, 's.asc')),
    '--user', 'rjones');
  const daemon = await startDaemon(opt.bin, config, path.join(work, 'mailboxd.log'));
  return { ...daemon, patientHome, patient, homes: [patientHome, staffHome] };
}

// ---- Asking both -----------------------------------------------------------------------------

function sign(p, bytes) {
  const r = spawnSync(GPG, ['--homedir', p.patientHome, '--batch', '--local-user',
    `${p.patient}!`, '--detach-sign', '--output', '-'], { input: bytes });
  if (r.status !== 0) throw new Error(`gpg --detach-sign failed: ${r.stderr}`);
  return r.stdout.toString('base64');
}

function nowInstant() {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

// POSTs the body signed; {status, field} ("" when the daemon names no field).
function post(p, route, body) {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const headers = { 'Content-Type': 'application/json', 'Content-Length': bytes.length,
    'Portal-Signature': sign(p, bytes) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: p.port, method: 'POST',
      path: `/v1/${route}`, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json = {};
        try { json = JSON.parse(text); } catch { /* not JSON: status alone */ }
        resolve({ status: res.statusCode, field: json.field || '' });
      });
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

function nonce() {
  return crypto.randomBytes(16).toString('base64url');
}

// "accepted" or "refused at <field>", said the same way for both.
function verdict(accepted, field) {
  return accepted ? 'accepted' : `refused at "${field}"`;
}

async function main() {
  const opt = parseArgs(['bin', 'config', 'work']);
  const work = path.resolve(opt.work);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  // validate.js is an ES module in a folder without package.json: load it as .mjs.
  const copy = path.join(work, 'validate.mjs');
  fs.copyFileSync(path.join(HERE, '..', '..', 'site_templates', 'app', 'validate.js'), copy);
  const validate = await import(copy);
  const allowed = validate.PROFILE_FIELD_IDS;
  const p = await portal(opt, work);
  try {
    for (const [what, changes, field] of PROFILE_ROWS) {
      await check(`profile change: ${what}`, async () => {
        const want = verdict(field === null, field);
        const problems = validate.checkChanges(changes, allowed);
        const browser = verdict(problems.length === 0, problems[0] && problems[0].field);
        assert(browser === want, `validate.js: ${browser}, the table: ${want}`);
        const r = await post(p, 'profile-changes',
          { version: 1, mrn: MRN, changes, nonce: nonce(), timestamp: nowInstant() });
        assert(r.status === 202 || r.status === 422 || r.status === 400,
          `daemon answered ${r.status}`);
        const daemon = verdict(r.status === 202, r.field);
        assert(daemon === want, `daemon: ${daemon} (${r.status}), the table: ${want}`);
      });
    }
    for (const [what, subject, body, field] of MESSAGE_ROWS) {
      await check(`message: ${what}`, async () => {
        const want = verdict(field === null, field);
        const problems = validate.checkMessage({ subject, body });
        const browser = verdict(problems.length === 0, problems[0] && problems[0].field);
        assert(browser === want, `validate.js: ${browser}, the table: ${want}`);
        const r = await post(p, 'messages', { version: 1, mrn: MRN, to: 'conncare', subject,
          body, nonce: nonce(), timestamp: nowInstant() });
        const daemon = verdict(r.status === 202, r.field);
        assert(daemon === want, `daemon: ${daemon} (${r.status}), the table: ${want}`);
      });
    }
    await check('the config lists exactly the fields validate.js can check', async () => {
      const ids = [...fs.readFileSync(opt.config, 'utf8').matchAll(
        /\[\[profile\.fields\]\]\s*\nid = "([a-z_]+)"/g)].map((m) => m[1]);
      assert(JSON.stringify(ids.slice().sort()) === JSON.stringify(allowed.slice().sort()),
        `config: ${ids.join(', ')}`);
    });
  } finally {
    p.child.kill('SIGTERM');
    for (const home of p.homes) {
      spawnSync('/usr/bin/gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
    }
  }
  finish();
}

main().catch((err) => {
  console.log(`not ok - setup\n  ${String(err && err.stack || err)}`);
  process.exit(1);
});
