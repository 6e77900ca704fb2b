// End-to-end test of two pages people reach from paper, in headless Chromium at a phone viewport (375 px): the
// invite sheet a 班主任 prints (and may open on a phone first), and the public certificate check someone types a
// paper certificate's code into. Run by tests/api/browser_print.rs against a server it started; usable by hand:
//
//   node e2e/printables.mjs BASE_URL ARTIFACT_DIR SCENARIO_JSON
//
// SCENARIO_JSON (browser_print.rs builds it):
//   sheet_url          the invite sheet's signed print link
//   class_name, class_code, trainees   the class, and how many cards the sheet must hold
//   code               a valid certificate's verification code, as printed (upper case)
//   holder             the holder's name as the check shows it (masked, e.g. 李*华)
//
// Invite sheet: every card carries the class name and code (not only the first page's heading), nothing is wider
// than the phone (invite-phone.png); printed as A4 it becomes ARTIFACT_DIR/invite-sheet.pdf, which the driver reads
// back page by page. /verify: the page has a box for the code; typing it in lower case with spaces around finds
// the certificate (verify-valid.png); an unknown code answers 404 with the box again (verify-unknown.png), and
// typing the right code there finds it too. Prints one summary line on stdout; exits 0 when every check passes, 1
// on a failed check or error, 2 on bad arguments.

import path from 'node:path';
import {
  args,
  badArgs,
  baseUrl,
  check,
  collectErrors,
  describePage,
  failureShot,
  launchPhone,
  overflow,
  run,
  scenarioArg,
  shot,
  waiter,
} from './lib.mjs';

const PDF = 'invite-sheet.pdf';
const SHOTS = ['invite-phone.png', 'verify-lookup.png', 'verify-valid.png', 'verify-unknown.png', 'printables-failure.png', PDF];
const usage = 'usage: node e2e/printables.mjs BASE_URL ARTIFACT_DIR SCENARIO_JSON';
const [baseArg, artifactDir, scenarioJson] = args(usage, 3);
const base = baseUrl(baseArg);
const s = scenarioArg(scenarioJson, usage);
if (!s.sheet_url || !s.class_name || !s.class_code || !(s.trainees > 0) || !s.code || !s.holder) {
  badArgs(`SCENARIO_JSON lacks sheet_url, class_name, class_code, trainees, code or holder: ${scenarioJson}`, usage);
}

const describe = (page) =>
  describePage(page, () => [`url=${location.href}`, `title=${document.title}`, `main: ${document.body.innerText.slice(0, 400)}`]);
const waitUntil = waiter(describe);

async function inviteSheet(page) {
  const response = await page.goto(s.sheet_url);
  check(response.status() === 200, `the invite sheet answered ${response.status()}`);
  const cards = await page.evaluate(() =>
    Array.from(document.querySelectorAll('.sheet .card'), (c) => ({
      cls: c.querySelector('.cls')?.textContent ?? '',
      name: c.querySelector('.name')?.textContent ?? '',
      code: c.querySelector('.code')?.textContent ?? '',
      qr: Boolean(c.querySelector('.qr svg')),
    })),
  );
  const shotPath = await shot(page, artifactDir, 'invite-phone.png');
  const label = `${s.class_name}（${s.class_code}）`;
  check(cards.length === s.trainees, `the sheet should hold ${s.trainees} cards, holds ${cards.length} (screenshot ${shotPath})`);
  const bad = cards.filter((c) => c.cls !== label || !c.name || !/^[0-9A-Z]{6,}$/.test(c.code) || !c.qr);
  check(bad.length === 0, `every card should carry ${JSON.stringify(label)}, a name, a code and a QR; these do not: ${JSON.stringify(bad)}`);
  const wider = await overflow(page);
  check(wider <= 0, `the invite sheet is ${wider} px wider than the phone (screenshot ${shotPath})`);
  // Printed on A4, as the 打印 button would.
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: path.join(artifactDir, PDF), format: 'A4', printBackground: true, preferCSSPageSize: true });
  await page.emulateMedia({ media: 'screen' });
  return cards.length;
}

async function lookup(page, typed) {
  await page.locator('#code').fill(typed);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '查询' }).click()]);
}

async function verify(page) {
  // The box, on the bare page.
  let response = await page.goto(`${base}/verify`);
  check(response.status() === 200, `/verify answered ${response.status()}`);
  await page.locator('#code').waitFor({ state: 'visible' });
  const lookupShot = await shot(page, artifactDir, 'verify-lookup.png');
  const label = (await page.locator('label[for="code"]').innerText()).trim();
  check(label === '验证码', `the box should be labelled 验证码, is ${JSON.stringify(label)} (screenshot ${lookupShot})`);
  check((await overflow(page)) <= 0, `/verify is wider than the phone (screenshot ${lookupShot})`);

  // Typed by hand: lower case, spaces around.
  await lookup(page, `  ${s.code.toLowerCase()} `);
  await waitUntil(page, 'the certificate found', () => Boolean(document.querySelector('.badge')));
  const validShot = await shot(page, artifactDir, 'verify-valid.png');
  check(new URL(page.url()).pathname === `/verify/${s.code}`, `the form should lead to /verify/${s.code}, is at ${page.url()}`);
  const badge = (await page.locator('.badge').innerText()).trim();
  const text = await page.locator('main').innerText();
  check(badge.endsWith('证书有效'), `the badge should say 证书有效, says ${JSON.stringify(badge)} (screenshot ${validShot})`);
  check(text.includes(s.holder), `the page should name ${s.holder} (screenshot ${validShot}):\n${text}`);
  check((await overflow(page)) <= 0, `the result is wider than the phone (screenshot ${validShot})`);

  // A mistyped code: 404, and the box again to try once more.
  response = await page.goto(`${base}/verify/ABCDEFGHJKMN`);
  check(response.status() === 404, `an unknown code answered ${response.status()}, not 404`);
  await page.locator('#code').waitFor({ state: 'visible' });
  const unknownShot = await shot(page, artifactDir, 'verify-unknown.png');
  const unknownBadge = (await page.locator('.badge').innerText()).trim();
  check(unknownBadge.includes('未查询到'), `an unknown code should say 未查询到…, says ${JSON.stringify(unknownBadge)} (screenshot ${unknownShot})`);
  await lookup(page, s.code);
  await waitUntil(page, 'the certificate found from the 404 page', (code) => location.pathname === `/verify/${code}`, s.code);
  check((await page.locator('.badge').innerText()).trim().endsWith('证书有效'), `the second lookup should find the certificate`);
  return [lookupShot, validShot, unknownShot];
}

await run('printables', { dir: artifactDir, stale: SHOTS }, async (browser) => {
  const context = await launchPhone(browser, { timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    const cards = await inviteSheet(page);
    const shots = await verify(page);
    // The 404 answer itself is logged by Chromium as a failed resource; anything else is the pages' doing.
    const unexpected = errors.filter((e) => !e.includes('/verify/ABCDEFGHJKMN'));
    check(unexpected.length === 0, `the pages logged errors:\n  ${unexpected.join('\n  ')}`);
    await context.close();
    return `invite sheet: ${cards} cards each with the class, printed to ${PDF}; /verify found ${s.code} typed by hand and from the 404 page; screenshots ${shots.join(', ')}`;
  } catch (e) {
    await failureShot(page, artifactDir, 'printables-failure.png', e);
    throw e;
  }
});
