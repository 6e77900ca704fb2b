// End-to-end test of the evaluation questionnaire builder in headless Chromium at 1366×768, every screen also shot
// at 375 px. Run by tests/api/console_evaluation_builder.rs against a server it started; usable by hand too:
//
//   node e2e/evaluation_builder.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON
//
// SCENARIO_JSON: admin {username, password}, class {id}, and the questions to add:
//   question {text, kind, options[]}     a class question, kind as its label (单选)
//   title                                the class form's title
//
// Everything goes through the console's pages:
//   1. the administrator signs in, opens 系统管理 → 评估问卷: 系统内置问卷, both groups, 选项 hidden for the grade
//      questions (only 单选/多选 show them);
//   2. ＋ 添加全班评价问题 (htmx swaps the list in place: no page load), types the question, picks 单选 (its 选项 box
//      appears), types the options, then 上移 once (what was typed is kept, the question now above 意见和建议);
//   3. Enter in the question's text field saves (the form's default button is 保存, never 上移): ?done=saved, 已保存;
//   4. the class's 教学评估 tab: the summary names the new question; 调整本班问题 opens the builder; 删除 on
//      食宿与后勤保障 updates the summary in place (本班调整后的问题); 发起评估 creates the form.
// Each screen is written as evaluation-builder-<screen>-1366.png, then at 375×812 as …-375.png; at 375 px the
// document must be no wider than the screen and the builder's buttons at least 40 px tall and on screen. Any
// uncaught error, console error or CSP violation fails the run. Exits 0 when every check passes, 1 on a failed
// check or error, 2 on bad arguments.

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
} from './lib.mjs';

const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 375, height: 812 };
const SCREENS = ['default', 'edited', 'saved', 'class'];
const SHOTS = [...SCREENS.flatMap((s) => [`evaluation-builder-${s}-1366.png`, `evaluation-builder-${s}-375.png`]), 'evaluation-builder-failure.png'];
const FORM = '/console/admin/evaluation-form';

const usage = 'usage: node e2e/evaluation_builder.mjs BASE_URL SCREENSHOT_DIR SCENARIO_JSON';
const [baseArg, screenshotDir, scenarioJson] = args(usage, 3);
const base = baseUrl(baseArg);
const s = scenarioArg(scenarioJson, usage);
if (!s.admin?.password || !s.class?.id || !s.question?.text || !s.question.kind || !(s.question.options?.length >= 2) || !s.title) {
  badArgs(`SCENARIO_JSON lacks the account, the class or the question: ${scenarioJson}`, usage);
}

const describe = (page) =>
  describePage(page, () => {
    const all = (selector) => Array.from(document.querySelectorAll(selector), (e) => e.innerText.trim().replace(/\s+/g, ' '));
    const main = document.querySelector('main') || document.body;
    return [
      `url=${location.href}`,
      `flash: ${JSON.stringify(all('.flash'))}`,
      `page: ${JSON.stringify(main.innerText.trim().replace(/\s+/g, ' ').slice(0, 800))}`,
    ];
  });

function reportViolations() {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation on ${e.documentURI}: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
  });
}

async function checkOn(page, condition, message) {
  if (!condition) throw new AssertionFailed(`${message}\n  ${await describe(page)}`);
}

async function loads(page, what, action) {
  try {
    await Promise.all([page.waitForEvent('load'), action()]);
  } catch (e) {
    e.message = `${what}: ${e.message.split('\n')[0]}\n  ${await describe(page).catch(() => '(page gone)')}`;
    throw e;
  }
}

/** Presses a builder button: htmx swaps #question-set in place (no page load), then `ready` holds. */
async function swaps(page, what, action, ready) {
  let loaded = false;
  const onLoad = () => (loaded = true);
  page.on('load', onLoad);
  const response = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().headers()['hx-request'] === 'true');
  await action();
  await checkOn(page, (await response).status() === 200, `${what}: the builder's request should answer 200`);
  await ready();
  page.off('load', onLoad);
  await checkOn(page, !loaded, `${what}: htmx should swap the list in place, the page loaded again`);
}

