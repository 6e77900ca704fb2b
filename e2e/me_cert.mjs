// End-to-end test of the 结业 tab of the trainee's own page (/h5/me) in headless Chromium at a phone viewport
// (375 px). Run by tests/api/browser_me.rs against a server it started; usable by hand too:
//
//   node e2e/me_cert.mjs BASE_URL ARTIFACT_DIR SCENARIO_JSON
//
// SCENARIO_JSON (browser_me.rs builds it) lists trainees, each on their own phone (browser context):
//   key                      a short name, for messages and screenshots (me-cert-<key>.png)
//   token, device_id         the trainee's login (put into localStorage before the page loads)
//   via                      "tab": open /h5/me and tap 结业; "hash": open /h5/me#completion directly
//   class_id                 the trainee's one class
//   phase                    the heading expected: 结业审核结果 (class finished) or 当前结业审核状态 (live)
//   status, status_label     eligible/准予结业 or withheld/不予结业
//   attended_hours           as the API gives it, e.g. "24.5"
//   reasons                  every reason's message, in order (empty when eligible)
//   reason_contains          a piece of text one reason must contain (the driver's own expectation)
//   certificate              null, or {id, serial, issue_date: "2026年11月26日", credit_hours, verify_url, code}
//   revoked                  null, or {serial, reason}: a replaced certificate, shown greyed
//   present                  what 考勤's 出勤 total should be (checked after the 结业 tab, to see the other tabs work)
//
// For a certificate the script taps 下载证书 PDF, checks the request carried the token, that the browser received a
// file named after the serial whose first bytes are %PDF, and saves it as ARTIFACT_DIR/me-certificate.pdf; then
// follows 在线验证 (a new tab) and expects the verification page to say the certificate is valid.
// Prints one summary line on stdout; exits 0 when every check passes, 1 on a failed check or error, 2 on bad
// arguments.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  WAIT_MS,
  args,
  badArgs,
  baseUrl,
  check,
  collectErrors,
  describePage,
  failureShot,
  launchPhone,
  overflow,
  redacted,
  run,
  scenarioArg,
  shot,
  storeLogin,
  waiter,
} from './lib.mjs';

const PDF = 'me-certificate.pdf';

const usage = 'usage: node e2e/me_cert.mjs BASE_URL ARTIFACT_DIR SCENARIO_JSON';
const [baseArg, artifactDir, scenarioJson] = args(usage, 3);
const base = baseUrl(baseArg);
const s = scenarioArg(scenarioJson, usage);
if (!Array.isArray(s.trainees) || !s.trainees.length || s.trainees.some((t) => !t.key || !t.token || !t.class_id || !t.status_label)) {
  badArgs(`SCENARIO_JSON lacks trainees with a key, token, class and status: ${scenarioJson}`, usage);
}

const describe = (page) =>
  describePage(page, (text) => {
    const tab = document.querySelector('.tabs button.active');
    return [
      `url=${location.href}`,
      `#bind: ${text('bind')}`,
      `active tab: ${tab ? tab.dataset.tab : 'none'}`,
      `#load-error: ${text('load-error')}`,
      `#completion-list: ${text('completion-list')}`,
    ];
  });

const waitUntil = waiter(describe);

const screenshot = (page, name) => shot(page, artifactDir, name);

// The class's card as the page shows it.
const card = (page, classId) =>
  page.evaluate((id) => {
    const cards = document.querySelectorAll(`#completion-list .completion[data-class-id="${id}"]`);
    if (cards.length !== 1) return { count: cards.length };
    const c = cards[0];
    const cert = (x) => ({
      id: x.dataset.certId,
      text: x.innerText,
      tag: x.querySelector('.tag')?.textContent ?? '',
      opacity: Number(getComputedStyle(x).opacity),
      buttons: Array.from(x.querySelectorAll('button'), (b) => b.textContent.trim()),
      links: Array.from(x.querySelectorAll('a'), (a) => ({ text: a.textContent.trim(), href: a.href, target: a.target })),
    });
    const verdict = c.querySelector('.verdict');
    return {
      count: 1,
      status: c.dataset.status,
      text: c.innerText,
      phase: c.querySelector('.phase')?.textContent ?? '',
      verdict: verdict?.textContent ?? '',
      verdictClass: verdict?.className ?? '',
      verdictSize: verdict ? parseFloat(getComputedStyle(verdict).fontSize) : 0,
      hours: c.querySelector('.hours')?.textContent ?? '',
      reasons: Array.from(c.querySelectorAll('.reasons li'), (li) => li.textContent),
      certs: Array.from(c.querySelectorAll('.cert'), cert),
    };
  }, classId);

