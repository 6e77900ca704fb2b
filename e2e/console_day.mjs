// End-to-end test of the staff console, part 2: the day's work and the end of a class, in headless Chromium at
// 1366×768, every screen also shot at 375 px. Run by tests/api/browser_console_day.rs against a server it started
// and answering on stdin; usable by hand too:
//
//   node e2e/console_day.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON
//
// SCENARIO_JSON describes what the server holds and what to do (browser_console_day.rs builds it):
//   admin {username, password}                an administrator
//   staff {username, password, display_name}  the class's 班主任
//   class {id, name, code}                    the running class
//   session {id, title, expected}             today's session, its check-in window open now; `expected` trainees
//   arriving                                  how many trainees the driver checks in while the board is open
//   absent [name]                             the trainees who do not check in
//   leave {names: [name], reason}             three of `absent`, set to 请假 on the board with one reason
//   requests [{name, kind, reason, decision, comment}]
//                                             the two leave requests waiting for the 班主任; `decision` is
//                                             "approve" or "reject", `comment` what to type ("" for none)
//   completion {withhold {name, enrollment_id, reason}, issue, withheld}
//                                             the trainee withheld by hand; how many certificates the issue
//                                             gives and how many are withheld
//   unit {name, trainees}                     the sending unit whose report is downloaded, and its size
//
// Everything goes through the console's pages, never the JSON API:
//   1. the 班主任 signs in, opens 今日 (the session with its counts, the two requests waiting) and, through the
//      session's 考勤 link, its live board with 实到 0; prints "BOARD OPEN";
//   2. the driver checks `arriving` trainees in and answers "CHECKED IN <n>" on stdin; the board shows 实到 <n>
//      within 15 s without a reload (a marker left on `window` survives, the page never navigates);
//   3. 只看未到 lists exactly `absent`; ticks the three in `leave.names`, chooses 请假, types the reason, submits:
//      已修改 3 名学员, each with the reason as the note; prints "MARKED <names JSON>";
//   4. 请假审批: approves one request, rejects the other with its comment; both land under 最近处理;
//   5. the administrator, in a browser of their own, sets the class to 已结业 in its edit form, opens 结业与证书,
//      withholds one trainee with a reason (the page now offers to issue to the others), issues the certificates
//      (the browser's confirm() names how many are issued and withheld; a native dialog, so it is checked, not
//      shot), downloads the class ZIP, then from 报表 the unit's report as Excel; prints "ZIP <path>" and
//      "XLSX <path>" (both saved in SCREENSHOT_DIR).
// Each screen is written as console-day-<screen>-1366.png, then the same page at 375×812 as
// console-day-<screen>-375.png. Any uncaught error, console error or Content-Security-Policy violation on any page
// fails the run; confirm() dialogs are accepted and recorded. Prints BOARD OPEN, MARKED, ZIP, XLSX and one summary
// line on stdout; exits 0 when every check passes, 1 on a failed check or error, 2 on bad arguments.

import path from 'node:path';

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
  lines,
  newContext,
  overflow,
  run,
  scenarioArg,
  shot,
  signal,
  waiter,
} from './lib.mjs';

const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 375, height: 812 };
const SCREENS = [
  'today',
  'board',
  'board-live',
  'board-marked',
  'leave',
  'leave-decided',
  'inbox',
  'class-edit',
  'completion',
  'withhold',
  'issued',
  'reports',
  'archive',
];
const ZIP_FILE = 'console-day-certificates.zip';
const XLSX_FILE = 'console-day-unit-report.xlsx';
const SHOTS = [
  ...SCREENS.flatMap((s) => [`console-day-${s}-1366.png`, `console-day-${s}-375.png`]),
  'console-day-failure.png',
  'console-day-admin-failure.png',
  ZIP_FILE,
  XLSX_FILE,
];
/** How long the driver may take to check everyone in. */
const DRIVER_MS = 30_000;