const text = (page, selector) => page.locator(selector).first().innerText().then((t) => t.trim().replace(/\s+/g, ' '));

/** The texts typed in the question rows, in order. */
const rowTexts = (page) => page.locator('.qrow .qtext input').evaluateAll((inputs) => inputs.map((i) => i.value));

/** At 375 px: nothing wider than the screen; every enabled builder button on screen and at least 40 px tall. */
async function phoneUsable(page, name) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= PHONE.width + 1, `${name}: the page is ${width} px wide at ${PHONE.width} px`);
  const small = await page.locator('.qbuilder button:not([disabled]), .qform .actions button').evaluateAll((buttons) =>
    buttons
      .filter((b) => b.offsetParent !== null)
      .map((b) => ({ text: b.innerText.trim(), box: b.getBoundingClientRect().toJSON() }))
      .filter(({ box }) => box.height < 40 || box.left < 0 || box.right > window.innerWidth + 0.5),
  );
  check(small.length === 0, `${name}: buttons too small or off screen at 375 px: ${JSON.stringify(small.slice(0, 4))}`);
}

/**
 * A full-page screenshot that leaves the caret alone: hiding it (Playwright's default) leaves an empty `style`
 * attribute on every input, which htmx then copies when it swaps the list in, and the CSP refuses that.
 */
const shotKeepingCaret = (page, file) => page.screenshot({ path: path.join(screenshotDir, file), fullPage: true, caret: 'initial' });

async function screens(page, name, seen) {
  await shotKeepingCaret(page, `evaluation-builder-${name}-1366.png`);
  await page.setViewportSize(PHONE);
  await phoneUsable(page, name);
  await shotKeepingCaret(page, `evaluation-builder-${name}-375.png`);
  await page.setViewportSize(DESKTOP);
  seen.shots += 2;
}

