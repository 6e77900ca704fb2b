// End-to-end test of the staff console's class set-up (/console/) in headless Chromium at 1366×768, every screen
// also shot at 375 px. Run by tests/api/browser_console.rs against a server it started; usable by hand too:
//
//   node e2e/console.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON
//
// SCENARIO_JSON describes what the server holds and what to type (browser_console.rs builds it):
//   admin {username, password}              an administrator
//   staff {username, password, display_name}  a staff account on no class yet: assigned as 班主任 here
//   class {code, name, kind, start_date, end_date, organiser, venue}  the class to create
//   other_class {code, name}                the only class so far; the 班主任 is not on it
//   roster {bad_file, bad_total, bad_rows: [{row, cell, problem}], good_file, trainees: [name]}
//                                           CSV files: one with bad rows (row numbers count the header as 1, `cell`
//                                           is a value of the row, `problem` the text shown for it), and the fixed
//                                           one, whose trainees are `trainees`
//   timetable {from, to, weekdays: [1–7], days: [YYYY-MM-DD], slots: [{start, end, title, kind, credit, venue}],
//              sessions, credit}            the repeat rule, the days it gives, how many sessions and 学时
//
// Everything goes through the console's pages, never the JSON API:
//   1. the administrator signs in, sees the other class, creates the class with 新建培训班 and prints
//      "CLASS <id>" once on its page;
//   2. assigns the staff account as 班主任 (安排工作人员 / 角色 / 安排);
//   3. 学员名单 → 导入名单: the bad file's preview marks each bad row with its problem, says nothing was imported and
//      offers no 确认导入; the fixed file's preview has no problem and a 确认导入 N 行 button, which imports the
//      trainees into the roster;
//   4. 课表 → 按规则批量添加: the rule gives the week's sessions, listed by day;
//   5. 学员名单 → 打印邀请卡 opens the invite sheet in a new page: one card per trainee with a code; prints
//      "INVITES [{name, code}]";
//   6. the 班主任 signs in in a browser of their own: only this class in 班级, and its roster.
// Each screen is written as console-<screen>-1366.png, then the same page at 375×812 as console-<screen>-375.png.
// Any uncaught error, console error or Content-Security-Policy violation on any page fails the run; confirm()
// dialogs are accepted. Prints CLASS, INVITES and one summary line on stdout; exits 0 when every check passes, 1 on
// a failed check or error, 2 on bad arguments.

import path from 'node:path';
import {
  AssertionFailed,
  args,
  badArgs,
  baseUrl,
  check,
  collectErrors,
  describePage,
  failureShot,
  newContext,
  overflow,
  run,
  scenarioArg,
  shot,
  signal,
} from './lib.mjs';

const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 375, height: 812 };
const SCREENS = [
  'login',
  'classes',
  'class-new',
  'class',
  'import-errors',
  'import-clean',
  'roster',
  'repeat',
  'timetable',
  'invites',
  'policy',
  'session-edit',
  'screen-links',
  'trainee',
  'admin-staff',
  'admin-audit',
  'admin-outbox',
  'staff-classes',
];
const SHOTS = [
  ...SCREENS.flatMap((s) => [`console-${s}-1366.png`, `console-${s}-375.png`]),
  'console-failure.png',
  'console-staff-failure.png',
];

const usage = 'usage: node e2e/console.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON';
const [baseArg, screenshotDir, scenarioJson] = args(usage, 3);
const base = baseUrl(baseArg);
const s = scenarioArg(scenarioJson, usage);
if (
  !s.admin?.password ||
  !s.staff?.password ||
  !s.staff?.display_name ||
  !s.class?.code ||
  !s.other_class?.code ||
  !s.roster?.bad_file ||
  !s.roster?.good_file ||
  !s.roster?.bad_rows?.length ||
  !s.roster?.trainees?.length ||
  !s.timetable?.slots?.length ||
  s.timetable.slots.length > 4 ||
  !s.timetable.days?.length
) {
  badArgs(`SCENARIO_JSON lacks accounts, the classes, the roster files or the timetable: ${scenarioJson}`, usage);
}
const trainees = s.roster.trainees;
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
      `field errors: ${JSON.stringify(all('.field-error'))}`,
      `page: ${JSON.stringify(main.innerText.trim().replace(/\s+/g, ' ').slice(0, 800))}`,
    ];
  });