const usage = 'usage: node e2e/console_day.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON';
const [baseArg, screenshotDir, scenarioJson] = args(usage, 3);
const base = baseUrl(baseArg);
const s = scenarioArg(scenarioJson, usage);
if (
  !s.admin?.password ||
  !s.staff?.password ||
  !s.staff?.display_name ||
  !s.class?.id ||
  !s.session?.id ||
  !(s.arriving > 0) ||
  s.leave?.names?.length !== 3 ||
  !s.leave.reason?.trim() ||
  !s.leave.names.every((n) => s.absent?.includes(n)) ||
  s.requests?.length !== 2 ||
  !s.requests.some((r) => r.decision === 'approve') ||
  !s.requests.some((r) => r.decision === 'reject' && r.comment.trim()) ||
  !s.completion?.withhold?.reason?.trim() ||
  !s.completion.withhold.enrollment_id ||
  !s.unit?.name
) {
  badArgs(`SCENARIO_JSON lacks accounts, the class, its session, the leave, the requests or the completion: ${scenarioJson}`, usage);
}
const sorted = (list) => [...list].sort();
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// What the page shows, for failure messages.
const describe = (page) =>
  describePage(page, () => {
    const all = (selector) => Array.from(document.querySelectorAll(selector), (e) => e.innerText.trim().replace(/\s+/g, ' '));
    const main = document.querySelector('main') || document.body;
    return [
      `url=${location.href}`,
      `h1: ${JSON.stringify(all('h1'))}`,
      `flash: ${JSON.stringify(all('.flash'))}`,
      `counts: ${JSON.stringify(all('.counts'))}`,
      `page: ${JSON.stringify(main.innerText.trim().replace(/\s+/g, ' ').slice(0, 800))}`,
    ];
  });
const waitUntil = waiter(describe);

// Reports Content-Security-Policy violations as console errors, which collectErrors records.
function reportViolations() {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation on ${e.documentURI}: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
  });
}

// Watches every page of a context: errors, dialogs (confirm() accepted, its question recorded), any request to the
// JSON API, and each navigation of a page's main frame (`seen.navigations`, by page).
async function watch(context, seen) {
  await context.addInitScript(reportViolations);
  context.on('page', (page) => {
    collectErrors(page, seen.errors);
    page.on('dialog', async (d) => {
      seen.dialogs.push({ type: d.type(), message: d.message() });
      if (d.type() === 'confirm') await d.accept();
      else await d.dismiss();
    });
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/')) seen.api.push(`${r.method()} ${url.pathname}`);
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) seen.navigations += 1;
    });
  });
}

/** Runs `action` (a click, a goto) and waits for the page it leads to to load; fails with `what` otherwise. */
async function loads(page, what, action) {
  try {
    await Promise.all([page.waitForEvent('load'), action()]);
  } catch (e) {
    e.message = `${what}: ${e.message.split('\n')[0]}\n  ${await describe(page).catch(() => '(page gone)')}`;
    throw e;
  }
}

/** Like check(), with what the page shows added to the message when the check fails. */
async function checkOn(page, condition, message) {
  if (!condition) throw new AssertionFailed(`${message}\n  ${await describe(page)}`);
}

/** Checks the page's path (and query, when given). */
async function at(page, path, search) {
  const url = new URL(page.url());
  if (url.pathname !== path || (search !== undefined && url.search !== search)) {
    throw new AssertionFailed(`expected to be at ${path}${search ?? ''}, am at ${url.pathname}${url.search}\n  ${await describe(page)}`);
  }
}

const text = (page, selector) => page.locator(selector).innerText().then((t) => t.trim().replace(/\s+/g, ' '));

/** console-day-<name>-1366.png, then the same page at 375 px wide; notes overflow at 375. */
async function screens(page, name, seen) {
  await shot(page, screenshotDir, `console-day-${name}-1366.png`);
  await page.setViewportSize(PHONE);
  const over = await overflow(page);
  if (over > 0) seen.overflow.push(`${name} ${over} px`);
  await shot(page, screenshotDir, `console-day-${name}-375.png`);
  await page.setViewportSize(DESKTOP);
  seen.shots += 2;
}

async function signIn(page, account) {
  await loads(page, 'the sign-in page', () => page.goto(`${base}/console/classes`));
  await at(page, '/console/login');
  await page.locator('#username').fill(account.username);
  await page.locator('#password').fill(account.password);
  await loads(page, 'signing in', () => page.getByRole('button', { name: '登录' }).click());
  await at(page, '/console/classes');
}

/** Clicks a class tab and checks where it led. */
async function tab(page, label, path) {
  await loads(page, `the ${label} tab`, () => page.locator('nav.tabs').getByRole('link', { name: label, exact: true }).click());
  await at(page, path);
  const current = await text(page, 'nav.tabs a[aria-current="page"]');
  check(current === label, `the ${label} tab should be marked current, ${JSON.stringify(current)} is`);
}

