// What the mailbox daemon accepts, checked in the browser first so a patient hears about a
// mistake next to the field instead of after a round trip. Each rule is the daemon's own:
// mailbox/daemon/message_request.cc and profile_request.cc (with request_fields.cc). A problem's
// `field` is the daemon's path for the same mistake ("changes.address.postal_code",
// "changes.phone_numbers[1].number"), so a 422's `field` and the browser's check mark the same
// input. Where the daemon stops at the first mistake, these checks go on to list every one, in
// the daemon's order: the first problem is always the one the daemon would name.

/** The message limits, in characters as the daemon counts them (code points, not bytes). */
export const MESSAGE_LIMITS = { subjectChars: 200, bodyChars: 10000 };

// profile_request.cc's limits, in characters.
const MAX_TEXT = 100;
const MAX_ADDRESS_LINES = 3;
const MAX_CITY = 60;
const MAX_STATE = 40;
const MIN_COUNTRY = 2;
const MAX_COUNTRY = 60;
const MAX_PHONES = 5;
const MAX_PHONE_CHARS = 25;
const MIN_PHONE_DIGITS = 7;
const MAX_PHONE_DIGITS = 15;
const MIN_EMAIL = 3;
const MAX_EMAIL = 254;

/**
 * The HL7 v3 MaritalStatus codes the daemon takes (FHIR R4's marital-status value set, with
 * UNK), each with the words a patient chooses from.
 */
export const MARITAL_STATUSES = [
  { code: 'M', text: 'Married' },
  { code: 'S', text: 'Never married' },
  { code: 'D', text: 'Divorced' },
  { code: 'W', text: 'Widowed' },
  { code: 'L', text: 'Legally separated' },
  { code: 'I', text: 'Divorce not yet final' },
  { code: 'A', text: 'Marriage annulled' },
  { code: 'T', text: 'Domestic partner' },
  { code: 'C', text: 'Common-law marriage' },
  { code: 'P', text: 'More than one spouse' },
  { code: 'U', text: 'Unmarried' },
  { code: 'UNK', text: 'Prefer not to say' },
];

/** The uses a phone number may have, with their words. */
export const PHONE_USES = [
  { code: 'home', text: 'Home' },
  { code: 'mobile', text: 'Mobile' },
  { code: 'work', text: 'Work' },
  { code: 'other', text: 'Other' },
];

/** The profile fields whose form the daemon can check (the FAQ's eight). */
export const PROFILE_FIELD_IDS = ['marital_status', 'race', 'religion', 'address',
  'phone_numbers', 'email', 'next_of_kin', 'person_to_notify'];

/**
 * Characters as the daemon counts them: UTF-8 sequences, i.e. code points. A lone surrogate
 * counts as one (it cannot be sent anyway: see wellFormed).
 * @param {string} text
 * @returns {number}
 */
