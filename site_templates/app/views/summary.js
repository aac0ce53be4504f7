// "My summary": the record's summary and the providers' replies, each fetched sealed, decrypted
// with the patient's key and shown only when the portal's signing key signed it. A verified page
// goes into a sandboxed frame (no scripts ever run in it) through the one Trusted Types policy.
// The decrypted text is kept only by this view and dropped by its cleanup (sign-out, idle lock,
// another screen): nothing of it stays in memory or in the DOM afterwards.
import { clear, focusHeading, h } from '../dom.js';
import { currentRecord, session } from '../session.js';

/**
 * A date in the hospital's words ("December 1, 2026"), in the hospital's time zone when the
 * page config names one.
 * @param {Date} date
 * @param {object} config  the page config
 * @returns {string}
 */
export function longDate(date, config) {
  return date.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric',
    timeZone: timeZone(config) });
}

/**
 * A date and time ("December 1, 2026 at 4:40 PM"), as longDate.
 * @param {Date} date
 * @param {object} config
 * @returns {string}
 */
export function longDateTime(date, config) {
  return date.toLocaleString('en-US', { dateStyle: 'long', timeStyle: 'short',
    timeZone: timeZone(config) });
}

function timeZone(config) {
  const zone = config && (config.time_zone || (config.hospital && config.hospital.time_zone));
  return zone || undefined;
}

let usedMe = null;  // The GET me answer a screen last showed (dropped at sign-out).
window.addEventListener('portal:signed-out', () => { usedMe = null; });

/**
 * Makes session.me current for a screen: the answer sign-in just fetched is used as it is; any
 * later screen asks the daemon again (summary states, replies and requests change). The
 * previous answer stays when the daemon cannot be reached.
 * @param {object} app
 */
export async function refreshMe(app) {
  if (!session.privateKey) return;
  if (session.me && session.me !== usedMe) {
    usedMe = session.me;
    return;
  }
  if (typeof app.refreshMe === 'function') {
    await app.refreshMe();
  } else {
    const r = await app.api.getMe(session.privateKey, session.fingerprint);
    if (r && r.ok && r.json) session.me = r.json;
  }
  usedMe = session.me;
}

/**
 * "Please call the <help line> at <number>." with the number as a tel: link.
 * @param {object} config
 * @returns {Node[]}
 */
export function callHelpLine(config) {
  const line = config.help_line || {};
  return ['Please call the ', line.name || 'help line', ' at ',
    h('a', { href: `tel:${line.tel || ''}` }, line.display || line.tel || ''), '.'];
}

/** Renders the screen into `root`; returns its cleanup. */
export async function render(root, app) {
  const view = new SummaryView(root, app);
  await view.show();
  return () => view.drop();
}

