// End-to-end test of the trainee's own page (/h5/me) in headless Chromium at a phone viewport (375 px).
// Run by tests/api/browser_me.rs against a server it started; usable by hand too:
//
//   node e2e/me.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON
//
// SCENARIO_JSON describes what the server holds (browser_me.rs builds it):
//   token, device_id         a trainee's login (the page keeps them in localStorage)
//   name, unit               the trainee, as the page's header shows them
//   today                    the server's date, YYYY-MM-DD: the session picker's default
//   class_id                 the trainee's class
//   sessions                 [{id, title, time: "09:00–12:00", day: "11月26日"}]: today's two sessions, in order
//   sick_reason, personal_reason  what to type as the reasons
//   unread_before            the inbox's unread count before the approval
//   discipline               [{category_label, severity_label, description, when, annul_reason|null}], newest first
//
// The script and its driver take turns:
//   1. with empty localStorage the page asks for the invite code; the script stores the token and reloads;
//   2. it checks 考勤 (nothing yet) and 违纪 (one record, one annulled), opens 请假, submits with no type and with
//      no session (both errors shown), asks for 病假 on the first session with a reason and an image, asks for
//      事假 on the second and withdraws it (撤回), opens the image, writes me-pending.png and prints
//      "SUBMITTED <leave id>" on stdout;
//   3. the driver approves that request as the class's 班主任 and writes "APPROVED <unread>" on the script's stdin,
//      with the inbox's unread count after the approval (the result, and any warnings the leave set off);
//   4. the script reloads: the request is 已批准 with the step, the 消息 badge shows that count; 考勤 shows the
//      session as 请假; writes me-approved.png; opens 消息, taps the unread approval message, the badge goes one
//      down; writes me-inbox.png.
// Prints SUBMITTED and one summary line on stdout; exits 0 when every check passes, 1 on a failed check or error,
// 2 on bad arguments. The browser runs in UTC, so China time on the page is the page's doing.

import {
  WAIT_MS,
  args,
  badArgs,
  baseUrl,
  check,
  collectErrors,
  describePage,
  eventually,
  failureShot,
  launchPhone,
  lines,
  overflow,
  postJson,
  redacted,
  run,
  scenarioArg,
  shot,
  signal,
  storeLogin,
  waiter,
} from './lib.mjs';

const DRIVER_MS = 30_000;
const SHOTS = ['me-pending.png', 'me-approved.png', 'me-inbox.png', 'me-failure.png'];
// A 2×2 PNG: the "sick note".
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGM4ISYLRAwQCgAeLgPtNNgDzAAAAABJRU5ErkJggg==',
  'base64',
);

const usage = 'usage: node e2e/me.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON';
const [baseArg, screenshotDir, scenarioJson] = args(usage, 3);
const base = baseUrl(baseArg);
const s = scenarioArg(scenarioJson, usage);
if (!s.token || !s.device_id || !/^\d{4}-\d\d-\d\d$/.test(s.today || '') || s.sessions?.length !== 2 || !s.sick_reason?.trim()) {
  badArgs(`SCENARIO_JSON lacks a token, device id, today, two sessions or a reason: ${scenarioJson}`, usage);
}
const [sick, personal] = s.sessions;

// What the page shows, for failure messages.
const describe = (page) =>
  describePage(page, (text) => {
    const tab = document.querySelector('.tabs button.active');
    return [
      `url=${location.href}`,
      `#bind: ${text('bind')}`,
      `#who: ${text('who')}`,
      `active tab: ${tab ? tab.dataset.tab : 'none'}`,
      `#inbox-badge: ${text('inbox-badge')}`,
      `#load-error: ${text('load-error')}`,
      `#leave-error: ${text('leave-error')}`,
      `#leave-ok: ${text('leave-ok')}`,
      `#leave-sessions: ${text('leave-sessions')}`,
      `#leave-list: ${text('leave-list')}`,
      `#leave-list-error: ${text('leave-list-error')}`,
    ];
  });

