// End-to-end test of the staff console's page for an online live session (/console/sessions/{id}/online) in
// headless Chromium at 1366×768, every screen also shot at 375 px. Run by tests/api/browser_online.rs against a
// server it started; usable by hand too:
//
//   node e2e/console_online.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON
//
// SCENARIO_JSON describes what the server holds and what to do (browser_online.rs builds it):
//   staff {username, password}           the class's 班主任
//   class {id, name}                     the class
//   session {id, title}                  its online session (kind online_live), nothing imported yet
//   joins_file                           the meeting's attendance export (CSV) to upload
//   trainees [{name, unit, preview, assigned}]
//                                        the roster, with the status label each should get from the import
//                                        (`preview`) and after the assignment (`assigned`)
//   watched {name, unit, minutes, percent}
//                                        one trainee's watched time as the page should show it ("72 分钟", "80%")
//   unmatched {name, reason}             the one name the import cannot match (two trainees share it)
//   assign {unit}                        the trainee it is assigned to: the one of that name from that unit
//   settings {platform, meeting_number, join_url}
//                                        the 直播设置 to save (`platform` as its label, e.g. 腾讯会议)
//
// Everything goes through the console's pages, never the JSON API:
//   1. the 班主任 signs in, opens the class's 课表 tab and the session's 线上考勤: nothing imported yet, every
//      trainee listed without a record;
//   2. chooses the export behind the Chinese 选择文件 button (the browser's own control stays hidden), 上传并预览:
//      预览（尚未导入）with the figures, the shared name left to assign (no assignment offered yet), nothing stored;
//   3. 确认导入: 已导入, the records written, the shared name in 待指定的参会名称 with a select of the roster;
//   4. picks the trainee in that row's select and clicks 指定: nothing left to assign, that trainee's status changes;
//   5. saves 直播设置 (platform, meeting number, https join link): kept in the form.
// Each screen is written as console-online-<screen>-1366.png, then the same page at 375×812 as
// console-online-<screen>-375.png; at 375 px the document's width is measured (tables inside .scroll may scroll on
// their own) and the assignment's select and button must lie within the screen; every table cell's label (shown
// before its value there) must be its column's heading. Any uncaught error, console error or Content-Security-Policy
// violation fails the run. Prints "WIDTHS <JSON {screen: scrollWidth at 375}>" and one
// summary line on stdout; exits 0 when every check passes, 1 on a failed check or error, 2 on bad arguments.

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
  run,
  scenarioArg,
  shot,
  signal,
} from './lib.mjs';

const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 375, height: 812 };
const SCREENS = ['empty', 'preview', 'imported', 'assigned', 'settings'];
const SHOTS = [...SCREENS.flatMap((s) => [`console-online-${s}-1366.png`, `console-online-${s}-375.png`]), 'console-online-failure.png'];

const usage = 'usage: node e2e/console_online.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON';
const [baseArg, screenshotDir, scenarioJson] = args(usage, 3);
const base = baseUrl(baseArg);
const s = scenarioArg(scenarioJson, usage);
if (
  !s.staff?.password ||
  !s.class?.id ||
  !s.session?.id ||
  !s.session.title ||
  !s.joins_file ||
  !s.trainees?.length ||
  !s.trainees.every((t) => t.name && t.unit && t.preview && t.assigned) ||
  !s.watched?.minutes ||
  !s.unmatched?.name ||
  !s.assign?.unit ||
  !s.settings?.platform ||
  !s.settings.join_url?.startsWith('https://')
) {
  badArgs(`SCENARIO_JSON lacks the account, the class, the session, the file, the roster or what to do: ${scenarioJson}`, usage);
}
const pagePath = `/console/sessions/${s.session.id}/online`;
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const key = (name, unit) => `${name} · ${unit}`;

// What the page shows, for failure messages.
const describe = (page) =>
  describePage(page, () => {
    const all = (selector) => Array.from(document.querySelectorAll(selector), (e) => e.innerText.trim().replace(/\s+/g, ' '));
    const main = document.querySelector('main') || document.body;
    return [
      `url=${location.href}`,
      `h2: ${JSON.stringify(all('main h2'))}`,
      `flash: ${JSON.stringify(all('.flash'))}`,
      `field errors: ${JSON.stringify(all('.field-error'))}`,
      `page: ${JSON.stringify(main.innerText.trim().replace(/\s+/g, ' ').slice(0, 800))}`,
    ];
  });

// Reports Content-Security-Policy violations as console errors, which collectErrors records.
function reportViolations() {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation on ${e.documentURI}: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
  });
}

