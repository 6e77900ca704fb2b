// End-to-end test of the staff monitor (/staff/sessions/{session_id}) in headless Chromium at a phone viewport.
// Run by tests/api/browser_monitor.rs against a server it started; usable by hand too:
//
//   node e2e/monitor.mjs BASE_URL SESSION_ID USERNAME PASSWORD REASON SCREENSHOT_DIR ENROLLMENT_ID=NAME...
//
//   USERNAME, PASSWORD  a staff account assigned to the session's class (logged in through the page's form)
//   REASON              what to answer the reason prompt with when marking leave
//   ENROLLMENT_ID=NAME  every trainee of the session, at least three: the first one checks in, the second one is
//                       marked 请假 on the page, the third one scans from outside the geofence, the others stay
//                       missing
//
// The script and its driver take turns:
//   1. the script logs in through the form, waits for every trainee in #missing and #c-expected = their number,
//      writes monitor-before.png and prints "READY" on stdout;
//   2. the driver checks the first trainee in, and has the third scan from 5 km away (refused);
//   3. the script waits for the first trainee to leave #missing and #c-arrived = 1 (the page polls every 3 s),
//      clicks 请假 on the second trainee, answers the reason prompt, waits for them to leave #missing and
//      #c-leave = 1, and writes monitor-after.png; the failed attempts list the third trainee by name and unit
//      with the reason (不在签到范围内), the distance and the time.
// Prints READY and one summary line on stdout; exits 0 when every check passes, 1 on a failed check or error,
// 2 on bad arguments.

import {
  AssertionFailed,
  WAIT_MS,
  args,
  badArgs,
  baseUrl,
  check,
  collectErrors,
  describePage,
  failureShot,
  launchPhone,
  postJson,
  redacted,
  run,
  shot,
  signal,
  waiter,
} from './lib.mjs';

const SHOTS = ['monitor-before.png', 'monitor-after.png', 'monitor-undone.png', 'monitor-attempts.png', 'monitor-failure.png'];

const usage = 'usage: node e2e/monitor.mjs BASE_URL SESSION_ID USERNAME PASSWORD REASON SCREENSHOT_DIR ENROLLMENT_ID=NAME...';
const argv = args(usage, 9, Infinity);
const [baseArg, sessionId, username, password, reason, screenshotDir, ...traineeArgs] = argv;
const base = baseUrl(baseArg);
const trainees = traineeArgs.map((a) => {
  const at = a.indexOf('=');
  return at > 0 ? { id: a.slice(0, at), name: a.slice(at + 1) } : null;
});
if (trainees.some((t) => !t || !t.name) || !sessionId || !username || !password || !reason.trim()) {
  badArgs(`need a session id, credentials, a non-blank reason and ENROLLMENT_ID=NAME pairs, got ${JSON.stringify(argv)}`, usage);
}
const [arriving, leaving, ...staying] = trainees;
const [far] = staying;

// What the page shows, for failure messages.
const describe = (page) =>
  describePage(page, (text) => {
    const counters = ['arrived', 'late', 'missing', 'leave', 'absent', 'expected']
      .map((c) => {
        const el = document.getElementById(`c-${c}`);
        return `${c}=${el ? el.textContent.trim() : '?'}`;
      })
      .join(' ');
    const missing = Array.from(document.querySelectorAll('#missing li'), (li) =>
      li.dataset.enrollment ? `${li.dataset.enrollment}:${li.querySelector('.who')?.firstChild?.textContent}` : li.innerText.trim(),
    );
    return [
      `url=${location.href}`,
      `#login: ${text('login')}`,
      `#login-error: ${text('login-error')}`,
      `#monitor: ${document.getElementById('monitor')?.classList.contains('hidden') ? 'hidden' : 'shown'}`,
      `#sub: ${text('sub')}`,
      `counters: ${counters}`,
      `#missing: ${JSON.stringify(missing)}`,
      `#attempts: ${text('attempts')}`,
    ];
  });