// Reports Content-Security-Policy violations as console errors, which collectErrors records (Chromium logs most of
// them itself; this catches every kind, with what was blocked).
function reportViolations() {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation on ${e.documentURI}: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
  });
}

// Watches every page of a context (popups too): errors, dialogs (confirm() accepted), and any request to the API.
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
const texts = (page, selector) => page.locator(selector).allInnerTexts().then((l) => l.map((t) => t.trim()));

/** console-<name>-1366.png, then the same page at 375 px wide (console-<name>-375.png); notes overflow at 375. */
async function screens(page, name, seen) {
  const wide = await shot(page, screenshotDir, `console-${name}-1366.png`);
  await page.setViewportSize(PHONE);
  const over = await overflow(page);
  if (over > 0) seen.overflow.push(`${name} ${over} px`);
  await shot(page, screenshotDir, `console-${name}-375.png`);
  await page.setViewportSize(DESKTOP);
  seen.shots += 2;
  return wide;
}

async function signIn(page, account, seen, screen) {
  await loads(page, 'the sign-in page', () => page.goto(`${base}/console/classes`));
  await at(page, '/console/login');
  if (screen) await screens(page, screen, seen);
  await page.locator('#username').fill(account.username);
  await page.locator('#password').fill(account.password);
  await loads(page, 'signing in', () => page.getByRole('button', { name: '登录' }).click());
  await at(page, '/console/classes');
}

/** Clicks a class tab (概况, 课表, 学员名单) and checks where it led. */
async function tab(page, label, path) {
  await loads(page, `the ${label} tab`, () => page.locator('nav.tabs').getByRole('link', { name: label, exact: true }).click());
  await at(page, path);
  const current = await text(page, 'nav.tabs a[aria-current="page"]');
  check(current === label, `the ${label} tab should be marked current, ${JSON.stringify(current)} is`);
}

// The import preview's rows: row number, the cells, whether marked bad, the problems.
const previewRows = (page) =>
  page.$$eval('table.preview tbody tr', (rows) =>
    rows.map((tr) => {
      const cells = Array.from(tr.cells, (c) => c.innerText.trim());
      return { number: Number(cells[0]), cells: cells.slice(1, -1), bad: tr.classList.contains('bad'), problems: cells.at(-1) };
    }),
  );

async function uploadRoster(page, file, what) {
  // A Chinese button and the chosen file's name, not the browser's "Choose File" control.
  const button = await text(page, 'label.file-button[for="file"]');
  check(/^(重新)?选择文件$/.test(button), `the file button should say 选择文件, says ${JSON.stringify(button)}`);
  const box = await page.locator('#file').boundingBox();
  check(!box || (box.width <= 1 && box.height <= 1), `the browser's own file control is showing: ${JSON.stringify(box)}`);
  await page.locator('#file').setInputFiles(file);
  const picked = await text(page, '[data-file-name-for="file"]');
  check(picked === path.basename(file), `the chosen file's name should show, ${JSON.stringify(picked)} does`);
  await loads(page, what, () => page.getByRole('button', { name: '上传并检查' }).click());
  await at(page, `/console/classes/${s.class.id}/roster/import`);
  return previewRows(page);
}

