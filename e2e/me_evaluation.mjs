// End-to-end test of the 评估 tab of the trainee's own page (/h5/me) in headless Chromium at a phone viewport
// (375 × 812). Run by tests/api/browser_me_evaluation.rs against a server it started; usable by hand too:
//
//   node e2e/me_evaluation.mjs BASE_URL ARTIFACT_DIR SCENARIO_JSON
//
// SCENARIO_JSON (browser_me_evaluation.rs builds it):
//   token, device_id   the trainee's login (put into localStorage before the page loads)
//   class_name         the trainee's class
//   unread             the 消息 badge (the reminder)
//   main               the base's default form: {form_id, title, deadline: "11月28日 08:00", course: {target,
//                      opens: "11月26日 12:00"}, comment}: its class part is open, its course part not yet
//   kinds              a form of one question of each other kind: {form_id, title, deadline, stars, score, single,
//                      multiple: [indexes]} with what to answer
//
// The script opens /h5/me#evaluation (as the reminder links), checks both forms with their parts' states and writes
// me-evaluation-list.png; opens the default form's class part, answers two questions, reloads: the list says a draft
// is kept, and reopened the part has both answers back. 提交 without the required 总体评价 names it and sends
// nothing (me-evaluation-form.png); with it and a comment the part is sent once (201), shows 已提交 with nothing to
// tap, and its draft is gone (me-evaluation-submitted.png). Then the other form: stars, a score (out of range first:
// refused on the phone), a single and a multiple choice, sent with the values the API takes (me-evaluation-kinds.png).
// Prints one line `RESULT <json>` (what was sent, the drafts left in localStorage) and a summary line on stdout; exits
// 0 when every check passes, 1 on a failed check or error, 2 on bad arguments.

import {
  args,
  badArgs,
  baseUrl,
  check,
  collectErrors,
  describePage,
  eventually,
  failureShot,
  newContext,
  overflow,
  postJson,
  run,
  scenarioArg,
  shot,
  signal,
  storeLogin,
  waiter,
} from './lib.mjs';

const SHOTS = [
  'me-evaluation-list.png',
  'me-evaluation-form.png',
  'me-evaluation-submitted.png',
  'me-evaluation-kinds.png',
  'me-evaluation-failure.png',
];
const DRAFT_PREFIX = 'rollcall.evaluation.';
const PRIVACY = '评估匿名提交；未提交的内容只保存在本机。';

const usage = 'usage: node e2e/me_evaluation.mjs BASE_URL ARTIFACT_DIR SCENARIO_JSON';
const [baseArg, artifactDir, scenarioJson] = args(usage, 3);
const base = baseUrl(baseArg);
const s = scenarioArg(scenarioJson, usage);
if (!s.token || !s.device_id || !s.main?.form_id || !s.main?.course?.target || !s.kinds?.form_id || !s.main.comment) {
  badArgs(`SCENARIO_JSON lacks a token, device id, the default form with its course, or the other form: ${scenarioJson}`, usage);
}

const describe = (page) =>
  describePage(page, (text) => {
    const tab = document.querySelector('.tabs button.active');
    return [
      `url=${location.href}`,
      `active tab: ${tab ? tab.dataset.tab : 'none'}`,
      `#load-error: ${text('load-error')}`,
      `#evaluation-ok: ${text('evaluation-ok')}`,
      `#evaluation-list-error: ${text('evaluation-list-error')}`,
      `#evaluation-list: ${text('evaluation-list')}`,
      `#evaluation-sheet: ${text('evaluation-sheet')}`,
    ];
  });
const waitUntil = waiter(describe);

// The requests to the answers endpoint and their answers.
function watch(page) {
  const seen = { errors: collectErrors(page), posts: [], answers: [] };
  page.on('request', (r) => {
    if (r.method() === 'POST') seen.posts.push({ path: new URL(r.url()).pathname, body: postJson(r) });
  });
  page.on('response', (r) => {
    if (r.request().method() === 'POST') seen.answers.push({ path: new URL(r.url()).pathname, status: r.status() });
  });
  return seen;
}