export function charCount(text) {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/**
 * The problems of a message's subject and body, as message_request.cc checks them.
 * @param {{subject: string, body: string}} message
 * @returns {{field: string, message: string}[]}
 */
export function checkMessage({ subject, body }) {
  const out = [];
  const limits = [['subject', subject, MESSAGE_LIMITS.subjectChars, 'a subject'],
    ['body', body, MESSAGE_LIMITS.bodyChars, 'your message']];
  for (const [field, text, max, what] of limits) {
    const n = typeof text === 'string' ? charCount(text) : 0;
    if (n === 0) out.push({ field, message: `Enter ${what}.` });
    else if (n > max) out.push({ field, message: tooLong(max, n) });
    else if (!wellFormed(text)) out.push({ field, message: CANNOT_SEND });
    else if (field === 'subject' && /[\t\n]/.test(text)) {
      out.push({ field, message: 'Keep the subject to one line, without tabs.' });
    } else if (field === 'subject' ? oneLineProblem(text) : hasControlBesidesLines(text)) {
      out.push({ field, message: CANNOT_SEND });
    }
  }
  return out;
}

/**
 * The problems of a profile change request's `changes`, as profile_request.cc checks them.
 * @param {object} changes  field id -> proposed value, as it will be sent
 * @param {string[]} allowed  the config's profile field ids
 * @returns {{field: string, message: string}[]}  empty when the daemon accepts it
 */
export function checkChanges(changes, allowed) {
  // What the daemon will see: JSON drops undefined members and turns NaN into null.
  const sent = changes === undefined ? undefined : JSON.parse(JSON.stringify(changes));
  // The daemon refuses text that is not UTF-8 before looking at any field (field "").
  if (!allWellFormed(sent)) return [{ field: '', message: CANNOT_SEND }];
  if (!isObject(sent) || Object.keys(sent).length === 0) {
    return [{ field: 'changes', message: 'Fill in at least one thing to change.' }];
  }
  const out = [];
  // nlohmann keeps an object's members sorted by key, so the daemon meets them in this order.
  for (const id of Object.keys(sent).sort()) {
    if (!allowed.includes(id)) {
      out.push({ field: 'changes', message: 'Something that cannot be changed was sent.' });
      return out;
    }
    out.push(...checkChange(id, sent[id]));
  }
  return out;
}

/**
 * The problems of one profile field's proposed value (ParseChange).
 * @param {string} id
 * @param {*} value
 * @returns {{field: string, message: string}[]}
 */
export function checkChange(id, value) {
  const path = `changes.${id}`;
  const out = [];
  switch (id) {
    case 'marital_status': checkMaritalStatus(value, path, out); break;
    case 'race': checkText(value, path, 1, MAX_TEXT, 'your race', out); break;
    case 'religion': checkText(value, path, 1, MAX_TEXT, 'your religion', out); break;
    case 'address': checkAddress(value, path, out); break;
    case 'phone_numbers': checkPhones(value, path, out); break;
    case 'email': checkEmail(value, path, out); break;
    case 'next_of_kin':
    case 'person_to_notify': checkContact(value, path, out); break;
    default: out.push({ field: path, message: 'This cannot be changed through the portal.' });
  }
  return out;
}

const CANNOT_SEND = 'This has a character that cannot be sent. Please type it again.';

function tooLong(max, n) {
  const over = n - max;
  return `Use at most ${max} characters: this is ${over} ${over === 1 ? 'character' : 'characters'}`
    + ' too long.';
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function has(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/**
 * Whether `text` has no lone surrogate, i.e. encodes to UTF-8 as it is (JSON.stringify would
 * send a lone surrogate as an escape the daemon refuses).
 * @param {string} text
 * @returns {boolean}
 */
export function wellFormed(text) {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

function allWellFormed(v) {
  if (typeof v === 'string') return wellFormed(v);
  if (Array.isArray(v)) return v.every(allWellFormed);
  if (isObject(v)) return Object.entries(v).every(([k, x]) => wellFormed(k) && allWellFormed(x));
  return true;
}

// Control characters as request_fields.cc's TextProblem sees them: C0 (U+0000 to U+001F),
// DEL and C1 (U+0080 to U+009F), which terminals act on; and the bidi overrides and isolates
// (U+202A to U+202E, U+2066 to U+2069), refused in one-line text.
function hasControl(text) {
  return /[\u0000-\u001f\u007f-\u009f]/.test(text);
}

function hasBidi(text) {
  return /[\u202a-\u202e\u2066-\u2069]/.test(text);
}

// One-line text (TextForm::kOneLine): no control at all, no bidi override or isolate.
function oneLineProblem(text) {
  return hasControl(text) || hasBidi(text);
}

// Text of lines (TextForm::kLines, a message's body): \n and \t only among the controls; a
// carriage return is refused (the app sends a textarea's value, whose line breaks are \n).
function hasControlBesidesLines(text) {
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text);
}

function utf8Bytes(text) {
  return new TextEncoder().encode(text).length;
}

// CheckObject: an object whose keys are all known. False when the caller must stop.
function checkObject(value, path, known, what, out) {
  if (!isObject(value)) {
    out.push({ field: path, message: `Enter ${what}.` });
    return false;
  }
  if (Object.keys(value).some((k) => !known.includes(k))) {
    out.push({ field: path, message: 'Something that cannot be changed was sent.' });
    return false;
  }
  return true;
}

// CheckText: min to max characters, no control or bidi override characters, not only spaces.
function checkText(value, path, min, max, what, out) {
  if (typeof value !== 'string') {
    out.push({ field: path, message: `Enter ${what}.` });
    return;
  }
  const n = charCount(value);
  if (n < min && min > 1) {
    out.push({ field: path, message: `Enter ${what}: at least ${min} characters.` });
  } else if (n < min) {
    out.push({ field: path, message: `Enter ${what}.` });
  } else if (n > max) {
    out.push({ field: path, message: tooLong(max, n) });
  } else if (/[\t\n\r]/.test(value)) {
    out.push({ field: path, message: 'Remove the tabs or line breaks.' });
  } else if (oneLineProblem(value)) {
    out.push({ field: path, message: CANNOT_SEND });
  } else if (!/[^ ]/.test(value)) {
    out.push({ field: path, message: `Enter ${what}.` });
  }
}

// GetText: the member `key`, "missing" when absent.
function checkMember(object, path, key, min, max, what, out) {
  checkText(has(object, key) ? object[key] : undefined, `${path}.${key}`, min, max, what, out);
}

function checkAddress(value, path, out) {
  const known = ['lines', 'city', 'state', 'postal_code', 'country'];
  if (!checkObject(value, path, known, 'an address', out)) return;
  const lines = value.lines;
  if (!Array.isArray(lines) || lines.length === 0) {
    out.push({ field: `${path}.lines`, message: 'Enter the street address.' });
  } else if (lines.length > MAX_ADDRESS_LINES) {
    out.push({ field: `${path}.lines`,
      message: `Use at most ${MAX_ADDRESS_LINES} lines for the street address.` });
  } else {
    lines.forEach((line, i) =>
      checkText(line, `${path}.lines[${i}]`, 1, MAX_TEXT, 'the street address', out));
  }
  checkMember(value, path, 'city', 1, MAX_CITY, 'the city or town', out);
  checkMember(value, path, 'state', 1, MAX_STATE, 'the state', out);
  const postal = value.postal_code;
  if (typeof postal !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9]$/.test(postal)) {
    out.push({ field: `${path}.postal_code`, message: postal === undefined
      ? 'Enter the ZIP code.'
      : 'Enter a ZIP or postal code of 3 to 10 letters, digits, spaces or hyphens, such as '
        + '06360 or 06360-1234.' });
  }
  if (has(value, 'country')) {
    checkMember(value, path, 'country', MIN_COUNTRY, MAX_COUNTRY, 'the country', out);
  }
}

// IsPhoneNumber: digits with spaces, -, (, ) and . among them and + only first; 7 to 15
// digits; at most 25 bytes as typed.
function isPhoneNumber(s) {
  if (utf8Bytes(s) > MAX_PHONE_CHARS) return false;
  let digits = 0;
  for (let i = 0; i < s.length; i += 1) {
    const c = s[i];
    if (c >= '0' && c <= '9') digits += 1;
    else if (c === '+' ? i !== 0 : !' -().'.includes(c)) return false;
  }
  return digits >= MIN_PHONE_DIGITS && digits <= MAX_PHONE_DIGITS;
}

function checkPhone(value, path, out) {
  if (!checkObject(value, path, ['use', 'number'], 'a phone number', out)) return;
  if (!PHONE_USES.some((u) => u.code === value.use)) {
    out.push({ field: `${path}.use`, message: 'Choose home, mobile, work or other.' });
  }
  const number = value.number;
  if (typeof number !== 'string' || !isPhoneNumber(number)) {
    out.push({ field: `${path}.number`, message: number === undefined
      ? 'Enter the phone number.'
      : `Enter a phone number of ${MIN_PHONE_DIGITS} to ${MAX_PHONE_DIGITS} digits. You may use `
        + `spaces, dashes, brackets, dots and a + at the start, ${MAX_PHONE_CHARS} characters `
        + 'in all.' });
  }
}

function checkPhones(value, path, out) {
  if (!Array.isArray(value) || value.length === 0) {
    out.push({ field: path, message: 'Enter at least one phone number.' });
  } else if (value.length > MAX_PHONES) {
    out.push({ field: path, message: `Enter at most ${MAX_PHONES} phone numbers.` });
  } else {
    value.forEach((phone, i) => checkPhone(phone, `${path}[${i}]`, out));
  }
}

function checkEmail(value, path, out) {
  const example = 'Enter an e-mail address such as name@example.org.';
  if (typeof value !== 'string') {
    out.push({ field: path, message: example });
    return;
  }
  const n = charCount(value);
  if (n < MIN_EMAIL || n > MAX_EMAIL) {
    out.push({ field: path, message: n > MAX_EMAIL ? tooLong(MAX_EMAIL, n) : example });
    return;
  }
  if (oneLineProblem(value) || value.includes(' ')) {
    out.push({ field: path, message: 'Remove the spaces from the e-mail address.' });
    return;
  }
  const at = value.indexOf('@');
  const domain = at < 0 ? '' : value.slice(at + 1);
  const dot = domain.indexOf('.');
  if (at === 0 || domain.includes('@') || dot <= 0 || domain.endsWith('.')) {
    out.push({ field: path, message: example });
  }
}

function checkContact(value, path, out) {
  if (!checkObject(value, path, ['name', 'address', 'phones'], 'a name', out)) return;
  checkMember(value, path, 'name', 1, MAX_TEXT, 'the person\'s name', out);
  if (!has(value, 'address') && !has(value, 'phones')) {
    out.push({ field: path, message: 'Add an address, a phone number or both.' });
    return;
  }
  if (has(value, 'address')) checkAddress(value.address, `${path}.address`, out);
  if (has(value, 'phones')) checkPhones(value.phones, `${path}.phones`, out);
}

function checkMaritalStatus(value, path, out) {
  if (!MARITAL_STATUSES.some((s) => s.code === value)) {
    out.push({ field: path, message: 'Choose one of the listed answers.' });
  }
}