async function one(browser, t) {
  const context = await launchPhone(browser, { timezoneId: 'UTC', acceptDownloads: true });
  await context.addInitScript(storeLogin, [t.token, t.device_id]);
  const page = await context.newPage();
  const errors = collectErrors(page);
  const pdfRequests = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const where = m.location().url || '';
    if (m.type() === 'error' && !where.endsWith('/favicon.ico')) errors.push(`console error: ${m.text()} (${where})`);
  });
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.endsWith('/pdf')) pdfRequests.push({ path: new URL(r.url()).pathname, auth: r.headers().authorization || '' });
  });
  const out = { key: t.key };
  try {
    if (t.via === 'hash') {
      await page.goto(`${base}/h5/me#completion`);
    } else {
      await page.goto(`${base}/h5/me`);
      await waitUntil(page, `${t.key}: the page logged in on 考勤`, () =>
        document.querySelector('.tabs button.active')?.dataset.tab === 'attendance');
      await page.locator('.tabs button[data-tab="completion"]').click();
    }
    await waitUntil(
      page,
      `${t.key}: the 结业 tab shows the class`,
      (id) =>
        document.querySelector('.tabs button.active')?.dataset.tab === 'completion' &&
        !document.getElementById('tab-completion').classList.contains('hidden') &&
        !!document.querySelector(`#completion-list .completion[data-class-id="${id}"]`),
      t.class_id,
    );
    const tabs = await page.locator('.tabs button').allInnerTexts();
    check(
      tabs.map((x) => x.replace(/\d+/g, '').trim()).join('/') === '考勤/请假/违纪/结业/评估/消息',
      `the tabs should be 考勤/请假/违纪/结业/评估/消息, are ${JSON.stringify(tabs)}`,
    );
    const c = await card(page, t.class_id);
    check(c.count === 1, `${t.key}: one card for the class, found ${c.count}`);
    check(c.phase === t.phase, `${t.key}: the heading should be ${t.phase}, is ${JSON.stringify(c.phase)}`);
    check(
      c.status === t.status && c.verdict === t.status_label &&
        c.verdictClass.includes(t.status === 'eligible' ? 'good' : 'bad') && c.verdictSize >= 20,
      `${t.key}: the verdict should be a large ${t.status_label}, is ${JSON.stringify({ status: c.status, verdict: c.verdict, cls: c.verdictClass, size: c.verdictSize })}`,
    );
    check(c.hours === `已获学时 ${t.attended_hours}`, `${t.key}: 已获学时 ${t.attended_hours} expected, shows ${JSON.stringify(c.hours)}`);
    check(
      JSON.stringify(c.reasons) === JSON.stringify(t.reasons),
      `${t.key}: the reasons listed should be ${JSON.stringify(t.reasons)}, are ${JSON.stringify(c.reasons)}`,
    );
    if (t.reason_contains) {
      check(c.reasons.some((r) => r.includes(t.reason_contains)), `${t.key}: a reason should say ${t.reason_contains}: ${JSON.stringify(c.reasons)}`);
    }
    const live = c.text.includes('培训尚未结束');
    check(live === (t.phase === '当前结业审核状态'), `${t.key}: the live-status note should show only before the class ends:\n  ${c.text}`);

    const valid = c.certs.filter((x) => x.tag === '有效');
    const revoked = c.certs.filter((x) => x.tag === '已撤销');
    check(valid.length + revoked.length === c.certs.length, `${t.key}: every certificate is 有效 or 已撤销: ${JSON.stringify(c.certs)}`);
    check(valid.length === (t.certificate ? 1 : 0), `${t.key}: ${t.certificate ? 'one' : 'no'} valid certificate expected, shows ${JSON.stringify(valid)}`);
    check(revoked.length === (t.revoked ? 1 : 0), `${t.key}: ${t.revoked ? 'one' : 'no'} revoked certificate expected, shows ${JSON.stringify(revoked)}`);
    if (t.revoked) {
      const r = revoked[0];
      check(
        c.certs[c.certs.length - 1] === r && r.text.includes(`证书编号：${t.revoked.serial}`) &&
          r.text.includes(`撤销原因：${t.revoked.reason}`) && r.opacity < 1 && r.buttons.length === 0 && r.links.length === 0,
      `${t.key}: the revoked certificate is listed last, greyed, with its serial and reason and no actions: ${JSON.stringify(r)}`,
      );
    }
    if (t.certificate) {
      const x = valid[0];
      const want = t.certificate;
      check(
        x.id === want.id && x.text.includes(`证书编号：${want.serial}`) &&
          x.text.includes(`发证日期：${want.issue_date} · ${want.credit_hours} 学时`) &&
          JSON.stringify(x.buttons) === JSON.stringify(['下载证书 PDF']) && x.opacity === 1,
        `${t.key}: the certificate should show ${JSON.stringify(want)} and 下载证书 PDF, shows ${JSON.stringify(x)}`,
      );
      check(
        x.links.length === 1 && x.links[0].text === '在线验证' && x.links[0].href === want.verify_url &&
          new URL(x.links[0].href).pathname === `/verify/${want.code}`,
        `${t.key}: 在线验证 should link to ${want.verify_url} (/verify/${want.code}), links ${JSON.stringify(x.links)}`,
      );
    } else {
      check(!c.text.includes('下载证书'), `${t.key}: no download without a certificate:\n  ${c.text}`);
    }
    check((await overflow(page)) <= 0, `${t.key}: the page is wider than the phone by ${await overflow(page)} px`);
    out.shot = await screenshot(page, `me-cert-${t.key}.png`);

    if (t.certificate) {
      // The authenticated download: fetched with the token, handed to the browser as a file.
      const item = page.locator(`#completion-list .cert[data-cert-id="${t.certificate.id}"]`);
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), item.locator('button.download').click()]);
      const file = path.join(artifactDir, PDF);
      await download.saveAs(file);
      const bytes = await readFile(file);
      check(
        bytes.subarray(0, 4).toString('latin1') === '%PDF' && bytes.length > 1000,
        `${t.key}: the download should be a PDF, starts with ${JSON.stringify(bytes.subarray(0, 8).toString('latin1'))} (${bytes.length} bytes)`,
      );
      check(
        download.suggestedFilename().startsWith(t.certificate.serial) && download.suggestedFilename().endsWith('.pdf'),
        `${t.key}: the file should be named after the serial, is ${download.suggestedFilename()}`,
      );
      check(
        pdfRequests.length === 1 && pdfRequests[0].path === `/api/v1/me/certificates/${t.certificate.id}/pdf` &&
          pdfRequests[0].auth === `Bearer ${t.token}`,
        `${t.key}: one GET /api/v1/me/certificates/${t.certificate.id}/pdf with the token expected, saw ${JSON.stringify(pdfRequests.map(redacted))}`,
      );
      check(await item.locator('.cert-error').isHidden(), `${t.key}: a download error is shown: ${await item.locator('.cert-error').innerText()}`);
      out.pdf = { file, bytes: bytes.length, name: download.suggestedFilename() };

      // 在线验证 opens the public page in a new tab: valid.
      const [popup] = await Promise.all([context.waitForEvent('page'), item.locator('a.verify').click()]);
      await popup.waitForLoadState('load');
      const shown = await popup.locator('body').innerText();
      check(
        new URL(popup.url()).pathname === `/verify/${t.certificate.code}` && shown.includes('证书有效') && shown.includes(t.certificate.serial),
        `${t.key}: 在线验证 should open /verify/${t.certificate.code} saying 证书有效 with the serial, opened ${popup.url()}:\n  ${shown}`,
      );
      await popup.close();
    }

    // The other tabs still work: 考勤 loads.
    await page.locator('.tabs button[data-tab="attendance"]').click();
    await waitUntil(
      page,
      `${t.key}: 考勤 shows ${t.present} sessions attended`,
      (n) => !document.getElementById('tab-attendance').classList.contains('hidden') &&
        document.getElementById('tab-completion').classList.contains('hidden') &&
        document.getElementById('t-present').textContent === String(n),
      t.present,
    );
    check(errors.length === 0, `${t.key}: the page logged errors:\n  ${errors.join('\n  ')}`);
    return out;
  } catch (e) {
    await failureShot(page, artifactDir, `me-cert-${t.key}-failure.png`, e);
    throw e;
  } finally {
    await context.close();
  }
}

// No stale artifact may pass for this run's.
const stale = [PDF, ...s.trainees.flatMap((t) => [`me-cert-${t.key}.png`, `me-cert-${t.key}-failure.png`])];
await run('me_cert', { dir: artifactDir, stale }, async (browser) => {
  const results = [];
  for (const t of s.trainees) results.push(await one(browser, t));
  const pdf = results.find((r) => r.pdf)?.pdf;
  return (
    `${results.map((r) => r.key).join(', ')} checked` +
    `${pdf ? `; downloaded ${pdf.name} (${pdf.bytes} bytes)` : ''}; screenshots ${results.map((r) => r.shot).join(', ')}`
  );
});