// Watches the page: uncaught errors, console errors, dialogs, and the corrections it sends.
function watch(page) {
  const seen = { errors: collectErrors(page), dialogs: [], corrections: [], polls: 0 };
  // The reason prompt gets the reason; anything else (an alert with a server error) is recorded and dismissed.
  page.on('dialog', async (d) => {
    seen.dialogs.push({ type: d.type(), message: d.message() });
    if (d.type() === 'prompt') {
      const answer = seen.nextAnswer ?? reason;
      seen.nextAnswer = undefined;
      await d.accept(answer);
      return;
    }
    else await d.dismiss();
  });
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (r.method() === 'PUT' && url.pathname.startsWith(`/api/v1/sessions/${sessionId}/attendance/`)) {
      const body = postJson(r);
      seen.corrections.push({ enrollment: decodeURIComponent(url.pathname.split('/').pop()), body, auth: r.headers().authorization || '' });
    }
    if (r.method() === 'GET' && url.pathname === `/api/v1/sessions/${sessionId}/attendance/summary`) seen.polls += 1;
  });
  return seen;
}

const waitUntil = waiter(describe);

// The enrolment ids listed in #missing, in order, and each one's name (the .who text without its unit line).
const missingList = (page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('#missing li[data-enrollment]'), (li) => ({
      id: li.dataset.enrollment,
      name: li.querySelector('.who')?.firstChild?.textContent?.trim() ?? '',
    })),
  );
const counter = (page, name) => page.locator(`#c-${name}`).innerText().then((t) => t.trim());

const screenshot = (page, name) => shot(page, screenshotDir, name);