class SummaryView {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.alive = true;
    this.frames = [];      // {frame, observer}
    this.summaryText = null;  // The verified summary, for Download only.
    this.urls = [];
    this.onSignedOut = () => this.drop();
    window.addEventListener('portal:signed-out', this.onSignedOut);
  }

  async show() {
    const config = this.app.config;
    this.summarySlot = h('div', { class: 'summary-slot doc-view', 'aria-busy': 'true' },
      h('p', { class: 'loading' }, 'Opening your summary…'));
    this.repliesSlot = h('div', { class: 'replies-slot' });
    this.nodes = [h('h1', {}, 'My summary'), this.summarySlot,
      h('section', { class: 'replies', 'aria-labelledby': 'replies-heading' },
        h('h2', { id: 'replies-heading' }, 'Replies from your providers'), this.repliesSlot)];
    this.root.append(...this.nodes);
    focusHeading(this.root);
    await refreshMe(this.app);
    if (!this.alive) return;
    const record = currentRecord() || {};
    await Promise.all([this.showSummary(record, config), this.showReplies(record, config)]);
  }

  // The summary's own states first: what GET me says, then what the file turned out to be.
  async showSummary(record, config) {
    const slot = this.summarySlot;
    let state = record.summary;
    let opened = null;
    if (state === 'published' && record.summary_path) {
      opened = await this.open(record.summary_path);
      if (!this.alive) return;
      // Gone since GET me, or sealed to the key before a reset: the next update brings it.
      if (opened.kind === 'missing' || opened.kind === 'not-for-key') state = 'pending';
    } else if (state !== 'unavailable') {
      state = 'pending';
    }
    clear(slot);
    slot.removeAttribute('aria-busy');
    if (state === 'unavailable') {
      slot.append(h('p', { class: 'state' }, 'Your summary is not available. ',
        ...callHelpLine(config)));
    } else if (state === 'pending') {
      slot.append(h('p', { class: 'state' },
        'Your summary is being prepared. It will be ready after the next update.'));
    } else if (opened.kind === 'unverified') {
      slot.append(h('div', { class: 'alert', role: 'alert' },
        'We could not verify this summary, so it is not shown. ', ...callHelpLine(config)));
    } else if (opened.kind === 'failed') {
      slot.append(h('div', { class: 'alert', role: 'alert' },
        'We could not load your summary. Check your connection and try again later.'));
    } else {
      this.summaryText = opened.text;
      const frame = this.frame(opened.text, 'Health summary');
      slot.append(
        h('p', { class: 'last-changed' }, `Last changed ${longDate(opened.signedAt, config)}`),
        h('div', { class: 'button-row doc-actions' },
          h('button', { type: 'button', class: 'button secondary', onclick: () => this.download() },
            'Download'),
          h('button', { type: 'button', class: 'button secondary',
            onclick: () => this.print(frame) }, 'Print')),
        frame);
    }
  }

  async showReplies(record, config) {
    const paths = Array.isArray(record.replies) ? record.replies : [];
    if (paths.length === 0) {
      this.repliesSlot.append(h('p', { class: 'state' }, 'No replies yet.'));
      return;
    }
    const opened = await Promise.all(paths.map((p) => this.open(p)));
    if (!this.alive) return;
    // Newest first, by when the portal signed them; the ones not shown after.
    const order = (o) => (o.kind === 'ok' ? -o.signedAt.getTime() : 0);
    opened.sort((a, b) => order(a) - order(b));
    for (const o of opened) {
      const item = h('article', { class: 'reply' });
      if (o.kind === 'ok') {
        item.append(h('h3', {}, `Reply of ${longDate(o.signedAt, config)}`),
          this.frame(o.text, 'Reply from your provider'));
      } else if (o.kind === 'not-for-key') {
        item.append(h('p', { class: 'state' },
          'This reply was sealed to an earlier key. Ask your provider to resend it.'));
      } else if (o.kind === 'unverified') {
        item.append(h('div', { class: 'alert', role: 'alert' },
          'We could not verify this reply, so it is not shown. ', ...callHelpLine(config)));
      } else {
        item.append(h('div', { class: 'alert', role: 'alert' },
          'We could not load this reply. Check your connection and try again later.'));
      }
      this.repliesSlot.append(item);
    }
  }

  // {kind: 'ok', text, signedAt} | {kind: 'missing'|'failed'|'not-for-key'|'unverified'}.
  async open(p) {
    const got = await this.app.api.fetchSealed(p);
    if (got.status === 404) return { kind: 'missing' };
    if (got.status !== 200 || !got.bytes) return { kind: 'failed' };
    try {
      const { text, signedAt } = await this.app.keys.decryptVerified(got.bytes, session.privateKey);
      return { kind: 'ok', text, signedAt };
    } catch (err) {
      if (err && err.reason === 'not-for-key') return { kind: 'not-for-key' };
      return { kind: 'unverified' };
    }
  }

  // A sandboxed frame for one verified page: no allow-scripts, so nothing in it ever runs.
  // allow-same-origin lets this view size it and restyle its print header; allow-modals lets
  // the Print button call print() on it (Chromium ignores print() in a sandbox without it).
  frame(text, title) {
    const frame = h('iframe', { sandbox: 'allow-same-origin allow-modals', title,
      class: 'doc-frame' });
    // The per-patient print header's style is taken out before the page goes in (the CSP
    // would refuse it, with an error in the console) and applied as a constructed sheet.
    let printCss = '';
    const page = text.replace(PRINT_HEADER_STYLE, (whole, end, css) => {
      printCss = css;
      return end;
    });
    const entry = { frame, observer: null, printCss };
    this.frames.push(entry);
    frame.addEventListener('load', () => this.fit(entry));
    const policy = this.app.summaryPolicy && this.app.summaryPolicy();
    if (!policy) throw new Error('The page has no Trusted Types policy for summaries.');
    frame.srcdoc = policy.createHTML(page);
    return frame;
  }

  fit(entry) {
    const doc = entry.frame.contentDocument;
    if (!this.alive || !doc || !doc.documentElement) return;
    adoptPrintHeader(entry.frame, doc, entry.printCss);
    // The root element's own height is the content's (scrollHeight never drops below the
    // frame's), so the frame shrinks as well as grows when the width changes.
    const size = () => {
      const frame = entry.frame;
      const border = frame.offsetHeight - frame.clientHeight;
      const height = Math.ceil(doc.documentElement.getBoundingClientRect().height) + border;
      frame.style.height = `${height}px`;
    };
    size();
    if (entry.observer) entry.observer.disconnect();
    entry.observer = new ResizeObserver(size);
    entry.observer.observe(doc.documentElement);
  }

  download() {
    if (!this.summaryText) return;
    const url = URL.createObjectURL(new Blob([this.summaryText], { type: 'text/html' }));
    this.urls.push(url);
    const link = h('a', { href: url, download: 'summary.html', hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => this.revoke(url), 0);
  }

  print(frame) {
    if (frame.contentWindow) frame.contentWindow.print();
  }

  revoke(url) {
    URL.revokeObjectURL(url);
    this.urls = this.urls.filter((u) => u !== url);
  }

  // Drops every decrypted page: frames emptied and removed, texts and URLs let go.
  drop() {
    if (!this.alive) return;
    this.alive = false;
    window.removeEventListener('portal:signed-out', this.onSignedOut);
    for (const { frame, observer } of this.frames) {
      if (observer) observer.disconnect();
      frame.removeAttribute('srcdoc');
      frame.remove();
    }
    this.frames = [];
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
    this.summaryText = null;
    // Only this view's own nodes: the next screen may already be in the root.
    for (const node of this.nodes || []) node.remove();
    this.nodes = [];
  }
}

// The summary's per-patient print header is a second <style data-print-header>, which the app's
// CSP would refuse in the frame; its one rule is added to the page's main sheet through CSSOM
// (which CSP does not govern).
// The element itself, right after the main style's end (the main style's comments name it too).
const PRINT_HEADER_STYLE = /(<\/style>\s*)<style data-print-header>([^<]*)<\/style>/;

function adoptPrintHeader(frame, doc, css) {
  const sheet = doc.styleSheets[0];
  if (!css || !sheet) return;
  try {
    // One rule (`@media print { @page { ... } }`) added to the page's own, allowed sheet:
    // CSSOM is not governed by CSP, and nothing runs in the frame's realm.
    sheet.insertRule(css, sheet.cssRules.length);
  } catch {
    // A header the browser cannot parse is left out; the page itself is whole.
  }
}
