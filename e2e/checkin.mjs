// End-to-end test of the H5 check-in page (/c/{token}) in headless Chromium, at a phone viewport with a faked
// position. Run by tests/api/browser.rs against a server it started; usable by hand too:
//
//   node e2e/checkin.mjs BASE_URL INVITE_CODE CURRENT_TOKEN EXPIRED_TOKEN LAT LNG SCREENSHOT_DIR [BIND_CODE NAME]
//
// The first two scenarios share one browser context, so the second one runs on a phone that the first one bound:
//   1. bind + check in: empty localStorage -> bind form -> invite code -> 签到成功;
//   2. expired code: an old QR token -> the server's expiry message;
//   3. (with BIND_CODE) another phone opens an invite card's link /h5/bind?code=…, taps 绑定: the form locks and the
//      page goes on to /h5/me, which greets NAME (checkin-bound.png).
// Prints one summary line; exits 0 when both pass, 1 on a failed assertion, 2 on bad arguments.

import {
  WAIT_MS,
  AssertionFailed,
  args,
  badArgs,
  baseUrl,
  check,
  collectErrors,
  describePage,
  failureShot,
  launchPhone,
  postJson,
  run,
  shot,
} from './lib.mjs';

const EXPIRED_MESSAGE = '二维码已过期，请重新扫描屏幕上的最新二维码';

const usage =
  'usage: node e2e/checkin.mjs BASE_URL INVITE_CODE CURRENT_TOKEN EXPIRED_TOKEN LAT LNG SCREENSHOT_DIR [BIND_CODE NAME]';
const [baseArg, inviteCode, currentToken, expiredToken, latArg, lngArg, screenshotDir, bindCode, bindName] = args(
  usage,
  7,
  9,
);
const base = baseUrl(baseArg);
const latitude = Number(latArg);
const longitude = Number(lngArg);
if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
  badArgs(`latitude and longitude must be numbers, got ${latArg} ${lngArg}`, usage);
}
const SHOTS = [
  'checkin-success.png',
  'checkin-expired.png',
  'checkin-bound.png',
  'checkin-success-failure.png',
  'checkin-expired-failure.png',
  'checkin-bound-failure.png',
];

const screenshot = (page, name) => shot(page, screenshotDir, name);

// What the page shows, for failure messages.
const describe = (page) =>
  describePage(page, (text) => {
    const result = document.getElementById('result');
    return [
      `url=${location.href}`,
      `#status: ${text('status')}`,
      `#bind: ${text('bind')}`,
      `#bind-error: ${text('bind-error')}`,
      `#result (class "${result ? result.className : ''}"): ${text('result')}`,
    ];
  });

// Watches a page: uncaught errors, console errors, and the check-in requests it sends.
function watch(page) {
  const seen = { errors: collectErrors(page), checkins: [] };
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/checkins') seen.checkins.push(postJson(r));
  });
  return seen;
}

// Waits until the result card is shown (or the bind error, which would otherwise leave us waiting).
async function waitForOutcome(page, what) {
  try {
    await page.waitForSelector('#result:not(.hidden), #bind-error:not(.hidden)', { state: 'visible', timeout: WAIT_MS });
  } catch (e) {
    throw new AssertionFailed(`${what}: no result within ${WAIT_MS} ms\n  ${await describe(page)}\n  (${e.message.split('\n')[0]})`);
  }
  const bindError = page.locator('#bind-error');
  if (await bindError.isVisible()) {
    throw new AssertionFailed(`${what}: binding failed: ${JSON.stringify(await bindError.innerText())}\n  ${await describe(page)}`);
  }
  // The mark is drawn (SVG), not an emoji that phones without an emoji font show as an empty box.
  const marks = await page.locator('#result-icon svg').evaluateAll((svgs) =>
    svgs.filter((s) => s.getBoundingClientRect().width > 0).map((s) => s.getAttribute('class')),
  );
  const iconText = (await page.locator('#result-icon').innerText()).trim();
  check(marks.length === 1 && iconText === '', `${what}: one drawn mark and no text expected; got ${JSON.stringify(marks)} ${JSON.stringify(iconText)}`);
  return {
    mark: marks[0],
    className: (await page.locator('#result').getAttribute('class')) || '',
    title: (await page.locator('#result-title').innerText()).trim(),
    detail: (await page.locator('#result-detail').innerText()).trim(),
  };
}