// Watches the page: uncaught errors, console errors, dialogs, and the requests that change something.
function watch(page) {
  const seen = { errors: collectErrors(page), dialogs: [], posts: [], answers: [] };
  // The 撤回 confirmation is accepted; nothing else should ask.
  page.on('dialog', async (d) => {
    seen.dialogs.push({ type: d.type(), message: d.message() });
    if (d.type() === 'confirm') await d.accept();
    else await d.dismiss();
  });
  page.on('request', (r) => {
    if (r.method() !== 'POST') return;
    const url = new URL(r.url());
    const body = url.pathname === '/api/v1/attachments' ? null : postJson(r);
    seen.posts.push({ path: url.pathname, body, auth: r.headers().authorization || '' });
  });
  page.on('response', async (r) => {
    if (r.request().method() !== 'POST') return;
    const url = new URL(r.url());
    let body;
    try {
      body = r.status() === 204 ? null : await r.json();
    } catch {
      body = { unreadable: true };
    }
    seen.answers.push({ path: url.pathname, status: r.status(), body });
  });
  return seen;
}

const waitUntil = waiter(describe);

const screenshot = (page, name) => shot(page, screenshotDir, name);

const text = (page, selector) => page.locator(selector).innerText().then((t) => t.trim());
const badge = (page) =>
  page.evaluate(() => {
    const b = document.getElementById('inbox-badge');
    return b.classList.contains('hidden') ? '' : b.textContent.trim();
  });
// One leave request's row as the page shows it.
const leaveRow = (page, id) =>
  page.evaluate((leaveId) => {
    const li = document.querySelector(`#leave-list li[data-leave-id="${leaveId}"]`);
    if (!li) return null;
    return {
      status: li.dataset.status,
      text: li.innerText,
      statusLabel: li.querySelector('.status')?.textContent ?? '',
      buttons: Array.from(li.querySelectorAll('button'), (b) => b.textContent.trim()),
      steps: Array.from(li.querySelectorAll('.step'), (x) => x.textContent.trim()),
    };
  }, id);
const sessionBox = (page, id) =>
  page.evaluate((sessionId) => {
    const li = document.querySelector(`#leave-sessions li[data-session-id="${sessionId}"]`);
    if (!li) return null;
    const box = li.querySelector('input[type=checkbox]');
    return { disabled: box.disabled, checked: box.checked, text: li.innerText };
  }, id);