async function admin(browser, seen) {
  const context = await newContext(browser, { viewport: DESKTOP, timezoneId: 'Asia/Shanghai' });
  await context.addInitScript(reportViolations);
  const page = await context.newPage();
  collectErrors(page, seen.errors);
  page.on('dialog', async (d) => {
    seen.dialogs.push(d.message());
    await d.dismiss();
  });
  const q = s.question;
  try {
    // 1. 系统管理 → 评估问卷.
    await loads(page, 'the sign-in page', () => page.goto(`${base}/console/login`));
    await page.locator('#username').fill(s.admin.username);
    await page.locator('#password').fill(s.admin.password);
    await loads(page, 'signing in', () => page.getByRole('button', { name: '登录' }).click());
    await loads(page, '系统管理', () => page.locator('nav.menu').getByRole('link', { name: '系统管理' }).click());
    await loads(page, '评估问卷', () => page.locator('nav.tabs').getByRole('link', { name: '评估问卷' }).click());
    await checkOn(page, new URL(page.url()).pathname === FORM, `评估问卷 should open ${FORM}`);
    await checkOn(page, (await text(page, 'section.qintro')).includes('系统内置问卷'), 'an unchanged form says 系统内置问卷');
    const legends = await page.locator('fieldset.qgroup legend').allInnerTexts();
    check(JSON.stringify(legends) === JSON.stringify(['每门课程评价', '全班评价']), `the groups: ${JSON.stringify(legends)}`);
    const visibleOptions = await page.locator('.qoptions:visible').count();
    check(visibleOptions === 0, `no built-in question is a choice, yet ${visibleOptions} 选项 boxes show`);
    await screens(page, 'default', seen);

    // 2. A class question: added, typed, 单选 with its options, moved up once.
    const before = (await rowTexts(page)).length;
    await swaps(page, '＋ 添加全班评价问题', () => page.getByRole('button', { name: '＋ 添加全班评价问题' }).click(), () =>
      page.waitForFunction((n) => document.querySelectorAll('.qrow').length === n, before + 1),
    );
    const row = page.locator('.qrow').last();
    await row.locator('.qtext input').fill(q.text);
    await row.locator('.qkind select').selectOption({ label: q.kind });
    await checkOn(page, await row.locator('.qoptions textarea').isVisible(), `picking ${q.kind} should show its 选项 box`);
    await row.locator('.qoptions textarea').fill(q.options.join('\n'));
    const upLabel = await row.locator('button[value^="up_"]').getAttribute('aria-label');
    await swaps(page, '上移', () => row.locator('button[value^="up_"]').click(), () =>
      page.waitForFunction((t) => {
        const texts = Array.from(document.querySelectorAll('.qrow .qtext input'), (i) => i.value);
        return texts.indexOf(t) === texts.length - 2;
      }, q.text),
    );
    const moved = page.locator('.qrow', { has: page.locator(`.qtext input[value="${q.text}"]`) });
    const options = await moved.locator('.qoptions textarea').inputValue();
    check(options === q.options.join('\n'), `the options typed should stay through 上移 (${upLabel}): ${JSON.stringify(options)}`);
    await checkOn(page, (await text(page, '#question-list .flash.warn')).includes('修改尚未保存'), 'an edited list says 修改尚未保存');
    await screens(page, 'edited', seen);

    // 3. Enter in the question's field saves.
    await loads(page, 'Enter in a question', () => moved.locator('.qtext input').press('Enter'));
    const url = new URL(page.url());
    await checkOn(page, url.pathname === FORM && url.search === '?done=saved', `Enter should save (?done=saved), led to ${page.url()}`);
    await checkOn(page, (await text(page, '.flash.ok')).startsWith('已保存'), 'saving says 已保存');
    const intro = await text(page, 'section.qintro');
    check(intro.includes('最近修改：'), `after saving the page says who changed it: ${JSON.stringify(intro)}`);
    await screens(page, 'saved', seen);

    // 4. The class: the summary, the builder in 调整本班问题, 删除 食宿与后勤保障, 发起评估.
    const list = `/console/classes/${s.class.id}/evaluations`;
    await loads(page, 'the class evaluations', () => page.goto(`${base}${list}`));
    const summary = await text(page, 'ul.question-summary');
    check(summary.includes(`${q.text}（${q.kind}）`) && summary.includes('食宿与后勤保障'), `the summary: ${JSON.stringify(summary)}`);
    await page.locator('#title').fill(s.title);
    await page.locator('details.qdetails summary').click();
    const logistics = page.locator('.qrow', { has: page.locator('.qtext input[value="食宿与后勤保障"]') });
    await swaps(page, '删除 食宿与后勤保障', () => logistics.getByRole('button', { name: /^删除/ }).click(), () =>
      page.waitForFunction(() => !document.querySelector('ul.question-summary').innerText.includes('食宿与后勤保障')),
    );
    await checkOn(page, (await text(page, '#question-set .question-set')).startsWith('本班调整后的问题'), 'the summary says the questions are adjusted');
    await checkOn(page, await page.locator('details.qdetails').evaluate((d) => d.open), 'the builder stays open');
    check((await page.locator('#title').inputValue()) === s.title, 'the title typed stays through the builder (htmx)');
    await screens(page, 'class', seen);
    await loads(page, '发起评估', () => page.locator('.actions').getByRole('button', { name: '发起评估' }).click());
    await checkOn(page, new URL(page.url()).search === '?done=created', `发起评估 should create the form, led to ${page.url()}`);
  } catch (e) {
    await failureShot(page, screenshotDir, 'evaluation-builder-failure.png', e);
    throw e;
  } finally {
    await context.close();
  }
}

await run('evaluation_builder', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  const seen = { errors: [], dialogs: [], shots: 0 };
  await admin(browser, seen);
  check(seen.errors.length === 0, `the pages logged errors:\n  ${seen.errors.join('\n  ')}`);
  check(seen.dialogs.length === 0, `no dialog expected, saw ${JSON.stringify(seen.dialogs)}`);
  return `the default form edited and saved, a class form created with adjusted questions; ${seen.shots} screenshots in ${screenshotDir}`;
});