// A form's card as the page shows it: title, the line under it, and each part's state, label, note and control.
const formCard = (page, formId) =>
  page.evaluate((id) => {
    const card = document.querySelector(`#evaluation-list .eval-form[data-form-id="${id}"]`);
    if (!card) return null;
    return {
      title: card.querySelector('h2').textContent,
      about: card.querySelector('.about').textContent,
      parts: Array.from(card.querySelectorAll('li.part'), (li) => ({
        target: li.dataset.target,
        state: li.dataset.state,
        tag: li.querySelector('.tag').textContent,
        label: li.querySelector('.title').textContent,
        info: li.querySelector('.info')?.textContent ?? '',
        button: !!li.querySelector('button'),
      })),
    };
  }, formId);
// The open part's questions: id, kind, 必答, what is chosen (labels marked .on) and typed.
const sheetShown = (page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('#evaluation-questions li.q'), (li) => ({
      id: li.dataset.questionId,
      kind: li.dataset.kind,
      required: !!li.querySelector('.req'),
      missing: li.classList.contains('missing'),
      on: Array.from(li.querySelectorAll('label.on'), (l) => l.textContent),
      checked: Array.from(li.querySelectorAll('input:checked'), (i) => i.value),
      typed: li.querySelector('textarea, input[type=text]')?.value ?? null,
      counter: li.querySelector('.counter')?.textContent ?? null,
      starsText: li.querySelector('.stars-text')?.textContent ?? null,
      note: li.querySelector('.q-error:not(.hidden)')?.textContent ?? '',
    })),
  );
const drafts = (page) =>
  page.evaluate((prefix) => {
    const out = {};
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k.startsWith(prefix)) out[k] = JSON.parse(localStorage.getItem(k));
    }
    return out;
  }, DRAFT_PREFIX);
const badge = (page, id = 'evaluation-badge') =>
  page.evaluate((which) => {
    const b = document.getElementById(which);
    return b.classList.contains('hidden') ? '' : b.textContent;
  }, id);
// Every tap target of the open sheet or list at least 40 px tall (the phone's finger), and nothing wider than it.
const smallTargets = (page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('#tab-evaluation button, #tab-evaluation label, #tab-evaluation input[type=text], #tab-evaluation textarea'))
      .filter((e) => e.offsetParent !== null)
      .map((e) => ({ what: `${e.tagName.toLowerCase()} ${JSON.stringify(e.textContent.trim().slice(0, 12))}`, h: e.getBoundingClientRect().height }))
      .filter((e) => e.h < 40),
  );

async function fits(page, where, file) {
  const wider = await overflow(page);
  check(wider <= 0, `${where}: the page is ${wider} px wider than the phone (${file})`);
  const small = await smallTargets(page);
  check(!small.length, `${where}: tap targets under 40 px: ${JSON.stringify(small)} (${file})`);
}

async function openList(page, what) {
  await waitUntil(
    page,
    what,
    (ids) =>
      document.querySelector('.tabs button.active')?.dataset.tab === 'evaluation' &&
      !document.getElementById('tab-evaluation').classList.contains('hidden') &&
      !document.getElementById('evaluation-list').classList.contains('hidden') &&
      ids.every((id) => document.querySelector(`#evaluation-list .eval-form[data-form-id="${id}"]`)),
    [s.main.form_id, s.kinds.form_id],
  );
}

async function openPart(page, formId, target) {
  await page.locator(`#evaluation-list .eval-form[data-form-id="${formId}"] li.part[data-target="${target}"] button`).click();
  await waitUntil(
    page,
    `the part ${target} of ${formId} opens`,
    () => !document.getElementById('evaluation-sheet').classList.contains('hidden') && document.querySelectorAll('#evaluation-questions li.q').length > 0,
  );
}

const question = (page, id) => page.locator(`#evaluation-questions li.q[data-question-id="${id}"]`);