async function askForLeave(page, seen, { session, kind, label, reason, image }) {
  await page.locator(`#leave-sessions li[data-session-id="${session.id}"] input`).check();
  await page.locator('#leave-kinds label', { hasText: label }).click();
  check(
    (await page.locator(`#leave-kinds input[value="${kind}"]`).isChecked()) &&
      (await page.locator('#leave-kinds label.on').innerText()).trim() === label,
    `tapping ${label} should select it and mark it\n  ${await describe(page)}`,
  );
  await page.locator('#leave-reason').fill(reason);
  if (image) {
    await page.locator('#leave-file').setInputFiles({ name: 'sick-note.png', mimeType: 'image/png', buffer: PNG });
    // The file picker is a Chinese button with the chosen file's name, not the browser's "Choose File".
    check(
      (await page.locator('label.file-button').innerText()).trim() === '选择图片' &&
        (await page.locator('#leave-file-name').innerText()).trim() === 'sick-note.png',
      `the picker should read 选择图片 and show sick-note.png\n  ${await describe(page)}`,
    );
  }
  const before = seen.answers.length;
  const listed = await page.locator('#leave-list li.leave').count();
  await page.locator('#leave-submit').click();
  // Listed, and the picker reloaded after the list (the session now taken), or an error shown.
  await waitUntil(
    page,
    `the ${label} request for ${session.title} is answered, listed, and its session taken`,
    (want) => {
      const ok = document.getElementById('leave-ok');
      const err = document.getElementById('leave-error');
      const box = document.querySelector(`#leave-sessions li[data-session-id="${want.session}"] input`);
      return (
        (!ok.classList.contains('hidden') &&
          document.querySelectorAll('#leave-list li.leave').length === want.n &&
          box &&
          box.disabled) ||
        !err.classList.contains('hidden')
      );
    },
    { n: listed + 1, session: session.id },
  );
  check(!(await page.locator('#leave-error').isVisible()), `asking for ${label} failed: ${await text(page, '#leave-error')}`);
  // The answer is recorded once its body is read, which may be after the page has shown it.
  const answer = await eventually(() => seen.answers.slice(before).find((a) => a.path === '/api/v1/me/leave-requests'));
  check(answer && answer.status === 201 && answer.body?.id, `POST /me/leave-requests should answer 201 with the request, got ${JSON.stringify(answer)}`);
  const sent = seen.posts.filter((p) => p.path === '/api/v1/me/leave-requests').pop();
  const upload = seen.answers.slice(before).find((a) => a.path === '/api/v1/attachments');
  const want = { class_id: s.class_id, kind, reason, session_ids: [session.id] };
  if (image) {
    check(upload && upload.status === 201 && upload.body?.mime === 'image/png', `the image upload should answer 201 image/png, got ${JSON.stringify(upload)}`);
    want.attachment_id = upload.body.id;
  } else {
    check(!upload, `no image was chosen, yet the page uploaded one: ${JSON.stringify(upload)}`);
  }
  check(
    JSON.stringify(sent.body) === JSON.stringify(want) && sent.auth === `Bearer ${s.token}`,
    `the page should send ${JSON.stringify(want)} with the trainee's token, sent ${JSON.stringify(redacted(sent))}`,
  );
  const ok = await text(page, '#leave-ok');
  check(ok === '已提交，等待班主任审批', `after submitting, #leave-ok should say 已提交，等待班主任审批, says ${JSON.stringify(ok)}`);
  check(
    (await page.locator('#leave-reason').inputValue()) === '' && (await page.locator('#leave-kinds input:checked').count()) === 0,
    'the form should be cleared after submitting',
  );
  const row = await leaveRow(page, answer.body.id);
  const when = `${session.day} ${session.time} · 3 学时`;
  check(
    row &&
      row.status === 'pending' &&
      row.statusLabel === '待审批' &&
      row.text.includes(label) &&
      row.text.includes(when) &&
      row.text.includes(session.title) &&
      row.text.includes(`事由：${reason}`) &&
      row.text.includes('等待班主任审批') &&
      JSON.stringify(row.buttons) === JSON.stringify(image ? ['查看附图', '撤回'] : ['撤回']),
    `the new request should be listed as ${label} 待审批 (${when}, ${session.title}, 等待班主任审批) with ` +
      `${image ? '查看附图 and ' : ''}撤回, shows ${JSON.stringify(row)}`,
  );
  const box = await sessionBox(page, session.id);
  check(box && box.disabled && box.text.includes('已申请'), `${session.title} should now be disabled as 已申请, is ${JSON.stringify(box)}`);
  return answer.body.id;
}