async function bindAndCheckIn(context) {
  const what = 'bind + check in';
  const page = await context.newPage();
  const seen = watch(page);
  try {
    await page.goto(`${base}/c/${encodeURIComponent(currentToken)}`);
    const stored = await page.evaluate(() => localStorage.getItem('rollcall.token'));
    check(stored === null, `${what}: localStorage should start empty, has rollcall.token=${stored}`);
    try {
      await page.waitForSelector('#bind', { state: 'visible', timeout: WAIT_MS });
    } catch {
      throw new AssertionFailed(`${what}: the bind form did not appear for an unbound phone\n  ${await describe(page)}`);
    }
    check(!(await page.locator('#result').isVisible()), `${what}: a result is shown before binding\n  ${await describe(page)}`);

    await page.locator('#invite-code').fill(inviteCode);
    await page.locator('#bind-btn').click();
    const outcome = await waitForOutcome(page, what);
    const shot = await screenshot(page, 'checkin-success.png');

    check(
      outcome.className.split(/\s+/).includes('ok') && outcome.title === '签到成功' && outcome.mark === 'icon-ok',
      `${what}: expected an "ok" card titled 签到成功, got class "${outcome.className}" title ${JSON.stringify(outcome.title)} ` +
        `detail ${JSON.stringify(outcome.detail)} (screenshot ${shot})`,
    );
    check(
      !(await page.locator('#bind').isVisible()),
      `${what}: the bind form is still shown after a successful check-in (screenshot ${shot})`,
    );
    const token = await page.evaluate(() => localStorage.getItem('rollcall.token'));
    check(Boolean(token), `${what}: no rollcall.token in localStorage after binding`);

    // The page sent the faked position, as WGS-84, with the check-in.
    check(seen.checkins.length >= 1, `${what}: the page sent no POST /api/v1/checkins`);
    const loc = seen.checkins[0] && seen.checkins[0].location;
    check(
      loc && loc.coord === 'wgs84' && Math.abs(loc.lat - latitude) < 1e-6 && Math.abs(loc.lng - longitude) < 1e-6,
      `${what}: the check-in should carry the faked position {lat: ${latitude}, lng: ${longitude}, coord: "wgs84"}, ` +
        `sent ${JSON.stringify(seen.checkins[0])}`,
    );
    check(seen.errors.length === 0, `${what}: the page logged errors:\n  ${seen.errors.join('\n  ')}`);
    return { detail: outcome.detail, shot };
  } catch (e) {
    await failureShot(page, screenshotDir, 'checkin-success-failure.png', e);
    throw e;
  } finally {
    await page.close();
  }
}

async function expiredCode(context) {
  const what = 'expired code';
  const page = await context.newPage();
  const seen = watch(page);
  try {
    await page.goto(`${base}/c/${encodeURIComponent(expiredToken)}`);
    const stored = await page.evaluate(() => localStorage.getItem('rollcall.token'));
    check(Boolean(stored), `${what}: the phone should still be bound (rollcall.token in localStorage) from scenario 1`);
    const outcome = await waitForOutcome(page, what);
    const shot = await screenshot(page, 'checkin-expired.png');

    check(
      !(await page.locator('#bind').isVisible()),
      `${what}: a bound phone was asked for the invite code again (screenshot ${shot})`,
    );
    check(
      outcome.className.split(/\s+/).includes('err') && outcome.title === '签到未成功' && outcome.mark === 'icon-err',
      `${what}: expected an "err" card titled 签到未成功, got class "${outcome.className}" title ` +
        `${JSON.stringify(outcome.title)} detail ${JSON.stringify(outcome.detail)} (screenshot ${shot})`,
    );
    check(
      outcome.detail === EXPIRED_MESSAGE,
      `${what}: expected the detail ${JSON.stringify(EXPIRED_MESSAGE)}, got ${JSON.stringify(outcome.detail)} (screenshot ${shot})`,
    );
    check(seen.checkins.length >= 1, `${what}: the page sent no POST /api/v1/checkins`);
    // A 400 answer makes Chromium log "Failed to load resource"; that is expected here, anything else is not.
    const unexpected = seen.errors.filter((e) => !/Failed to load resource: .* 400/.test(e));
    check(unexpected.length === 0, `${what}: the page logged errors:\n  ${unexpected.join('\n  ')}`);
    return { detail: outcome.detail, shot };
  } catch (e) {
    await failureShot(page, screenshotDir, 'checkin-expired-failure.png', e);
    throw e;
  } finally {
    await page.close();
  }
}

/** Scenario 3: the invite card's link binds a fresh phone and leads on to the trainee's page. */
async function bindFromCard(browser) {
  const what = 'bind from a card';
  const context = await launchPhone(browser, { timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  try {
    await page.goto(`${base}/h5/bind?code=${encodeURIComponent(bindCode)}`);
    await Promise.all([page.waitForURL(/\/h5\/me$/, { timeout: WAIT_MS }), page.click('#go')]);
    await page.waitForFunction((name) => (document.getElementById('who') || {}).textContent?.includes(name), bindName, {
      timeout: WAIT_MS,
    });
    const file = await shot(page, screenshotDir, 'checkin-bound.png');
    return { shot: file };
  } catch (e) {
    await failureShot(page, screenshotDir, 'checkin-bound-failure.png', e);
    throw new AssertionFailed(`${what}: ${e.message.split('\n')[0]}\n  ${await describe(page).catch(() => '')}`);
  } finally {
    await context.close();
  }
}

await run('checkin', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  // Both scenarios share one phone; the faked position is inside the session's geofence.
  const context = await launchPhone(browser, {
    geolocation: { latitude, longitude, accuracy: 10 },
    permissions: ['geolocation'],
    timezoneId: 'Asia/Shanghai',
  });
  const first = await bindAndCheckIn(context);
  const second = await expiredCode(context);
  await context.close();
  const third = bindCode ? await bindFromCard(browser) : null;
  return (
    `bind + check in -> 签到成功 (${JSON.stringify(first.detail)}); ` +
    `expired code -> ${JSON.stringify(second.detail)}; ` +
    (third ? `bind from a card -> /h5/me; ` : '') +
    `screenshots ${first.shot}, ${second.shot}${third ? `, ${third.shot}` : ''}`
  );
});