// 1–5: the administrator.
async function administrator(browser, seen) {
  const context = await newContext(browser, { viewport: DESKTOP, timezoneId: 'Asia/Shanghai' });
  await watch(context, seen);
  const page = await context.newPage();
  const c = s.class;
  try {
    // 1. Sign in; the class list has the other class only; create the class.
    await signIn(page, s.admin, seen, 'login');
    const listed = await texts(page, '#class-list td.code');
    check(same(listed, [s.other_class.code]), `the class list should hold ${s.other_class.code} only, holds ${JSON.stringify(listed)}`);
    const pager = await text(page, '#class-list .pager');
    check(pager.includes('共 1 个班级'), `the class list should say 共 1 个班级, says ${JSON.stringify(pager)}`);
    await screens(page, 'classes', seen);

    await loads(page, '新建培训班', () => page.getByRole('link', { name: '新建培训班' }).click());
    await at(page, '/console/classes/new');
    await page.locator('#code').fill(c.code);
    await page.locator('#name').fill(c.name);
    await page.locator('#kind').selectOption(c.kind);
    await page.locator('#start_date').fill(c.start_date);
    await page.locator('#end_date').fill(c.end_date);
    await page.locator('#organiser').fill(c.organiser);
    await page.locator('#venue').fill(c.venue);
    await page.locator('#status').selectOption('open');
    await screens(page, 'class-new', seen);
    await loads(page, 'saving the new class', () => page.getByRole('button', { name: '保存' }).click());
    const created = /^\/console\/classes\/([0-9a-f-]{36})$/.exec(new URL(page.url()).pathname);
    if (!created) throw new AssertionFailed(`saving should lead to the class's page, led to ${page.url()}\n  ${await describe(page)}`);
    c.id = created[1];
    signal(`CLASS ${c.id}`);
    await at(page, `/console/classes/${c.id}`, '?saved=1');
    const heading = await text(page, 'main h1');
    check(heading.startsWith(c.name) && heading.includes('进行中'), `the class page's heading: ${JSON.stringify(heading)}`);
    await checkOn(page, (await text(page, '.flash.ok')) === '已保存。', `the class page should say 已保存。`);
    const facts = await text(page, 'dl.facts');
    for (const part of [c.code, '主体班', `${c.start_date} 至 ${c.end_date}`, c.organiser, c.venue]) {
      check(facts.includes(part), `基本信息 should show ${JSON.stringify(part)}: ${JSON.stringify(facts)}`);
    }

    // 2. The staff account as 班主任.
    const staffPanel = page.locator('section.panel', { hasText: '班级工作人员' });
    const empty = (await staffPanel.locator('.empty').innerText()).trim();
    check(empty.includes('还没有为本班分配'), `a new class has no staff yet, the page says ${JSON.stringify(empty)}`);
    const label = `${s.staff.display_name}（${s.staff.username}）`;
    await page.locator('#staff_id').selectOption({ label });
    await page.locator('#role').selectOption({ label: '班主任' });
    await loads(page, '安排', () => page.getByRole('button', { name: '安排', exact: true }).click());
    await at(page, `/console/classes/${c.id}`, '?saved=1');
    const staffRows = await staffPanel.locator('table.list tbody tr').evaluateAll((rows) =>
      rows.map((tr) => Array.from(tr.cells, (td) => td.innerText.trim()).slice(0, 3)),
    );
    check(
      same(staffRows, [[s.staff.display_name, s.staff.username, '班主任']]),
      `班级工作人员 should list ${s.staff.display_name} as 班主任, lists ${JSON.stringify(staffRows)}`,
    );
    const offered = await page.locator('#staff_id option').allInnerTexts();
    check(!offered.includes(label), `${label} is assigned and should no longer be offered: ${JSON.stringify(offered)}`);
    await screens(page, 'class', seen);

    // 3. The roster: a file with problems is refused row by row, the fixed one imported after its preview.
    await tab(page, '学员名单', `/console/classes/${c.id}/roster`);
    await checkOn(page, (await text(page, '#roster-list')).includes('名单还是空的'), `a new class's roster should be empty`);
    await loads(page, '导入名单', () => page.getByRole('link', { name: '导入名单（Excel/CSV）' }).click());
    await at(page, `/console/classes/${c.id}/roster/import`);

    const bad = await uploadRoster(page, s.roster.bad_file, 'checking the file with problems');
    check(bad.length === s.roster.bad_total, `the preview should show all ${s.roster.bad_total} rows, shows ${JSON.stringify(bad)}`);
    for (const want of s.roster.bad_rows) {
      const row = bad.find((r) => r.number === want.row);
      check(
        row && row.bad && row.problems.includes(want.problem) && row.cells.includes(want.cell),
        `row ${want.row} (${want.cell}) should be marked bad with ${JSON.stringify(want.problem)}, is ${JSON.stringify(row)}`,
      );
    }
    const marked = bad.filter((r) => r.bad).map((r) => r.number);
    check(
      same(marked, s.roster.bad_rows.map((r) => r.row)),
      `only rows ${JSON.stringify(s.roster.bad_rows.map((r) => r.row))} should be marked bad, ${JSON.stringify(marked)} are`,
    );
    check(bad.every((r) => r.bad || r.problems === ''), `rows not marked bad should have no problem: ${JSON.stringify(bad)}`);
    const badSummary = await text(page, 'p.summary');
    check(
      badSummary.includes(`共 ${s.roster.bad_total} 行`) && badSummary.includes(`${s.roster.bad_rows.length} 处问题`),
      `the summary should count ${s.roster.bad_total} rows and ${s.roster.bad_rows.length} problems: ${JSON.stringify(badSummary)}`,
    );
    const refusal = await text(page, 'section.panel .flash.err');
    check(refusal.includes('整个文件都没有导入'), `the page should say nothing was imported, says ${JSON.stringify(refusal)}`);
    const confirms = await page.getByRole('button', { name: /确认导入/ }).count();
    await checkOn(page, confirms === 0, `a file with problems must not offer 确认导入`);
    await screens(page, 'import-errors', seen);

    const good = await uploadRoster(page, s.roster.good_file, 'checking the fixed file');
    check(
      good.length === trainees.length && good.every((r) => !r.bad && r.problems === ''),
      `the fixed file's ${trainees.length} rows should show no problem: ${JSON.stringify(good)}`,
    );
    check(
      same(sorted(good.map((r) => r.cells[0])), sorted(trainees)),
      `the preview should list ${JSON.stringify(trainees)}: ${JSON.stringify(good)}`,
    );
    const goodSummary = await text(page, 'p.summary');
    check(
      goodSummary.includes(`可导入 ${trainees.length} 行`) && goodSummary.includes('没有发现问题'),
      `the summary should say ${trainees.length} rows can be imported and no problem: ${JSON.stringify(goodSummary)}`,
    );
    await checkOn(page, (await page.locator('.flash.err').count()) === 0, `a clean file shows no refusal`);
    const confirm = page.getByRole('button', { name: `确认导入 ${trainees.length} 行` });
    await checkOn(page, (await confirm.count()) === 1, `a clean file should offer 确认导入 ${trainees.length} 行`);
    await screens(page, 'import-clean', seen);
    await loads(page, '确认导入', () => confirm.click());
    await at(page, `/console/classes/${c.id}/roster`, `?added=${trainees.length}`);
    const added = await text(page, '.flash.ok');
    check(added === `已加入 ${trainees.length} 名学员。`, `the roster should say 已加入 ${trainees.length} 名学员。, says ${JSON.stringify(added)}`);
    await checkRoster(page, 'after the import');
    await screens(page, 'roster', seen);

    // 4. The timetable by a repeat rule.
    const t = s.timetable;
    await tab(page, '课表', `/console/classes/${c.id}/sessions`);
    await checkOn(page, (await text(page, 'main')).includes('还没有课程'), `a new class has no sessions`);
    await loads(page, '按规则批量添加', () => page.getByRole('link', { name: '按规则批量添加' }).click());
    await at(page, `/console/classes/${c.id}/sessions/repeat`);
    await page.locator('#from').fill(t.from);
    await page.locator('#to').fill(t.to);
    for (let day = 1; day <= 7; day += 1) {
      await page.locator(`input[name="weekday"][value="${day}"]`).setChecked(t.weekdays.includes(day));
    }
    await page.locator('#skip').fill('');
    for (let n = 1; n <= 4; n += 1) {
      const slot = t.slots[n - 1];
      const field = (part) => page.locator(`[name="s${n}_${part}"]`);
      if (slot) {
        await field('start').fill(slot.start);
        await field('end').fill(slot.end);
        await field('title').fill(slot.title);
        await field('kind').selectOption(slot.kind);
        await field('credit').fill(slot.credit);
        await field('venue').fill(slot.venue);
      } else {
        for (const part of ['start', 'end', 'title']) await field(part).fill('');
      }
    }
    await screens(page, 'repeat', seen);
    await loads(page, '生成课程', () => page.getByRole('button', { name: '生成课程' }).click());
    await at(page, `/console/classes/${c.id}/sessions`, `?added=${t.sessions}`);
    const addedSessions = await text(page, '.flash.ok');
    check(addedSessions === `已添加 ${t.sessions} 节课程。`, `the timetable should say 已添加 ${t.sessions} 节课程。, says ${JSON.stringify(addedSessions)}`);
    const count = await text(page, '.toolbar .hint');
    check(
      count === `共 ${t.sessions} 节课程，计入考勤 ${t.credit} 学时`,
      `the timetable should count 共 ${t.sessions} 节课程，计入考勤 ${t.credit} 学时, says ${JSON.stringify(count)}`,
    );
    const days = await page.$$eval('section.day', (sections) =>
      sections.map((sec) => ({
        heading: sec.querySelector('h2').innerText.trim(),
        rows: Array.from(sec.querySelectorAll('tbody tr'), (tr) => Array.from(tr.cells, (td) => td.innerText.trim()).slice(0, 5)),
      })),
    );
    const weekday = (date) => ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'][new Date(`${date}T00:00:00Z`).getUTCDay()];
    const wantDays = t.days.map((date) => ({
      heading: `${date} ${weekday(date)}`,
      rows: t.slots.map((slot) => [`${slot.start}–${slot.end}`, slot.title]),
    }));
    const shownDays = days.map((d) => ({ heading: d.heading, rows: d.rows.map((r) => r.slice(0, 2)) }));
    check(same(shownDays, wantDays), `the timetable by day should be ${JSON.stringify(wantDays)}, is ${JSON.stringify(days)}`);
    await screens(page, 'timetable', seen);

    // 5. The invite sheet, in a page of its own.
    await tab(page, '学员名单', `/console/classes/${c.id}/roster`);
    const [sheet] = await Promise.all([page.waitForEvent('popup'), page.getByRole('link', { name: '打印邀请卡' }).click()]);
    try {
      // Through /console/classes/{id}/invites to the signed print page; the check below says where it went instead.
      await sheet.waitForURL((url) => url.pathname.startsWith('/print/')).catch(() => {});
      await sheet.waitForLoadState('load');
      const where = new URL(sheet.url());
      await checkOn(
        sheet,
        where.pathname === `/print/classes/${c.id}/invites` && where.searchParams.has('sig'),
        `打印邀请卡 should lead to the signed invite sheet, led to ${sheet.url()}`,
      );
      await checkOn(sheet, (await text(sheet, 'h1')) === c.name, `the invite sheet's heading should be the class name`);
      const sub = await text(sheet, '.sub');
      check(sub.includes(c.code) && sub.includes(`共 ${trainees.length} 人`), `the invite sheet's line: ${JSON.stringify(sub)}`);
      const cards = await sheet.$$eval('.grid .card', (list) =>
        list.map((card) => ({
          name: card.querySelector('.name')?.innerText.trim() ?? '',
          code: card.querySelector('.code')?.innerText.trim() ?? '',
          qr: Boolean(card.querySelector('.qr svg')),
        })),
      );
      check(
        same(sorted(cards.map((k) => k.name)), sorted(trainees)),
        `the invite sheet should have one card per trainee ${JSON.stringify(trainees)}, has ${JSON.stringify(cards)}`,
      );
      check(
        cards.every((k) => /^[A-Z0-9]{6,}$/.test(k.code) && k.qr),
        `every card should have an invite code and a QR code: ${JSON.stringify(cards)}`,
      );
      check(new Set(cards.map((k) => k.code)).size === cards.length, `the invite codes should differ: ${JSON.stringify(cards)}`);
      await screens(sheet, 'invites', seen);
      signal(`INVITES ${JSON.stringify(cards.map(({ name, code }) => ({ name, code })))}`);
    } finally {
      await sheet.close();
    }
    await tour(page, seen);
  } catch (e) {
    await failureShot(page, screenshotDir, 'console-failure.png', e);
    throw e;
  } finally {
    await context.close();
  }
}

