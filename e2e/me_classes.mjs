// End-to-end test of the 考勤 tab of the trainee's own page (/h5/me) for a trainee in two classes, in headless
// Chromium at a phone viewport (375 px). Run by tests/api/browser_me.rs against a server it started; usable by hand:
//
//   node e2e/me_classes.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON
//
// SCENARIO_JSON (browser_me.rs builds it):
//   token, device_id   the trainee's login (put into localStorage before the page loads)
//   classes            [{name, finished, present, credit_hours, sessions: [title]}], in the order the page must show
//                      them: the running class first, then the finished one
//
// The script opens /h5/me (考勤 is the first tab) and checks: the totals are the first class's own (its name above
// them), each class has a heading (已结业 on a finished one, with its 学时) followed by exactly its own sessions,
// and nothing is wider than the phone. Writes me-classes.png. Prints one summary line on stdout; exits 0 when every
// check passes, 1 on a failed check or error, 2 on bad arguments.

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
  storeLogin,
  waiter,
} from './lib.mjs';

const SHOTS = ['me-classes.png', 'me-classes-failure.png'];
const usage = 'usage: node e2e/me_classes.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON';
const [baseArg, screenshotDir, scenarioJson] = args(usage, 3);
const base = baseUrl(baseArg);
const s = scenarioArg(scenarioJson, usage);
if (!s.token || !Array.isArray(s.classes) || s.classes.length < 2 || s.classes.some((c) => !c.name || !c.sessions?.length)) {
  badArgs(`SCENARIO_JSON needs a token and at least two classes with a name and sessions: ${scenarioJson}`, usage);
}

const describe = (page) =>
  describePage(page, (text) => [
    `url=${location.href}`,
    `#load-error: ${text('load-error')}`,
    `#t-class: ${text('t-class')}`,
    `#attendance-list: ${text('attendance-list')}`,
  ]);
const waitUntil = waiter(describe);

// The list as the page shows it: headings and the session rows under each.
const shown = (page) =>
  page.evaluate(() => {
    const groups = [];
    for (const li of document.querySelectorAll('#attendance-list > li')) {
      if (li.classList.contains('class-head')) {
        groups.push({ head: li.firstChild?.textContent ?? '', hours: li.querySelector('small')?.textContent.trim() ?? '', sessions: [] });
      } else if (groups.length) {
        groups[groups.length - 1].sessions.push(li.querySelector('.title')?.textContent ?? '');
      } else {
        groups.push({ head: null, hours: '', sessions: [li.querySelector('.title')?.textContent ?? ''] });
      }
    }
    return groups;
  });

await run('me_classes', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  const context = await launchPhone(browser, { timezoneId: 'UTC' });
  await context.addInitScript(storeLogin, [s.token, s.device_id]);
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    await page.goto(`${base}/h5/me`);
    const [current] = s.classes;
    await waitUntil(
      page,
      `the 考勤 tab with a heading per class (${s.classes.length})`,
      (n) => !document.getElementById('tab-attendance').classList.contains('hidden') && document.querySelectorAll('#attendance-list .class-head').length === n,
      s.classes.length,
    );
    const path = await shot(page, screenshotDir, 'me-classes.png');
    const label = (c) => c.name + (c.finished ? '（已结业）' : '');

    // The totals are the current class's own, and say whose they are.
    const tClass = (await page.locator('#t-class').innerText()).trim();
    check(tClass === label(current), `#t-class should name ${JSON.stringify(label(current))}, says ${JSON.stringify(tClass)} (screenshot ${path})`);
    const present = (await page.locator('#t-present').innerText()).trim();
    check(
      present === String(current.present),
      `出勤 should be the current class's ${current.present} (all classes together: ` +
        `${s.classes.reduce((n, c) => n + c.present, 0)}), shows ${present} (screenshot ${path})`,
    );

    // One group per class, in order, each with exactly its own sessions.
    const groups = await shown(page);
    const want = s.classes.map((c) => ({ head: label(c), hours: `已获 ${c.credit_hours} 学时`, sessions: [...c.sessions].sort() }));
    const got = groups.map((g) => ({ ...g, sessions: [...g.sessions].sort() }));
    check(JSON.stringify(got) === JSON.stringify(want), `the list should be ${JSON.stringify(want)}, is ${JSON.stringify(got)} (screenshot ${path})`);

    const wider = await overflow(page);
    check(wider <= 0, `the page is ${wider} px wider than the phone (screenshot ${path})`);
    check(errors.length === 0, `the page logged errors:\n  ${errors.join('\n  ')}`);
    await context.close();
    return `${groups.map((g) => `${g.head}: ${g.sessions.length} session(s)`).join('; ')}; totals for ${tClass}; screenshot ${path}`;
  } catch (e) {
    await failureShot(page, screenshotDir, 'me-classes-failure.png', e);
    throw e;
  }
});
