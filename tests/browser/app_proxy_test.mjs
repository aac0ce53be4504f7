// A proxy in the patient app, on the whole real stack (portal_stack.mjs): patient B has their
// own account (a proxy can be linked only to an enrolled record) and a social-history finding
// (a section only the patient sees); patient A registers, staff make a proxy code for B naming
// A's label, A adds the record on the Account screen; after the nightly run the "Whose record"
// switcher offers both, B's page as A sees it has B's conditions but not the social history,
// and switching back shows A's own. B's own page has the finding (so its absence is the proxy
// rule, not a missing record).
//
// node app_proxy_test.mjs --bin BUILD_DIR
import { assert, check, finish, launchChromium, parseArgs } from './browser_support.mjs';
import { PATIENTS, startStack } from './portal_stack.mjs';
import {
  addExtract, frameText, heading, registerWithLetter, reopenSummary, summaryFrame,
  until, watchedPage,
} from './app_test_support.mjs';

// B's social-history finding: an invented text, coded as a social determinant (US Core's sdoh
// category and SNOMED CT's "Full-time employment", both in the release's social_history match).
const SOCIAL_TEXT = 'Lanternwright apprenticeship, full time';
const PROXY_LABEL = 'Second test record';

function socialFinding(p) {
  return {
    resourceType: 'Condition',
    id: `${p.id}-sdoh1`,
    subject: { reference: `Patient/${p.id}` },
    clinicalStatus: { coding: [{
      system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    category: [{ coding: [{
      system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category', code: 'sdoh' }] }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '160903007' }],
      text: SOCIAL_TEXT },
    onsetDateTime: '2021-09-01',
  };
}

// Chooses `name` in the switcher and waits for that record's summary to be on screen: the
// frame's text once it holds `expect`.
async function switchTo(page, name, expect) {
  await page.getByLabel('Whose record').selectOption({ label: name });
  await heading(page, 'My summary');
  let text = '';
  await until(async () => {
    const frame = page.locator('iframe[title="Health summary"]');
    if (await frame.count() !== 1) return false;
    text = await frameText(frame);
    return text.includes(expect);
  }, `the summary of "${name}"`, 60000);
  return text;
}

async function main() {
  const opt = parseArgs(['bin']);
  const stack = await startStack({ bin: opt.bin });
  const browser = await launchChromium();
  const a = PATIENTS.desk;
  const b = PATIENTS.other;
  try {
    addExtract(stack, 'proxy-test-social.ndjson', [socialFinding(b)]);
    const contextA = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const contextB = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const pageA = await watchedPage(contextA);
    const pageB = await watchedPage(contextB);

    await check('patient B and patient A register (each with their own letter)', async () => {
      await registerWithLetter(pageB, stack, b, 'proxytestb01');
      await registerWithLetter(pageA, stack, a, 'proxytesta01');
      assert(await pageA.getByLabel('Whose record').count() === 0,
        'a switcher for an account with one record');
    });

    await check('A adds B\'s record with the proxy code on the Account screen', async () => {
      const code = await stack.activationCode(b.mrn, { proxy: true, holder: PROXY_LABEL });
      await pageA.getByRole('link', { name: 'Account' }).click();
      await heading(pageA, 'Account');
      await pageA.getByLabel('Proxy code').fill(code);
      await pageA.getByLabel('Patient\'s date of birth').fill(b.birthDate);
      await pageA.getByRole('button', { name: 'Add record' }).click();
      await until(() => pageA.answers['proxy-links'], 'the proxy link\'s answer', 30000);
      await pageA.getByLabel('Whose record').waitFor({ timeout: 30000 });
      const options = await pageA.getByLabel('Whose record').locator('option').allInnerTexts();
      assert(options.length === 2 && options.includes('You') && options.includes(PROXY_LABEL),
        `the switcher offers ${options.length} records, not "You" and the label staff gave`);
      assert(await pageA.locator('#view [role="alert"]').count() === 0, 'an error beside it');
    });

    await check('GET me points the proxy\'s record at the proxy page', async () => {
      const me = pageA.answers.me;
      const proxy = me && (me.records || []).find((r) => r.role === 'proxy');
      assert(proxy, 'no proxy record in GET me');
      assert(proxy.mrn === b.mrn, 'the proxy record is not B\'s');
      assert(/\/summary-proxy\.html\.pgp$/.test(proxy.summary_path || ''),
        'the proxy record\'s summary_path is not summary-proxy.html.pgp');
    });

    await stack.nightly();

    await check('B\'s own page has the social-history finding (only the patient sees it)',
      async () => {
        await reopenSummary(pageB);
        const text = await frameText(await summaryFrame(pageB));
        assert(text.includes(b.condition), 'B\'s condition is not on B\'s page');
        assert(text.includes(SOCIAL_TEXT), 'B\'s social history is not on B\'s own page');
      });

    await check('A switches to B: B\'s proxy page, without the social history', async () => {
      await reopenSummary(pageA);
      const text = await switchTo(pageA, PROXY_LABEL, b.condition);
      assert(!text.includes(SOCIAL_TEXT), 'the social-history finding is on the proxy page');
      assert(!/Social history/.test(text), 'the proxy page has a Social history section');
      assert(!text.includes(a.condition), 'A\'s condition is on B\'s page');
      assert(await pageA.getByLabel('Whose record').inputValue() !== '', 'no record chosen');
    });

    await check('the other screens follow the switch: Messages still offers the switcher',
      async () => {
        await pageA.getByRole('link', { name: 'Messages' }).click();
        await heading(pageA, 'Write to a provider');
        const chosen = await pageA.getByLabel('Whose record')
          .evaluate((s) => s.options[s.selectedIndex].text);
        assert(chosen === PROXY_LABEL, 'the switcher forgot the chosen record');
        await pageA.getByRole('link', { name: 'My summary' }).click();
        await heading(pageA, 'My summary');
      });

    await check('A switches back to "You": A\'s own page', async () => {
      const text = await switchTo(pageA, 'You', a.condition);
      assert(!text.includes(b.condition), 'B\'s condition is on A\'s own page');
    });

    await check('no console errors in either app page', async () => {
      const errors = [...pageA.errors, ...pageB.errors];
      assert(errors.length === 0, errors.join('\n'));
    });
    await contextA.close();
    await contextB.close();
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