/** The counters of a `.counts` panel by label, e.g. {应到: 34, 实到: 0, …}; runs in the page. */
function countBoxes(selector) {
  const boxes = document.querySelectorAll(`${selector} .count-box`);
  return Object.fromEntries(
    Array.from(boxes, (box) => {
      const number = box.querySelector('b');
      return [box.innerText.replace(number ? number.innerText : '', '').trim(), Number(number ? number.innerText.trim() : NaN)];
    }),
  );
}
const counts = (page, selector) => page.evaluate(countBoxes, selector);

/** The board's rows: name, unit, status label, note. */
const boardRows = (page) =>
  page.$$eval('table.list.board tbody tr', (rows) =>
    rows.map((tr) => {
      const cells = Array.from(tr.cells, (c) => c.innerText.trim());
      return { name: cells[1], unit: cells[2], status: cells[4], note: cells[6] };
    }),
  );

/** Saves a download started by `click` as SCREENSHOT_DIR/`name`; returns its path and the name the server gave. */
async function download(page, what, click, name) {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), click()]);
  const failure = await file.failure();
  check(!failure, `${what}: the download failed: ${failure}`);
  const saved = path.join(screenshotDir, name);
  await file.saveAs(saved);
  return { saved, suggested: file.suggestedFilename() };
}