await run('me_evaluation', { dir: artifactDir, stale: SHOTS }, async (browser) => {
  // A trainee's phone (375 × 812), in a time zone other than China's: the page must show China time itself.
  const context = await newContext(browser, {
    viewport: { width: 375, height: 812 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    timezoneId: 'UTC',
  });
  await context.addInitScript(storeLogin, [s.token, s.device_id]);
  const page = await context.newPage();
  const seen = watch(page);
  const answerPosts = () => seen.posts.filter((p) => p.path.endsWith('/answers'));
  const shots = [];
  const m = s.main;
  const k = s.kinds;
  try {
    // 1. The reminder's link opens the tab: both forms, each part with its state; the badge counts the open ones.
    await page.goto(`${base}/h5/me#evaluation`);
    await openList(page, 'the 评估 tab lists both forms');
    const tabs = (await page.locator('.tabs button').allInnerTexts()).map((x) => x.replace(/\d+/g, '').trim());
    check(tabs.join('/') === '考勤/请假/违纪/结业/评估/消息', `the tabs should be 考勤/请假/违纪/结业/评估/消息, are ${tabs.join('/')}`);
    const main = await formCard(page, m.form_id);
    check(main.title === m.title, `the form's title should be ${m.title}, is ${main.title}`);
    check(main.about === `${s.class_name} · ${m.deadline} 截止`, `under the title: ${JSON.stringify(main.about)}`);
    const [classPart, coursePart] = main.parts;
    check(
      main.parts.length === 2 && classPart.target === 'class' && classPart.state === 'todo' && classPart.tag === '待填写' &&
        classPart.label === '全班总体评价' && classPart.button,
      `the class part should be first, 待填写, to tap: ${JSON.stringify(main.parts)}`,
    );
    check(
      coursePart.target === m.course.target && coursePart.state === 'later' && coursePart.tag === '未开放' && !coursePart.button &&
        coursePart.label === m.course.label && coursePart.info === `课程结束后开放（${m.course.opens}）`,
      `the course part should be 未开放 until the course ends at ${m.course.opens}: ${JSON.stringify(coursePart)}`,
    );
    const kinds = await formCard(page, k.form_id);
    check(
      kinds.about === `${s.class_name} · ${k.deadline} 截止` && kinds.parts.length === 1 && kinds.parts[0].state === 'todo',
      `the second form: ${JSON.stringify(kinds)}`,
    );
    check((await badge(page)) === '2', `the 评估 badge should count 2 open parts, shows ${JSON.stringify(await badge(page))}`);
    await waitUntil(page, 'the 消息 badge shows the reminder', (n) => document.getElementById('inbox-badge').textContent === String(n), s.unread);
    let file = await shot(page, artifactDir, 'me-evaluation-list.png');
    shots.push(file);
    await fits(page, 'the list', file);

    // 2. The class part: its questions (the class ones only), 必答 marked, the privacy line; two answers become a
    // draft on the phone, nothing is sent.
    await openPart(page, m.form_id, 'class');
    let sheet = await sheetShown(page);
    check(
      JSON.stringify(sheet.map((q) => [q.id, q.kind, q.required])) ===
        JSON.stringify([['organisation', 'grade', true], ['logistics', 'grade', true], ['overall', 'grade', true], ['comment', 'text', false]]),
      `the class part asks the class questions: ${JSON.stringify(sheet)}`,
    );
    check((await page.locator('#evaluation-sheet .privacy').innerText()).trim() === PRIVACY, 'the privacy line is shown');
    check((await page.locator('#evaluation-part').innerText()).trim() === '全班总体评价', 'the part is named');
    check(
      (await question(page, 'organisation').locator('label').allInnerTexts()).join('/') === '非常满意/满意/基本满意/不满意',
      'a grade offers the four grades',
    );
    await question(page, 'organisation').locator('label', { hasText: /^满意$/ }).click();
    await question(page, 'logistics').locator('label', { hasText: '基本满意' }).click();
    const draft = await eventually(async () => {
      const d = await drafts(page);
      return Object.keys(d).length === 1 && Object.values(d)[0].logistics ? d : null;
    });
    const draftKey = Object.keys((await drafts(page)) || {})[0];
    check(
      draft && draftKey.endsWith(`.${m.form_id}.class`) && JSON.stringify((await drafts(page))[draftKey]) === JSON.stringify({ organisation: 'satisfied', logistics: 'fair' }),
      `the two answers are a draft in localStorage: ${JSON.stringify(await drafts(page))}`,
    );
    check(answerPosts().length === 0, `nothing is sent before 提交: ${JSON.stringify(seen.posts)}`);

    // 3. Reload: the list says a draft is kept; the part reopens with both answers.
    await page.reload();
    await openList(page, 'after the reload the 评估 tab is back');
    const reloaded = await formCard(page, m.form_id);
    check(reloaded.parts[0].info.includes('草稿'), `the class part says a draft is kept: ${JSON.stringify(reloaded.parts[0])}`);
    await openPart(page, m.form_id, 'class');
    sheet = await sheetShown(page);
    const byId = (list, id) => list.find((q) => q.id === id);
    check(
      JSON.stringify(byId(sheet, 'organisation').checked) === '["satisfied"]' && JSON.stringify(byId(sheet, 'organisation').on) === '["满意"]' &&
        JSON.stringify(byId(sheet, 'logistics').checked) === '["fair"]' && byId(sheet, 'overall').checked.length === 0,
      `the draft is restored: ${JSON.stringify(sheet)}`,
    );

    // 4. 提交 without the required 总体评价: the page names it, marks it, and sends nothing.
    await page.locator('#evaluation-submit').click();
    await waitUntil(page, 'the missing answer is named', () => !document.getElementById('evaluation-error').classList.contains('hidden'));
    const missing = (await page.locator('#evaluation-error').innerText()).trim();
    check(missing === '请回答「对本期培训班的总体评价」', `the error should name 总体评价, says ${JSON.stringify(missing)}`);
    sheet = await sheetShown(page);
    check(
      byId(sheet, 'overall').missing && byId(sheet, 'overall').note === '此题为必答题，请作答' && !byId(sheet, 'organisation').missing,
      `only 总体评价 is marked: ${JSON.stringify(sheet)}`,
    );
    await page.waitForTimeout(300);
    check(answerPosts().length === 0, `nothing may be sent with a required answer missing: ${JSON.stringify(seen.posts)}`);
    await page.evaluate(() => window.scrollTo(0, 0));
    file = await shot(page, artifactDir, 'me-evaluation-form.png');
    shots.push(file);
    await fits(page, 'the open form', file);

    // 5. 总体评价 and a comment: sent once, 201; the part shows 已提交 with nothing to tap; the draft is gone.
    await question(page, 'overall').locator('label', { hasText: '非常满意' }).click();
    await question(page, 'comment').locator('textarea').fill(m.comment);
    sheet = await sheetShown(page);
    check(
      !byId(sheet, 'overall').missing && !(await page.locator('#evaluation-error').isVisible()),
      'answered, 总体评价 is no longer marked and the message is gone',
    );
    check(byId(sheet, 'comment').counter === `${m.comment.length}/500`, `the counter: ${byId(sheet, 'comment').counter}`);
    await page.locator('#evaluation-submit').click();
    await waitUntil(
      page,
      'after 提交 the class part shows 已提交',
      (id) => document.querySelector(`#evaluation-list .eval-form[data-form-id="${id}"] li.part[data-target="class"]`)?.dataset.state === 'done',
      m.form_id,
    );
    const sent = answerPosts();
    const mainPath = `/api/v1/me/evaluations/${m.form_id}/answers`;
    const want = { target: 'class', answers: { organisation: 'satisfied', logistics: 'fair', overall: 'very_satisfied', comment: m.comment } };
    check(sent.length === 1 && sent[0].path === mainPath, `one POST ${mainPath}: ${JSON.stringify(sent)}`);
    check(JSON.stringify(sent[0].body) === JSON.stringify(want), `sent ${JSON.stringify(sent[0].body)}, want ${JSON.stringify(want)}`);
    const answered = await eventually(() => seen.answers.find((a) => a.path === mainPath));
    check(answered?.status === 201, `the server answers 201: ${JSON.stringify(answered)}`);
    const done = await formCard(page, m.form_id);
    check(
      done.parts[0].tag === '已提交' && !done.parts[0].button && !(await page.locator('#evaluation-sheet').isVisible()),
      `no second submit is offered: ${JSON.stringify(done.parts[0])}`,
    );
    check(!Object.keys(await drafts(page)).length, `the draft is gone: ${JSON.stringify(await drafts(page))}`);
    const ok = (await page.locator('#evaluation-ok').innerText()).trim();
    check(ok.includes('已提交'), `a confirmation is shown: ${JSON.stringify(ok)}`);
    check((await badge(page)) === '1', `the badge counts the one part left, shows ${JSON.stringify(await badge(page))}`);
    file = await shot(page, artifactDir, 'me-evaluation-submitted.png');
    shots.push(file);
    await fits(page, 'after 提交', file);

    // 6. The other kinds: stars, a score (out of range first, refused on the phone), single and multiple choices.
    await openPart(page, k.form_id, 'class');
    sheet = await sheetShown(page);
    check(
      JSON.stringify(sheet.map((q) => q.kind)) === JSON.stringify(['stars', 'score', 'single', 'multiple', 'text']),
      `one question of each kind: ${JSON.stringify(sheet)}`,
    );
    check((await question(page, 'stars').locator('label.star').count()) === 5, 'five stars');
    await question(page, 'stars').locator('label.star').nth(k.stars - 1).click();
    await question(page, 'score').locator('input').fill('150');
    await question(page, 'single').locator('label').nth(k.single).click();
    for (const i of k.multiple) await question(page, 'multiple').locator('label').nth(i).click();
    sheet = await sheetShown(page);
    const stars = byId(sheet, 'stars');
    check(stars.on.length === k.stars && stars.starsText === `${k.stars} 星`, `the stars up to the tapped one are lit: ${JSON.stringify(stars)}`);
    check(JSON.stringify(byId(sheet, 'multiple').checked) === JSON.stringify(k.multiple.map(String)), `multiple: ${JSON.stringify(byId(sheet, 'multiple'))}`);
    await page.locator('#evaluation-submit').click();
    await waitUntil(page, 'a score over 100 is refused', () => !document.getElementById('evaluation-error').classList.contains('hidden'));
    const range = (await page.locator('#evaluation-error').innerText()).trim();
    check(range.includes('0 到 100'), `the score's range is explained: ${JSON.stringify(range)}`);
    check(byId(await sheetShown(page), 'score').note.includes('0 到 100'), 'the score is marked');
    check(answerPosts().length === 1, `nothing sent with a score out of range: ${JSON.stringify(answerPosts())}`);
    await question(page, 'score').locator('input').fill(String(k.score));
    await page.evaluate(() => window.scrollTo(0, 0));
    file = await shot(page, artifactDir, 'me-evaluation-kinds.png');
    shots.push(file);
    await fits(page, 'the other kinds', file);
    await page.locator('#evaluation-submit').click();
    await waitUntil(
      page,
      'the second form shows 已提交',
      (id) => document.querySelector(`#evaluation-list .eval-form[data-form-id="${id}"] li.part[data-target="class"]`)?.dataset.state === 'done',
      k.form_id,
    );
    const kindsPath = `/api/v1/me/evaluations/${k.form_id}/answers`;
    const kindsSent = answerPosts().find((p) => p.path === kindsPath);
    const kindsWant = { target: 'class', answers: { stars: k.stars, score: k.score, single: k.single, multiple: k.multiple } };
    check(JSON.stringify(kindsSent?.body) === JSON.stringify(kindsWant), `sent ${JSON.stringify(kindsSent?.body)}, want ${JSON.stringify(kindsWant)}`);
    const kindsAnswer = await eventually(() => seen.answers.find((a) => a.path === kindsPath));
    check(kindsAnswer?.status === 201, `the server answers 201: ${JSON.stringify(kindsAnswer)}`);
    check((await badge(page)) === '', `nothing left to answer, no badge: ${JSON.stringify(await badge(page))}`);

    check(seen.errors.length === 0, `the page logged errors:\n  ${seen.errors.join('\n  ')}`);
    const left = Object.keys(await drafts(page));
    signal(`RESULT ${JSON.stringify({ drafts_left: left, posts: answerPosts().length, draft_key: draftKey })}`);
    await context.close();
    return `2 forms, 2 parts answered, ${answerPosts().length} POSTs, drafts left ${left.length}; screenshots ${shots.join(', ')}`;
  } catch (e) {
    await failureShot(page, artifactDir, 'me-evaluation-failure.png', e);
    throw e;
  }
});