async function drive(context) {
  const page = await context.newPage();
  const seen = watch(page);
  try {
    await page.goto(`${base}/staff/sessions/${encodeURIComponent(sessionId)}`);

    // 1. No token yet: the login form, and nothing of the monitor.
    const stored = await page.evaluate(() => localStorage.getItem('rollcall.staff_token'));
    check(stored === null, `localStorage should start empty, has rollcall.staff_token=${stored}`);
    try {
      await page.waitForSelector('#login', { state: 'visible', timeout: WAIT_MS });
    } catch {
      throw new AssertionFailed(`the login form did not appear without a staff token\n  ${await describe(page)}`);
    }
    check(!(await page.locator('#monitor').isVisible()), `the monitor is shown before logging in\n  ${await describe(page)}`);
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(password);
    await page.locator('#login-btn').click();

    // Logged in: every trainee missing, nobody arrived yet.
    const ids = trainees.map((t) => t.id);
    await waitUntil(
      page,
      `the monitor (header, attempt log) listing all ${trainees.length} trainees in #missing and #c-expected = ${trainees.length}`,
      (want) => {
        const monitor = document.getElementById('monitor');
        const listed = Array.from(document.querySelectorAll('#missing li[data-enrollment]'), (li) => li.dataset.enrollment);
        return Boolean(
          monitor &&
            !monitor.classList.contains('hidden') &&
            document.getElementById('c-expected').textContent.trim() === String(want.length) &&
            listed.length === want.length &&
            want.every((id) => listed.includes(id)) &&
            // The session header and the attempt log are loaded too, so the screenshot shows the whole page.
            document.getElementById('sub').textContent.trim() !== '' &&
            document.querySelectorAll('#attempts li').length > 0,
        );
      },
      ids,
    );
    const beforeShot = await screenshot(page, 'monitor-before.png');
    check(!(await page.locator('#login').isVisible()), `the login form is still shown after logging in (screenshot ${beforeShot})`);
    const token = await page.evaluate(() => localStorage.getItem('rollcall.staff_token'));
    check(Boolean(token), `no rollcall.staff_token in localStorage after logging in (screenshot ${beforeShot})`);
    const listedBefore = await missingList(page);
    for (const t of trainees) {
      const shown = listedBefore.find((l) => l.id === t.id);
      check(
        shown && shown.name === t.name,
        `#missing should show ${t.id} as ${JSON.stringify(t.name)}, shows ${JSON.stringify(shown)} (screenshot ${beforeShot})`,
      );
      const buttons = await page.locator(`#missing li[data-enrollment="${t.id}"] button`).allInnerTexts();
      check(
        JSON.stringify(buttons.map((b) => b.trim())) === JSON.stringify(['请假', '补签']),
        `${t.name}'s row should offer 请假 and 补签, offers ${JSON.stringify(buttons)} (screenshot ${beforeShot})`,
      );
    }
    const countsBefore = {
      arrived: await counter(page, 'arrived'),
      missing: await counter(page, 'missing'),
      leave: await counter(page, 'leave'),
    };
    check(
      countsBefore.arrived === '0' && countsBefore.missing === String(trainees.length) && countsBefore.leave === '0',
      `before anyone checks in: expected arrived 0, missing ${trainees.length}, leave 0, got ${JSON.stringify(countsBefore)} ` +
        `(screenshot ${beforeShot})`,
    );
    const title = (await page.locator('#title').innerText()).trim();
    const sub = (await page.locator('#sub').innerText()).trim();
    check(
      title !== '' && title !== '考勤跟班' && /^\d\d:\d\d–\d\d:\d\d/.test(sub),
      `the header should show the session's title and times, shows ${JSON.stringify(title)} / ${JSON.stringify(sub)} ` +
        `(screenshot ${beforeShot})`,
    );

    // 2. The driver checks the first trainee in.
    signal('READY');

    // 3a. The next poll drops the arrival from the missing list and counts them.
    await waitUntil(
      page,
      `${arriving.name} (${arriving.id}) gone from #missing and #c-arrived = 1 after checking in`,
      (id) =>
        !document.querySelector(`#missing li[data-enrollment="${id}"]`) &&
        document.getElementById('c-arrived').textContent.trim() === '1',
      arriving.id,
    );

    // 3b. One tap: 请假 on the second trainee, with a reason.
    const row = page.locator(`#missing li[data-enrollment="${leaving.id}"]`);
    check((await row.count()) === 1, `${leaving.name} (${leaving.id}) is no longer listed before marking leave\n  ${await describe(page)}`);
    await row.getByRole('button', { name: '请假' }).click();
    await waitUntil(
      page,
      `${leaving.name} (${leaving.id}) gone from #missing and #c-leave = 1 after marking 请假`,
      (id) =>
        !document.querySelector(`#missing li[data-enrollment="${id}"]`) &&
        document.getElementById('c-leave').textContent.trim() === '1',
      leaving.id,
    );
    const afterShot = await screenshot(page, 'monitor-after.png');

    // The prompt named the trainee and the status, and the page sent exactly that correction.
    const prompts = seen.dialogs.filter((d) => d.type === 'prompt');
    check(
      prompts.length === 1 && prompts[0].message.includes(leaving.name) && prompts[0].message.includes('请假'),
      `expected one reason prompt naming ${leaving.name} and 请假, saw dialogs ${JSON.stringify(seen.dialogs)}`,
    );
    check(
      seen.dialogs.length === 1,
      `expected only the reason prompt, also saw ${JSON.stringify(seen.dialogs.slice(1))} (screenshot ${afterShot})`,
    );
    check(
      seen.corrections.length === 1 &&
        seen.corrections[0].enrollment === leaving.id &&
        seen.corrections[0].body?.status === 'leave' &&
        seen.corrections[0].body?.reason === reason &&
        seen.corrections[0].auth === `Bearer ${token}`,
      `expected one PUT …/attendance/${leaving.id} {status: "leave", reason: ${JSON.stringify(reason)}} with the staff token, ` +
        `sent ${JSON.stringify(seen.corrections.map(redacted))}`,
    );

    // What is left: the others still missing, and the counters add up.
    const listedAfter = await missingList(page);
    check(
      JSON.stringify(listedAfter.map((l) => l.id).sort()) === JSON.stringify(staying.map((t) => t.id).sort()),
      `#missing should list only ${JSON.stringify(staying.map((t) => t.name))}, lists ${JSON.stringify(listedAfter)} ` +
        `(screenshot ${afterShot})`,
    );
    const countsAfter = {};
    for (const c of ['arrived', 'late', 'missing', 'leave', 'absent', 'expected']) countsAfter[c] = await counter(page, c);
    const want = { arrived: '1', late: '0', missing: String(staying.length), leave: '1', absent: '0', expected: String(trainees.length) };
    check(
      JSON.stringify(countsAfter) === JSON.stringify(want),
      `the counters should read ${JSON.stringify(want)}, read ${JSON.stringify(countsAfter)} (screenshot ${afterShot})`,
    );
    // The state of check-in, its switch, and the day's sessions.
    check((await page.locator('#state').innerText()).trim() === '签到中', `#state should say 签到中\n  ${await describe(page)}`);
    check((await page.locator('#toggle').innerText()).trim() === '结束签到', `#toggle should offer 结束签到`);
    check((await page.locator('#switch option:checked').count()) === 1, `#switch should hold this session, chosen`);
    // An empty reason is refused with a message, and nothing is sent.
    const sent = seen.corrections.length;
    const other = staying[0];
    seen.nextAnswer = '   ';
    await page.locator(`#missing li[data-enrollment="${other.id}"]`).getByRole('button', { name: '请假' }).click();
    await page.waitForTimeout(300);
    const alerts = seen.dialogs.filter((d) => d.type === 'alert');
    check(
      alerts.length === 1 && alerts[0].message.includes('必须填写原因') && seen.corrections.length === sent,
      `an empty reason should be refused with a message and send nothing: ${JSON.stringify(seen.dialogs)}`,
    );
    // The wrong 请假 is undone (with a reason): back among the missing.
    const done = page.locator(`#arrived li[data-enrollment="${leaving.id}"]`);
    await done.getByRole('button', { name: '撤销' }).click();
    await waitUntil(
      page,
      `${leaving.name} back in #missing after undoing the 请假`,
      (id) =>
        Boolean(document.querySelector(`#missing li[data-enrollment="${id}"]`)) &&
        document.getElementById('c-leave').textContent.trim() === '0',
      leaving.id,
    );
    await screenshot(page, 'monitor-undone.png');
    // Successful check-ins are not "abnormal attempts"; the far scan is, with who (name and unit), why, how far and
    // when (the page polls the attempts every 15 s).
    const farUnit = (await page.locator(`#missing li[data-enrollment="${far.id}"] .who small`).innerText()).trim();
    check(farUnit !== '', `${far.name}'s unit should show in #missing\n  ${await describe(page)}`);
    await waitUntil(
      page,
      `${far.name} listed in #attempts after the refused scan`,
      (name) => Array.from(document.querySelectorAll('#attempts li .who'), (w) => w.firstChild?.textContent).includes(name),
      far.name,
    );
    const attempts = await page.evaluate(() =>
      Array.from(document.querySelectorAll('#attempts li'), (li) => ({
        name: li.querySelector('.who')?.firstChild?.textContent ?? '',
        details: Array.from(li.querySelectorAll('.who small'), (s) => s.textContent.trim()),
        at: li.querySelector(':scope > span')?.textContent.trim() ?? '',
      })),
    );
    const attemptsShot = await screenshot(page, 'monitor-attempts.png');
    check(
      attempts.length === 1 &&
        attempts[0].name === far.name &&
        attempts[0].details[0] === farUnit &&
        /^不在签到范围内 · 距离 \d{4,} 米$/.test(attempts[0].details[1] ?? '') &&
        /^\d\d:\d\d$/.test(attempts[0].at),
      `#attempts should list only ${far.name} (${farUnit}) with 不在签到范围内 · 距离 N 米 and a time, lists ` +
        `${JSON.stringify(attempts)} (screenshot ${attemptsShot})`,
    );
    check(seen.polls >= 2, `the page asked for the summary ${seen.polls} time(s)`);
    check(seen.errors.length === 0, `the page logged errors:\n  ${seen.errors.join('\n  ')}`);
    return { title, sub, counts: countsAfter, shots: [beforeShot, afterShot] };
  } catch (e) {
    await failureShot(page, screenshotDir, 'monitor-failure.png', e);
    throw e;
  } finally {
    await page.close();
  }
}

await run('monitor', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  // A 班主任's phone.
  const context = await launchPhone(browser, { timezoneId: 'Asia/Shanghai' });
  const r = await drive(context);
  await context.close();
  return (
    `${JSON.stringify(r.title)} ${JSON.stringify(r.sub)}; ${arriving.name} checked in, ` +
    `${leaving.name} marked 请假 (${JSON.stringify(reason)}); ${far.name} refused from afar, listed by name; counters ${JSON.stringify(r.counts)}; screenshots ${r.shots.join(', ')}`
  );
});