/** The class's other screens and 系统管理, each shot; checks what each is about. */
async function tour(page, seen) {
  const c = s.class;
  await loads(page, 'the rules tab', () => page.goto(`${base}/console/classes/${c.id}/policy`));
  check((await text(page, 'form.rules')).includes('《干部教育培训工作条例》'), 'the rules tab explains the 1/7 rule');
  await screens(page, 'policy', seen);

  await loads(page, 'the timetable', () => page.goto(`${base}/console/classes/${c.id}/sessions`));
  await loads(page, 'a session\'s edit form', () => page.locator('td.ops').first().getByRole('link', { name: '修改' }).click());
  check((await page.locator('#title').inputValue()) === s.timetable.slots[0].title, 'the edit form holds the session');
  await screens(page, 'session-edit', seen);

  await loads(page, 'the timetable', () => page.goto(`${base}/console/classes/${c.id}/sessions`));
  await loads(page, 'the big-screen links', () => page.locator('td.ops').first().getByRole('link', { name: '大屏链接' }).click());
  await loads(page, 'a new big-screen link', () => page.getByRole('button', { name: '生成大屏链接' }).click());
  const link = await page.locator('#new-link').inputValue();
  check(/\/screen\/[0-9a-f-]+#key=/.test(link), `a new link should open the big screen: ${link}`);
  await screens(page, 'screen-links', seen);

  await loads(page, 'the roster', () => page.goto(`${base}/console/classes/${c.id}/roster`));
  await loads(page, 'a trainee\'s page', () => page.locator('#roster-list tbody a').first().click());
  check((await text(page, 'main')).includes('考勤汇总'), 'the trainee page shows their attendance');
  await screens(page, 'trainee', seen);

  for (const [label, screen, path] of [
    ['工作人员账号', 'admin-staff', '/console/admin/staff'],
    ['操作日志', 'admin-audit', '/console/admin/audit'],
    ['微信通知', 'admin-outbox', '/console/admin/outbox'],
  ]) {
    await loads(page, label, () => page.goto(`${base}${path}`));
    check((await text(page, 'nav.tabs [aria-current=page]')) === label, `系统管理 → ${label}`);
    await screens(page, screen, seen);
  }
  check((await text(page, 'body')).length > 0, 'the outbox page renders');
}

/** The roster tab's table: exactly the trainees, and the count. */
async function checkRoster(page, when) {
  const names = await texts(page, '#roster-list tbody tr td:first-child');
  check(same(sorted(names), sorted(trainees)), `${when}, the roster should list ${JSON.stringify(trainees)}, lists ${JSON.stringify(names)}`);
  const pager = await text(page, '#roster-list .pager');
  check(pager.includes(`共 ${trainees.length} 名学员`), `${when}, the roster should say 共 ${trainees.length} 名学员: ${JSON.stringify(pager)}`);
}

// 6. The 班主任, in a browser of their own.
async function headTeacher(browser, seen) {
  const context = await newContext(browser, { viewport: DESKTOP, timezoneId: 'Asia/Shanghai' });
  await watch(context, seen);
  const page = await context.newPage();
  try {
    await signIn(page, s.staff, seen, null);
    const who = await text(page, 'header .who');
    check(who === `${s.staff.display_name}（班级工作人员）`, `the top bar should name the 班主任, says ${JSON.stringify(who)}`);
    const listed = await texts(page, '#class-list td.code');
    check(
      same(listed, [s.class.code]),
      `the 班主任 should see ${s.class.code} only (not ${s.other_class.code}), sees ${JSON.stringify(listed)}`,
    );
    const pager = await text(page, '#class-list .pager');
    check(pager.includes('共 1 个班级'), `the 班主任's list should say 共 1 个班级, says ${JSON.stringify(pager)}`);
    check((await page.getByRole('link', { name: '新建培训班' }).count()) === 0, 'staff should not be offered 新建培训班');
    await screens(page, 'staff-classes', seen);

    await loads(page, 'the class from the list', () => page.locator('#class-list').getByRole('link', { name: s.class.name }).click());
    await at(page, `/console/classes/${s.class.id}`);
    await tab(page, '学员名单', `/console/classes/${s.class.id}/roster`);
    await checkRoster(page, 'for the 班主任');
  } catch (e) {
    await failureShot(page, screenshotDir, 'console-staff-failure.png', e);
    throw e;
  } finally {
    await context.close();
  }
}

await run('console', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  const seen = { errors: [], dialogs: [], api: [], overflow: [], shots: 0 };
  await administrator(browser, seen);
  await headTeacher(browser, seen);
  check(seen.errors.length === 0, `the pages logged errors:\n  ${seen.errors.join('\n  ')}`);
  check(seen.api.length === 0, `the console pages called the JSON API: ${JSON.stringify(seen.api)}`);
  return (
    `class ${s.class.code} created, ${s.staff.display_name} assigned as 班主任, ${trainees.length} trainees imported ` +
    `(${s.roster.bad_rows.length} bad rows refused first), ${s.timetable.sessions} sessions generated, invite sheet ` +
    `${trainees.length} cards, the 班主任 sees only their class; dialogs ${JSON.stringify(seen.dialogs)}; ` +
    `wider than 375 px: ${seen.overflow.length ? seen.overflow.join(', ') : 'none'}; ${seen.shots} screenshots in ${screenshotDir}`
  );
});