// 1–4: the 班主任.
async function headTeacher(browser, seen, driver) {
  const context = await newContext(browser, { viewport: DESKTOP, timezoneId: 'Asia/Shanghai' });
  await watch(context, seen);
  const page = await context.newPage();
  const c = s.class;
  const sid = s.session.id;
  try {
    // 1. 今日: the session with its counts, and the requests waiting.
    await signIn(page, s.staff);
    const who = await text(page, 'header .who');
    check(who === `${s.staff.display_name}（班级工作人员）`, `the top bar should name the 班主任, says ${JSON.stringify(who)}`);
    await loads(page, '今日', () => page.locator('nav.menu').getByRole('link', { name: '今日', exact: true }).click());
    await at(page, '/console/today');
    const waiting = await text(page, '#today .flash.warn');
    check(waiting === `有 ${s.requests.length} 件请假申请等待您审批`, `今日 should say two requests wait, says ${JSON.stringify(waiting)}`);
    const panel = page.locator('#today section.panel', { hasText: c.name });
    await checkOn(page, (await panel.count()) === 1, `今日 should show ${c.name}`);
    const line = panel.locator('tbody tr', { hasText: s.session.title });
    await checkOn(page, (await line.count()) === 1, `今日 should list ${s.session.title} once`);
    const cells = await line.locator('td').allInnerTexts();
    check(
      cells[3].trim() === '签到中' && cells[4].trim() === String(s.session.expected) && cells[5].trim() === '0',
      `今日's line should show 签到中, 应到 ${s.session.expected} and 实到 0: ${JSON.stringify(cells)}`,
    );
    await screens(page, 'today', seen);

    // The live board, through the line's 考勤 link.
    await loads(page, 'the board', () => line.getByRole('link', { name: '考勤', exact: true }).click());
    await at(page, `/console/sessions/${sid}/board`);
    const before = await counts(page, '#board-counts');
    check(before['应到'] === s.session.expected && before['实到'] === 0, `the board should start at 应到 ${s.session.expected}, 实到 0: ${JSON.stringify(before)}`);
    const rows = await boardRows(page);
    check(rows.length === s.session.expected, `the board should list ${s.session.expected} trainees, lists ${rows.length}`);
    await screens(page, 'board', seen);

    // 2. The driver checks trainees in; the counts follow without a reload.
    const marker = `day-${Date.now()}`;
    await page.evaluate((m) => {
      window.rollcallDayMarker = m;
    }, marker);
    const navigations = seen.navigations;
    signal('BOARD OPEN');
    const answer = await driver.next('waiting for the check-ins', DRIVER_MS);
    const arrived = Number((/^CHECKED IN (\d+)$/.exec(answer) || [])[1]);
    check(arrived === s.arriving, `expected "CHECKED IN ${s.arriving}" on stdin, got ${JSON.stringify(answer)}`);
    await waitUntil(
      page,
      `the board's 实到 at ${arrived} without a reload`,
      ({ want, selector }) => {
        const box = Array.from(document.querySelectorAll(`${selector} .count-box`)).find((b) => b.innerText.includes('实到'));
        return Boolean(box && box.querySelector('b') && box.querySelector('b').innerText.trim() === String(want));
      },
      { want: arrived, selector: '#board-counts' },
    );
    check(seen.navigations === navigations, `the board navigated ${seen.navigations - navigations} time(s) while waiting`);
    check((await page.evaluate(() => window.rollcallDayMarker)) === marker, 'the marker left on window is gone: the page reloaded');
    const live = await counts(page, '#board-counts');
    check(
      live['实到'] === arrived && live['未签到'] === s.session.expected - arrived,
      `after the check-ins the board should count 实到 ${arrived}, 未签到 ${s.session.expected - arrived}: ${JSON.stringify(live)}`,
    );
    await screens(page, 'board-live', seen);

    // 3. Three of those still missing (只看未到) to 请假, with one reason.
    await loads(page, '只看未到', () => page.locator('form.board .filters').getByRole('link', { name: '只看未到', exact: true }).click());
    await at(page, `/console/sessions/${sid}/board`, '?show=missing');
    const missing = await boardRows(page);
    check(
      same(sorted(missing.map((r) => r.name)), sorted(s.absent)) && missing.every((r) => r.status === '未签到'),
      `只看未到 should list ${JSON.stringify(s.absent)} as 未签到, lists ${JSON.stringify(missing)}`,
    );
    for (const name of s.leave.names) await page.getByLabel(`选择 ${name}`, { exact: true }).check();
    await page.locator('#status').selectOption({ label: '请假' });
    await page.locator('#reason').fill(s.leave.reason);
    await loads(page, 'setting three trainees to 请假', () => page.locator('form.board').getByRole('button', { name: '修改', exact: true }).click());
    await at(page, `/console/sessions/${sid}/board`, '?done=3');
    const done = await text(page, '.flash.ok');
    await checkOn(page, done.includes('已修改 3 名学员'), `the board should say 已修改 3 名学员, says ${JSON.stringify(done)}`);
    const marked = (await boardRows(page)).filter((r) => s.leave.names.includes(r.name));
    check(
      marked.length === 3 && marked.every((r) => r.status === '请假' && r.note === s.leave.reason),
      `the three should be 请假 with the reason as the note: ${JSON.stringify(marked)}`,
    );
    const after = await counts(page, '#board-counts');
    check(after['请假'] === 3 && after['实到'] === arrived, `the counts should show 请假 3, 实到 ${arrived}: ${JSON.stringify(after)}`);
    await screens(page, 'board-marked', seen);
    signal(`MARKED ${JSON.stringify(s.leave.names)}`);

    // 4. 请假审批: one approved, one rejected with a comment.
    await loads(page, '请假审批', () => page.locator('nav.menu').getByRole('link', { name: '请假审批', exact: true }).click());
    await at(page, '/console/leave');
    const heading = await text(page, 'main h1');
    check(heading === `请假审批 ${s.requests.length} 件待审批`, `请假审批's heading: ${JSON.stringify(heading)}`);
    for (const r of s.requests) {
      const card = page.locator('section.leave-card', { has: page.locator('h2', { hasText: r.name }) });
      await checkOn(page, (await card.count()) === 1, `one card for ${r.name}`);
      const facts = await card.locator('dl.facts').innerText();
      check(facts.includes(r.kind) && facts.includes(r.reason), `${r.name}'s card should show ${r.kind} and ${JSON.stringify(r.reason)}: ${JSON.stringify(facts)}`);
    }
    await screens(page, 'leave', seen);
    for (const r of s.requests) {
      const card = page.locator('section.leave-card', { has: page.locator('h2', { hasText: r.name }) });
      const approving = r.decision === 'approve';
      const form = card.locator(`form[action$="/${approving ? 'approve' : 'reject'}"]`);
      await form.locator('input[name="comment"]').fill(r.comment);
      const button = form.getByRole('button', { name: approving ? '批准' : '驳回', exact: true });
      await loads(page, `${approving ? 'approving' : 'rejecting'} ${r.name}'s request`, () => button.click());
      await at(page, '/console/leave', `?done=${approving ? 'approved' : 'rejected'}`);
      const said = await text(page, '.flash.ok');
      const want = approving ? '已批准，学员会收到通知。' : '已驳回，学员会收到通知和您的意见。';
      await checkOn(page, said === want, `请假审批 should say ${want}, says ${JSON.stringify(said)}`);
    }
    await checkOn(page, (await text(page, 'main')).includes('没有等待您审批的请假申请'), 'the queue should be empty');
    const decided = await page.$$eval('section.panel table.list tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.cells, (td) => td.innerText.trim())),
    );
    for (const r of s.requests) {
      const row = decided.find((d) => d[0] === r.name);
      const status = r.decision === 'approve' ? '已批准' : '未批准';
      check(
        row && row[5] === status && row[6].includes(s.staff.display_name) && (!r.comment || row[6].includes(r.comment)),
        `最近处理 should list ${r.name} as ${status} by ${s.staff.display_name}${r.comment ? ` with ${JSON.stringify(r.comment)}` : ''}: ${JSON.stringify(row)}`,
      );
    }
    await screens(page, 'leave-decided', seen);

    // 消息: the two requests arrived as messages; opening them clears the menu's count.
    await loads(page, '消息', () => page.click('nav.menu a[href="/console/inbox"]'));
    await at(page, '/console/inbox');
    const messages = await page.locator('table.inbox tbody tr').count();
    check(messages >= 2, `消息 should list the two leave requests, lists ${messages}`);
    await screens(page, 'inbox', seen);
  } catch (e) {
    await failureShot(page, screenshotDir, 'console-day-failure.png', e);
    throw e;
  } finally {
    await context.close();
  }
}