async function drive(context, driver) {
  const page = await context.newPage();
  const seen = watch(page);
  const result = {};
  try {
    // 1. No token: the invite code form, nothing else. Then the trainee's login goes into localStorage.
    await page.goto(`${base}/h5/me`);
    await page.waitForSelector('#bind', { state: 'visible', timeout: WAIT_MS });
    check(!(await page.locator('#app').isVisible()), `the page shows the tabs without a login\n  ${await describe(page)}`);
    await page.evaluate(storeLogin, [s.token, s.device_id]);
    await page.reload();

    // 2a. 考勤 first: the header, nothing attended yet (the sessions have not started), the unread badge.
    await waitUntil(
      page,
      'the page logged in: header, 考勤 tab loaded and the unread badge',
      (want) =>
        !document.getElementById('app').classList.contains('hidden') &&
        document.getElementById('who').textContent === want.who &&
        document.querySelector('.tabs button.active')?.dataset.tab === 'attendance' &&
        document.querySelectorAll('#attendance-list li').length > 0 &&
        document.getElementById('inbox-badge').textContent === String(want.unread),
      { who: `${s.name} · ${s.unit}`, unread: s.unread_before },
    );
    check(!(await page.locator('#bind').isVisible()), `the invite form is still shown with a token\n  ${await describe(page)}`);
    const attendance = await text(page, '#attendance-list');
    check(attendance.startsWith('暂无考勤记录'), `before any session starts, 考勤 should be empty, shows ${JSON.stringify(attendance)}`);
    check((await text(page, '#t-credit')) === '0' && (await text(page, '#t-leave')) === '0', 'the totals should start at 0');
    check((await badge(page)) === String(s.unread_before), `the 消息 badge should show ${s.unread_before}, shows ${await badge(page)}`);

    // 2b. 违纪: newest first, the annulled one marked 已撤销 with its reason.
    await page.locator('.tabs button[data-tab="discipline"]').click();
    await waitUntil(
      page,
      `违纪 lists ${s.discipline.length} records`,
      (n) => document.querySelectorAll('#discipline-list li[data-record-id]').length === n,
      s.discipline.length,
    );
    const records = await page.locator('#discipline-list li[data-record-id]').allInnerTexts();
    s.discipline.forEach((d, i) => {
      const shown = records[i];
      const ok =
        shown.includes(d.category_label) &&
        shown.includes(d.description) &&
        shown.includes(d.when) &&
        shown.includes(d.severity_label) &&
        (d.annul_reason ? shown.includes('已撤销') && shown.includes(`撤销原因：${d.annul_reason}`) : !shown.includes('已撤销'));
      check(ok, `违纪 record ${i + 1} should show ${JSON.stringify(d)}, shows ${JSON.stringify(shown)}`);
    });

    // 2c. 请假: today's sessions in the picker, the date defaulting to the server's today.
    await page.locator('.tabs button[data-tab="leave"]').click();
    await waitUntil(
      page,
      'the session picker lists both of today\'s sessions',
      (ids) => ids.every((id) => document.querySelector(`#leave-sessions li[data-session-id="${id}"] input`)),
      [sick.id, personal.id],
    );
    check((await page.locator('#leave-date').inputValue()) === s.today, `the date should default to ${s.today}`);
    // Days read as 11月26日 周四 in China time, whatever language the browser has.
    const shownDay = (await page.locator('#leave-date option:checked').innerText()).trim();
    check(/^\d{1,2}月\d{1,2}日 周[一二三四五六日]（今天）$/.test(shownDay), `the chosen day should read like 11月26日 周四（今天）, reads ${JSON.stringify(shownDay)}`);
    check(
      (await page.locator('#leave-class option').count()) === 1 && (await page.locator('#leave-class').inputValue()) === s.class_id,
      'the class picker should hold the trainee\'s one class',
    );
    for (const x of s.sessions) {
      const box = await sessionBox(page, x.id);
      check(
        box && !box.disabled && !box.checked && box.text.includes(x.title) && box.text.includes(x.time),
        `${x.title} should be offered (${x.time}), shows ${JSON.stringify(box)}`,
      );
    }
    check((await text(page, '#leave-list')) === '暂无请假申请', 'no requests yet');

    // Errors: no type (checked here), then no session (the server's message, shown as it is).
    await page.locator('#leave-submit').click();
    check((await text(page, '#leave-error')) === '请选择请假类型', `submitting without a type: ${await text(page, '#leave-error')}`);
    check(!seen.posts.some((p) => p.path === '/api/v1/me/leave-requests'), 'nothing should be sent without a type');
    await page.locator('#leave-kinds label', { hasText: '病假' }).click();
    await page.locator('#leave-reason').fill(s.sick_reason);
    await page.locator('#leave-submit').click();
    await waitUntil(
      page,
      'the server\'s answer to a request without sessions is shown',
      () => !document.getElementById('leave-error').classList.contains('hidden') &&
        document.getElementById('leave-error').textContent !== '请选择请假类型',
    );
    const refused = await eventually(() => seen.answers.find((a) => a.path === '/api/v1/me/leave-requests'));
    check(
      refused && refused.status === 422 && refused.body?.code === 'leave_no_sessions' &&
        (await text(page, '#leave-error')) === refused.body.message,
      `without sessions the server says 422 leave_no_sessions and the page shows its message; got ${JSON.stringify(refused)}, ` +
        `shown ${JSON.stringify(await text(page, '#leave-error'))}`,
    );

    // The real requests: 病假 with an image, then 事假, withdrawn.
    const sickId = await askForLeave(page, seen, { session: sick, kind: 'sick', label: '病假', reason: s.sick_reason, image: true });
    const personalId = await askForLeave(page, seen, {
      session: personal,
      kind: 'personal',
      label: '事假',
      reason: s.personal_reason,
      image: false,
    });
    const ids = await page.locator('#leave-list li.leave').evaluateAll((lis) => lis.map((li) => li.dataset.leaveId));
    // Both listed (the server orders by creation time; the test clock stands still, so not which first).
    check(ids.length === 2 && ids.includes(personalId) && ids.includes(sickId), `both requests listed: ${ids}`);
    await page.locator(`#leave-list li[data-leave-id="${personalId}"] button`, { hasText: '撤回' }).click();
    await waitUntil(
      page,
      'the withdrawn 事假 is listed as 已撤回 and its session offered again',
      (want) =>
        document.querySelector(`#leave-list li[data-leave-id="${want.leave}"]`)?.dataset.status === 'cancelled' &&
        document.querySelector(`#leave-sessions li[data-session-id="${want.session}"] input`)?.disabled === false,
      { leave: personalId, session: personal.id },
    );
    const withdrawn = await leaveRow(page, personalId);
    check(
      withdrawn.statusLabel === '已撤回' && withdrawn.buttons.length === 0 && !withdrawn.text.includes('等待'),
      `a withdrawn request shows 已撤回 and no buttons, shows ${JSON.stringify(withdrawn)}`,
    );
    check(
      seen.dialogs.length === 1 && seen.dialogs[0].type === 'confirm' && seen.dialogs[0].message.includes('撤回'),
      `撤回 should ask once for confirmation, dialogs ${JSON.stringify(seen.dialogs)}`,
    );
    check(
      seen.posts.some((p) => p.path === `/api/v1/me/leave-requests/${personalId}/cancel`),
      `撤回 should POST …/${personalId}/cancel`,
    );
    const freed = await sessionBox(page, personal.id);
    check(freed && !freed.disabled && !freed.text.includes('已申请'), `${personal.title} is free again after 撤回, is ${JSON.stringify(freed)}`);
    const stillPending = await leaveRow(page, sickId);
    check(stillPending.status === 'pending', `the 病假 is still pending: ${JSON.stringify(stillPending)}`);

    // The image the trainee attached, fetched with their token.
    await page.locator(`#leave-list li[data-leave-id="${sickId}"] button`, { hasText: '查看附图' }).click();
    await waitUntil(
      page,
      'the attached image shows',
      (id) => {
        const img = document.querySelector(`#leave-list li[data-leave-id="${id}"] img.proof`);
        return img && img.complete && img.naturalWidth === 2;
      },
      sickId,
    );
    check((await overflow(page)) <= 0, `the page is wider than the phone by ${await overflow(page)} px`);
    result.shots = [await screenshot(page, 'me-pending.png')];

    // 3. The driver approves the 病假.
    signal(`SUBMITTED ${sickId}`);
    const line = await driver.next('waiting for the approval', DRIVER_MS);
    const unread = Number((/^APPROVED (\d+)$/.exec(line) || [])[1]);
    check(unread > s.unread_before, `expected "APPROVED <unread>" with more than ${s.unread_before} unread on stdin, got ${JSON.stringify(line)}`);

    // 4a. After a reload (the tab stays 请假): 已批准 with the step, and one more unread message.
    await page.reload();
    await waitUntil(
      page,
      `the 病假 listed as 已批准 and the 消息 badge at ${unread}`,
      (want) => {
        const li = document.querySelector(`#leave-list li[data-leave-id="${want.id}"]`);
        const b = document.getElementById('inbox-badge');
        return li && li.dataset.status === 'approved' && !b.classList.contains('hidden') && b.textContent === String(want.unread);
      },
      { id: sickId, unread },
    );
    check(
      (await page.evaluate(() => document.querySelector('.tabs button.active').dataset.tab)) === 'leave',
      'after the reload the 请假 tab should still be open',
    );
    const approved = await leaveRow(page, sickId);
    check(
      approved.statusLabel === '已批准' &&
        JSON.stringify(approved.buttons) === JSON.stringify(['查看附图']) &&
        !approved.text.includes('等待') &&
        approved.steps.length === 1 &&
        approved.steps[0].startsWith('班主任 ') &&
        approved.steps[0].includes('：同意，意见：同意（11月26日 '),
      `the approved request shows 已批准, one step by the 班主任 with the comment, and no 撤回; shows ${JSON.stringify(approved)}`,
    );
    // The picker is drawn by a request of its own, after the list: wait for it rather than race it.
    await waitUntil(
      page,
      `the session picker lists ${sick.title} again after the reload`,
      (id) => !!document.querySelector(`#leave-sessions li[data-session-id="${id}"] input`),
      sick.id,
    );
    const stillTaken = await sessionBox(page, sick.id);
    check(stillTaken && stillTaken.disabled, `${sick.title} stays 已申请 once approved, is ${JSON.stringify(stillTaken)}`);
    result.shots.push(await screenshot(page, 'me-approved.png'));

    // 4b. 考勤: the session is now 请假.
    await page.locator('.tabs button[data-tab="attendance"]').click();
    await waitUntil(
      page,
      `考勤 lists ${sick.title} as 请假`,
      (id) => document.querySelector(`#attendance-list li[data-session-id="${id}"] .tag`)?.textContent === '请假',
      sick.id,
    );
    check((await text(page, '#t-leave')) === '1', `the 请假 total should be 1, is ${await text(page, '#t-leave')}`);
    const row = await text(page, `#attendance-list li[data-session-id="${sick.id}"]`);
    check(row.includes(`${sick.day} ${sick.time.split('–')[0]}`) && row.includes('说明：病假（已批准）'), `考勤 row: ${JSON.stringify(row)}`);

    // 4c. 消息: every message listed, as many unread as the badge says, the approval among them; tapping it reads
    // it and the badge goes one down.
    await page.locator('.tabs button[data-tab="inbox"]').click();
    await waitUntil(page, 'the inbox lists its messages', () => document.querySelectorAll('#inbox-list li[data-message-id]').length > 0);
    const shownUnread = await page.locator('#inbox-list li.unread').count();
    check(shownUnread === unread, `the inbox should show ${unread} unread messages, shows ${shownUnread}`);
    const approval = page.locator('#inbox-list li[data-message-id]', { hasText: '请假已批准' });
    check((await approval.count()) === 1, `one message titled 请假已批准, found ${await approval.count()}\n  ${await text(page, '#inbox-list')}`);
    const approvalText = await approval.innerText();
    check(
      (await approval.getAttribute('class')) === 'unread' && approvalText.includes('病假申请已批准') &&
        approvalText.includes('审批意见：同意') && approvalText.includes('2026-11-26 09:00 至 2026-11-26 12:00'),
      `the approval message should be unread and say what was approved, is ${JSON.stringify(approvalText)}`,
    );
    result.messageId = await approval.getAttribute('data-message-id');
    await approval.click();
    await waitUntil(
      page,
      'the tapped message is read and the badge one down',
      (want) => {
        const b = document.getElementById('inbox-badge');
        const shown = b.classList.contains('hidden') ? 0 : Number(b.textContent);
        return document.querySelector(`#inbox-list li[data-message-id="${want.id}"]`).className === 'read' && shown === want.unread;
      },
      { id: result.messageId, unread: unread - 1 },
    );
    const read = await eventually(() => seen.answers.find((a) => a.path === `/api/v1/inbox/${result.messageId}/read`));
    check(read && read.status === 204, `tapping should POST /inbox/${result.messageId}/read → 204, got ${JSON.stringify(read)}`);
    check((await overflow(page)) <= 0, `the page is wider than the phone by ${await overflow(page)} px`);
    result.shots.push(await screenshot(page, 'me-inbox.png'));

    check(seen.dialogs.length === 1, `only the 撤回 confirmation should have been asked, saw ${JSON.stringify(seen.dialogs)}`);
    // Chromium logs every answer ≥ 400 as a console error: the one deliberate 422 is expected, nothing else.
    const unexpected = seen.errors.filter((e) => !(e.includes('status of 422') && e.includes('/api/v1/me/leave-requests)')));
    check(seen.errors.length - unexpected.length === 1, `expected the deliberate 422 to be logged once: ${seen.errors}`);
    check(unexpected.length === 0, `the page logged errors:\n  ${unexpected.join('\n  ')}`);
    result.sickId = sickId;
    result.unread = unread;
    result.personalId = personalId;
    return result;
  } catch (e) {
    await failureShot(page, screenshotDir, 'me-failure.png', e);
    throw e;
  } finally {
    await page.close();
  }
}

await run('me', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  const driver = lines();
  try {
    // A trainee's phone, in a time zone other than China's: the page must show China time itself.
    const context = await launchPhone(browser, { timezoneId: 'UTC' });
    const r = await drive(context, driver);
    await context.close();
    return (
      `病假 ${r.sickId} asked and approved, 事假 ${r.personalId} withdrawn, ` +
      `message ${r.messageId} read; screenshots ${r.shots.join(', ')}`
    );
  } finally {
    driver.close();
  }
});