// Watches every page of a context: errors, dialogs (none expected; recorded and dismissed), any request to the API.
async function watch(context, seen) {
  await context.addInitScript(reportViolations);
  context.on('page', (page) => {
    collectErrors(page, seen.errors);
    page.on('dialog', async (d) => {
      seen.dialogs.push({ type: d.type(), message: d.message() });
      await d.dismiss();
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
async function at(page, where, search) {
  const url = new URL(page.url());
  if (url.pathname !== where || (search !== undefined && url.search !== search)) {
    throw new AssertionFailed(`expected to be at ${where}${search ?? ''}, am at ${url.pathname}${url.search}\n  ${await describe(page)}`);
  }
}

const text = (page, selector) => page.locator(selector).innerText().then((t) => t.trim().replace(/\s+/g, ' '));

/** The box of `locator` at the current viewport, or a failure naming `what`. */
async function box(page, locator, what) {
  const found = await locator.boundingBox();
  await checkOn(page, found, `${what} should be on the page`);
  return found;
}

/**
 * At 375 px: the 指定 form of the first row to assign lies within the screen, its select wide enough to read a
 * trainee's name and unit, the button beside or below it without overlapping.
 */
async function assignUsable(page) {
  const form = page.locator('section.unmatched form.assign-one').first();
  const select = await box(page, form.locator('select'), 'the assign select');
  const button = await box(page, form.getByRole('button', { name: '指定' }), 'the 指定 button');
  const inside = (b) => b.x >= 0 && b.x + b.width <= PHONE.width + 0.5;
  const apart = select.x + select.width <= button.x + 0.5 || select.y + select.height <= button.y + 0.5;
  check(
    inside(select) && inside(button) && select.width >= 140 && apart,
    `at 375 px the assign select and button should fit the screen side by side or stacked: select ${JSON.stringify(select)}, button ${JSON.stringify(button)}`,
  );
}

/**
 * Every cell of the page's tables is labelled (for narrow screens, where the headings row is hidden) with its
 * column's heading: the headings change in the preview (导入后, 现在), so must the labels.
 */
async function labelsFollowHeadings(page, name) {
  const wrong = await page.locator('main table.list').evaluateAll((tables) =>
    tables.flatMap((table) => {
      const heads = Array.from(table.querySelectorAll('thead th'), (th) => th.textContent.trim());
      return Array.from(table.querySelectorAll('tbody tr')).flatMap((tr) =>
        Array.from(tr.cells)
          .map((td, i) => [td.getAttribute('data-label'), heads[i]])
          .filter(([label, head]) => label !== head),
      );
    }),
  );
  check(wrong.length === 0, `${name}: cells labelled unlike their column ([label, heading]): ${JSON.stringify(wrong.slice(0, 5))}`);
}

/** console-online-<name>-1366.png, then the same page at 375 px wide; records the document's width at 375. */
async function screens(page, name, seen, atPhone) {
  await labelsFollowHeadings(page, name);
  await shot(page, screenshotDir, `console-online-${name}-1366.png`);
  await page.setViewportSize(PHONE);
  seen.widths[name] = await page.evaluate(() => document.documentElement.scrollWidth);
  if (atPhone) await atPhone();
  await shot(page, screenshotDir, `console-online-${name}-375.png`);
  await page.setViewportSize(DESKTOP);
  seen.shots += 2;
}

/** The 学员观看情况 table: name, unit, watched, percent, status by rule, the record now, note. */
const traineeRows = (page) =>
  page.locator('section.panel', { has: page.locator('h2', { hasText: '学员观看情况' }) }).locator('tbody tr').evaluateAll((rows) =>
    rows.map((tr) => {
      const cells = Array.from(tr.cells, (c) => c.innerText.trim());
      return { name: cells[0], unit: cells[1], watched: cells[2], percent: cells[3], status: cells[4], current: cells[5] };
    }),
  );

/**
 * Checks the trainee table: one row per trainee, each with `status(t)` by the rule and `current(t)` as its record;
 * returns the row of `s.watched`.
 */
async function checkTrainees(page, when, status, current) {
  const rows = await traineeRows(page);
  const got = rows.map((r) => [key(r.name, r.unit), r.status, r.current]).sort();
  const want = s.trainees.map((t) => [key(t.name, t.unit), status(t), current(t)]).sort();
  await checkOn(page, same(got, want), `${when}, 学员观看情况 should be ${JSON.stringify(want)}, is ${JSON.stringify(got)}`);
  return rows.find((r) => r.name === s.watched.name && r.unit === s.watched.unit);
}

/** The rows of 待指定的参会名称: name, reason, and whether the row offers a select. */
const unmatchedRows = (page) =>
  page.locator('section.unmatched tbody tr').evaluateAll((rows) =>
    rows.map((tr) => ({ name: tr.cells[0].innerText.trim(), reason: tr.cells[2].innerText.trim(), select: Boolean(tr.querySelector('select')) })),
  );

async function signIn(page, account) {
  await loads(page, 'the sign-in page', () => page.goto(`${base}/console/classes`));
  await at(page, '/console/login');
  await page.locator('#username').fill(account.username);
  await page.locator('#password').fill(account.password);
  await loads(page, 'signing in', () => page.getByRole('button', { name: '登录' }).click());
  await at(page, '/console/classes');
}

async function headTeacher(browser, seen) {
  const context = await newContext(browser, { viewport: DESKTOP, timezoneId: 'Asia/Shanghai' });
  await watch(context, seen);
  const page = await context.newPage();
  const c = s.class;
  const u = s.unmatched;
  try {
    // 1. 班级 → the class → 课表 → the session's 线上考勤.
    await signIn(page, s.staff);
    await loads(page, 'the class from the list', () => page.locator('#class-list').getByRole('link', { name: c.name }).click());
    await at(page, `/console/classes/${c.id}`);
    await loads(page, 'the 课表 tab', () => page.locator('nav.tabs').getByRole('link', { name: '课表', exact: true }).click());
    await at(page, `/console/classes/${c.id}/sessions`);
    const line = page.locator('section.day tbody tr', { hasText: s.session.title });
    await checkOn(page, (await line.count()) === 1, `课表 should list ${s.session.title} once`);
    await loads(page, '线上考勤', () => line.getByRole('link', { name: '线上考勤', exact: true }).click());
    await at(page, pagePath);
    const heading = await text(page, 'main > h2.sub');
    check(heading.startsWith(s.session.title) && heading.includes('在线直播'), `the page's heading: ${JSON.stringify(heading)}`);
    const empty = await text(page, 'section.online-summary');
    await checkOn(page, empty.includes('还没有导入参会记录'), `a session without an import should say so, says ${JSON.stringify(empty)}`);
    await checkOn(page, (await page.locator('section.unmatched').count()) === 0, 'nothing to assign before an import');
    await checkTrainees(page, 'before the import', () => '旷课', () => '—');
    await screens(page, 'empty', seen);

    // 2. The export behind the Chinese button, previewed.
    const button = await text(page, 'label.file-button[for="file"]');
    check(button === '选择文件', `the file button should say 选择文件, says ${JSON.stringify(button)}`);
    const control = await page.locator('#file').boundingBox();
    check(!control || (control.width <= 1 && control.height <= 1), `the browser's own file control is showing: ${JSON.stringify(control)}`);
    await page.locator('#file').setInputFiles(s.joins_file);
    const picked = await text(page, '[data-file-name-for="file"]');
    check(picked === path.basename(s.joins_file), `the chosen file's name should show, ${JSON.stringify(picked)} does`);
    await loads(page, '上传并预览', () => page.getByRole('button', { name: '上传并预览' }).click());
    await at(page, `${pagePath}/import`);
    const preview = await text(page, 'section.online-summary');
    await checkOn(
      page,
      preview.includes('预览（尚未导入）') && preview.includes('1 个待指定'),
      `the preview should say 预览（尚未导入） with 1 个待指定, says ${JSON.stringify(preview)}`,
    );
    const previewed = await unmatchedRows(page);
    check(
      same(previewed.map((r) => r.name), [u.name]) && previewed[0].reason.includes(u.reason) && !previewed[0].select,
      `the preview should leave ${u.name} (${u.reason}) to assign, without a select before the import: ${JSON.stringify(previewed)}`,
    );
    const w = s.watched;
    const li = await checkTrainees(page, 'in the preview', (t) => t.preview, () => '—');
    check(
      li && li.watched === `${w.minutes} 分钟` && li.percent === w.percent,
      `${w.name} should have watched ${w.minutes} 分钟 (${w.percent}), the preview says ${JSON.stringify(li)}`,
    );
    await checkOn(page, (await page.getByRole('button', { name: '确认导入' }).count()) === 1, 'the preview offers 确认导入');
    await screens(page, 'preview', seen);

    // 3. 确认导入.
    await loads(page, '确认导入', () => page.getByRole('button', { name: '确认导入' }).click());
    await at(page, pagePath);
    const query = new URL(page.url()).searchParams;
    check(query.get('done') === 'imported' && Number(query.get('n')) > 0, `确认导入 should lead to ?done=imported&n=…, led to ${page.url()}`);
    const imported = await text(page, '.flash.ok');
    check(imported === `已导入，写入 ${query.get('n')} 条考勤记录，已记入操作日志。`, `the import's notice: ${JSON.stringify(imported)}`);
    const summary = await text(page, 'section.online-summary');
    check(summary.includes('最近一次导入') && summary.includes('待指定 1'), `the summary after the import: ${JSON.stringify(summary)}`);
    const left = await unmatchedRows(page);
    check(
      same(left.map((r) => r.name), [u.name]) && left[0].select,
      `after the import ${u.name} should wait in 待指定的参会名称 with a select: ${JSON.stringify(left)}`,
    );
    await checkTrainees(page, 'after the import', (t) => t.preview, (t) => t.preview);
    await screens(page, 'imported', seen, () => assignUsable(page));

    // 4. The trainee of that name from the unit, in the row's select; 指定.
    const row = page.locator('section.unmatched tbody tr', { has: page.locator('td:first-child', { hasText: u.name }) });
    const select = row.locator('select[name="enrollment_id"]');
    const offered = (await select.locator('option').allInnerTexts()).map((o) => o.trim());
    const wantOffered = ['选择学员', ...s.trainees.map((t) => key(t.name, t.unit))];
    check(same([...offered].sort(), [...wantOffered].sort()), `the select should offer the roster, offers ${JSON.stringify(offered)}`);
    await select.selectOption({ label: key(u.name, s.assign.unit) });
    await loads(page, '指定', () => row.getByRole('button', { name: '指定', exact: true }).click());
    await at(page, pagePath);
    const done = new URL(page.url()).searchParams;
    check(done.get('done') === 'assigned', `指定 should lead to ?done=assigned, led to ${page.url()}`);
    const assigned = await text(page, '.flash.ok');
    check(assigned.startsWith('已指定，本班其他线上课程也会按此匹配'), `the assignment's notice: ${JSON.stringify(assigned)}`);
    await checkOn(page, (await page.locator('section.unmatched').count()) === 0, 'nothing should be left to assign');
    await checkTrainees(page, 'after the assignment', (t) => t.assigned, (t) => t.assigned);
    await page.locator('details.panel summary').click();
    const matched = await page.locator('details.panel tbody tr', { has: page.locator('td:first-child', { hasText: u.name }) }).allInnerTexts();
    check(
      matched.length === 1 && matched[0].includes(u.name) && matched[0].includes('已指定'),
      `已匹配的参会名称 should show ${u.name} as assigned by staff: ${JSON.stringify(matched)}`,
    );
    await screens(page, 'assigned', seen);

    // 5. 直播设置.
    const t = s.settings;
    await page.locator('#platform').selectOption({ label: t.platform });
    await page.locator('#meeting_number').fill(t.meeting_number);
    await page.locator('#join_url').fill(t.join_url);
    await loads(page, '保存设置', () => page.getByRole('button', { name: '保存设置' }).click());
    await at(page, pagePath, '?done=settings');
    const saved = await text(page, '.flash.ok');
    check(saved.startsWith('已保存直播设置'), `saving should say 已保存直播设置, says ${JSON.stringify(saved)}`);
    const platform = await page.locator('#platform option:checked').innerText();
    const kept = [platform.trim(), await page.locator('#meeting_number').inputValue(), await page.locator('#join_url').inputValue()];
    check(same(kept, [t.platform, t.meeting_number, t.join_url]), `the form should keep what was saved, holds ${JSON.stringify(kept)}`);
    await screens(page, 'settings', seen);
  } catch (e) {
    await failureShot(page, screenshotDir, 'console-online-failure.png', e);
    throw e;
  } finally {
    await context.close();
  }
}

await run('console_online', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  const seen = { errors: [], dialogs: [], api: [], widths: {}, shots: 0 };
  await headTeacher(browser, seen);
  signal(`WIDTHS ${JSON.stringify(seen.widths)}`);
  check(seen.errors.length === 0, `the pages logged errors:\n  ${seen.errors.join('\n  ')}`);
  check(seen.api.length === 0, `the console pages called the JSON API: ${JSON.stringify(seen.api)}`);
  check(seen.dialogs.length === 0, `no dialog expected, saw ${JSON.stringify(seen.dialogs)}`);
  return (
    `${s.session.title}: previewed, imported, ${s.unmatched.name} assigned to the one from ${s.assign.unit}, ` +
    `settings saved (${s.settings.platform}); widths at 375 px ${JSON.stringify(seen.widths)}; ${seen.shots} screenshots in ${screenshotDir}`
  );
});