// 5. The administrator ends the class.
async function administrator(browser, seen) {
  const context = await newContext(browser, { viewport: DESKTOP, timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  await watch(context, seen);
  const page = await context.newPage();
  const c = s.class;
  const k = s.completion;
  const out = {};
  try {
    await signIn(page, s.admin);
    await loads(page, 'the class', () => page.locator('#class-list').getByRole('link', { name: c.name }).click());
    await at(page, `/console/classes/${c.id}`);
    await loads(page, 'the edit form', () => page.locator('section.panel', { hasText: '基本信息' }).getByRole('link', { name: '修改' }).click());
    await at(page, `/console/classes/${c.id}/edit`);
    await page.locator('#status').selectOption({ label: '已结业' });
    await screens(page, 'class-edit', seen);
    await loads(page, 'saving the class as 已结业', () => page.getByRole('button', { name: '保存', exact: true }).click());
    await at(page, `/console/classes/${c.id}`, '?saved=1');
    const heading = await text(page, 'main h1');
    check(heading.startsWith(c.name) && heading.includes('已结业'), `the class page's heading should say 已结业: ${JSON.stringify(heading)}`);

    // 结业与证书: everyone eligible, nothing issued yet.
    const total = s.session.expected;
    await tab(page, '结业与证书', `/console/classes/${c.id}/completion`);
    const first = await counts(page, 'main section.counts');
    check(
      first['准予结业'] === total && first['不予结业'] === 0 && first['已发证书'] === 0,
      `结业与证书 should start at 准予结业 ${total}, 不予结业 0, 已发证书 0: ${JSON.stringify(first)}`,
    );
    await screens(page, 'completion', seen);

    // One trainee withheld by hand, with a reason.
    const row = page.locator('table.completion tbody tr', { has: page.locator('td:first-child', { hasText: k.withhold.name }) });
    await checkOn(page, (await row.count()) === 1, `one row for ${k.withhold.name}`);
    await row.locator('details summary', { hasText: '人工决定' }).click();
    const form = row.locator(`form[action$="/completion/${k.withhold.enrollment_id}"]`);
    await form.locator('select[name="decision"]').selectOption('withhold');
    await form.locator('input[name="reason"]').fill(k.withhold.reason);
    await loads(page, `withholding ${k.withhold.name}`, () => form.getByRole('button', { name: '保存', exact: true }).click());
    await at(page, `/console/classes/${c.id}/completion`, '?done=decided');
    await checkOn(page, (await text(page, '.flash.ok')) === '已保存人工决定，学员会收到通知。', '结业与证书 should say the decision was saved');
    const withheldRow = await row.locator('td').allInnerTexts();
    check(
      withheldRow[4].trim() === '不予结业' && withheldRow[5].includes(`经审核不予结业：${k.withhold.reason}`),
      `${k.withhold.name} should be 不予结业 with the reason: ${JSON.stringify(withheldRow)}`,
    );
    const second = await counts(page, 'main section.counts');
    check(second['准予结业'] === k.issue && second['不予结业'] === k.withheld, `the counts after withholding: ${JSON.stringify(second)}`);
    await screens(page, 'withhold', seen);

    // Issue, after the confirmation that counts.
    const issue = page.getByRole('button', { name: `发放结业证书（${k.issue} 人）`, exact: true });
    await checkOn(page, (await issue.count()) === 1, `结业与证书 should offer 发放结业证书（${k.issue} 人）`);
    const dialogs = seen.dialogs.length;
    await loads(page, 'issuing the certificates', () => issue.click());
    const asked = seen.dialogs.slice(dialogs);
    const question = `将为 ${k.issue} 人发放结业证书，${k.withheld} 人不予结业（会收到通知和原因）。确定发放？`;
    check(
      asked.length === 1 && asked[0].type === 'confirm' && asked[0].message === question,
      `issuing should ask ${JSON.stringify(question)} once, asked ${JSON.stringify(asked)}`,
    );
    await at(page, `/console/classes/${c.id}/completion`, `?issued=${k.issue}`);
    const issued = await text(page, '.flash.ok');
    await checkOn(page, issued === `已发放 ${k.issue} 份结业证书，学员会收到通知。`, `结业与证书 should say ${k.issue} were issued, says ${JSON.stringify(issued)}`);
    const third = await counts(page, 'main section.counts');
    check(third['已发证书'] === k.issue, `已发证书 should be ${k.issue}: ${JSON.stringify(third)}`);
    check((await issue.count()) === 0, 'nothing is left to issue');
    const withheldCert = (await row.locator('td').allInnerTexts())[6].trim();
    check(withheldCert === '—', `${k.withhold.name} should have no certificate, has ${JSON.stringify(withheldCert)}`);
    await screens(page, 'issued', seen);

    const zip = await download(page, 'the class ZIP', () => page.getByRole('link', { name: '下载全部证书（ZIP）' }).click(), ZIP_FILE);
    check(zip.suggested.endsWith('.zip') && zip.suggested.includes(c.code), `the ZIP should be named after the class, is ${zip.suggested}`);
    signal(`ZIP ${zip.saved}`);
    out.zip = zip.suggested;

    // 报表: the unit's report as Excel.
    await tab(page, '报表', `/console/classes/${c.id}/reports`);
    const unitRow = page.locator('table.list tbody tr', { has: page.locator('td:first-child', { hasText: s.unit.name }) });
    await checkOn(page, (await unitRow.count()) === 1, `报表 should list ${s.unit.name} once`);
    const unitCells = (await unitRow.locator('td').allInnerTexts()).map((t) => t.trim());
    check(unitCells[1] === String(s.unit.trainees), `${s.unit.name} should have ${s.unit.trainees} trainees: ${JSON.stringify(unitCells)}`);
    await screens(page, 'reports', seen);
    const xlsx = await download(page, `${s.unit.name}'s report`, () => unitRow.getByRole('link', { name: 'Excel', exact: true }).click(), XLSX_FILE);
    check(xlsx.suggested.endsWith('.xlsx'), `the unit report should be an .xlsx, is ${xlsx.suggested}`);
    signal(`XLSX ${xlsx.saved}`);
    out.xlsx = xlsx.suggested;

    // 系统管理 / 学时档案: the year's archive form.
    await loads(page, '学时档案', () => page.goto(new URL('/console/admin/archive', base).href));
    check((await page.locator('#year').inputValue()) !== '', '学时档案 should offer this year');
    await screens(page, 'archive', seen);
    return out;
  } catch (e) {
    await failureShot(page, screenshotDir, 'console-day-admin-failure.png', e);
    throw e;
  } finally {
    await context.close();
  }
}

await run('console_day', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  const seen = { errors: [], dialogs: [], api: [], overflow: [], shots: 0, navigations: 0 };
  const driver = lines();
  try {
    await headTeacher(browser, seen, driver);
  } finally {
    driver.close();
  }
  const files = await administrator(browser, seen);
  check(seen.errors.length === 0, `the pages logged errors:\n  ${seen.errors.join('\n  ')}`);
  check(seen.api.length === 0, `the console pages called the JSON API: ${JSON.stringify(seen.api)}`);
  return (
    `${s.arriving} check-ins seen live on the board, ${s.leave.names.length} set to 请假, ` +
    `${s.requests.length} requests decided, class ${s.class.code} finished, ${s.completion.withheld} withheld, ` +
    `${s.completion.issue} certificates issued, downloaded ${files.zip} and ${files.xlsx}; ` +
    `dialogs ${JSON.stringify(seen.dialogs)}; wider than 375 px: ${seen.overflow.length ? seen.overflow.join(', ') : 'none'}; ` +
    `${seen.shots} screenshots in ${screenshotDir}`
  );
});
