// End-to-end test of the classroom big screen (/screen/{session_id}#key=…) in headless Chromium at a projector's
// viewport. Run by tests/api/browser_screen.rs against a server it started, whose clock is a test clock:
//
//   node e2e/screen.mjs SCREEN_URL EXPECTED ARRIVAL_NAME SCREENSHOT_DIR [LATER_URL OPENS_AT]
//
//   SCREEN_URL    the screen link's URL, key fragment included
//   EXPECTED      how many trainees the session expects (the counter's right-hand side)
//   ARRIVAL_NAME  the masked name the first arrival must be shown as (e.g. 学**0)
//
// The QR rotates on the server's clock, not on real time, so the script and its driver take turns:
//   1. the script opens the page, waits for the first QR and the counter "0 / EXPECTED", writes screen-before.png
//      and prints "READY <token shown>" on stdout;
//   2. the driver advances the server clock by one rotation and checks one trainee in;
//   3. the script waits for a different QR token and the counter "1 / EXPECTED", writes screen-after.png and
//      checks that the arrival list shows ARRIVAL_NAME first.
// With LATER_URL (the screen link of a session whose check-in opens later, at OPENS_AT, HH:MM China time) the
// script first checks that screen: no QR, "签到将于 OPENS_AT 开放" with a countdown that moves, and the clock
// (screen-not-open.png).
// Prints READY and one summary line on stdout; exits 0 when every check passes, 1 on a failed check or error,
// 2 on bad arguments.

import { args, badArgs, check, collectErrors, describePage, failureShot, newContext, run, shot, signal, waiter } from './lib.mjs';

const SHOTS = ['screen-before.png', 'screen-after.png', 'screen-not-open.png', 'screen-failure.png'];

const usage = 'usage: node e2e/screen.mjs SCREEN_URL EXPECTED ARRIVAL_NAME SCREENSHOT_DIR [LATER_URL OPENS_AT]';
const argv = args(usage, 4, 6);
const [screenUrl, expectedArg, arrivalName, screenshotDir, laterUrl, opensAt] = argv;
const expected = Number(expectedArg);
const key = new URLSearchParams(new URL(screenUrl).hash.slice(1)).get('key');
if (!Number.isInteger(expected) || expected < 1 || !key || !arrivalName) {
  badArgs(`need a screen URL with #key=…, a positive EXPECTED and an ARRIVAL_NAME, got ${JSON.stringify(argv)}`, usage);
}

// What the page shows, for failure messages.
const describe = (page) =>
  describePage(page, (text) => {
    const qr = document.getElementById('qr');
    return [
      `url=${location.origin}${location.pathname}`,
      `#class-name: ${text('class-name')}`,
      `#session-title: ${text('session-title')}`,
      `#qr-box: ${text('qr-box')}`,
      `#qr data-token=${JSON.stringify(qr ? qr.dataset.token : null)} svg=${Boolean(qr && qr.querySelector('svg'))}`,
      `#notice: ${text('notice')}`,
      `#counter: ${text('counter')}`,
      `#latest: ${text('latest')}`,
    ];
  });

// Watches the page: uncaught errors, console errors, and how it asks for the screen state.
function watch(page) {
  const seen = { errors: collectErrors(page), polls: [] };
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname === '/api/v1/screen/state') seen.polls.push({ url: r.url(), key: r.headers()['x-screen-key'] });
  });
  return seen;
}

const waitUntil = waiter(describe);

const counterText = (page) => page.locator('#counter').innerText().then((t) => t.trim());
const shownToken = (page) => page.locator('#qr').getAttribute('data-token');

const screenshot = (page, name) => shot(page, screenshotDir, name);

/** The screen of a session whose check-in has not opened: when it opens, a moving countdown, the clock. */
async function notOpen(context) {
  const page = await context.newPage();
  const seen = watch(page);
  try {
    await page.goto(laterUrl);
    const wanted = `签到将于 ${opensAt} 开放`;
    await waitUntil(
      page,
      `"${wanted}" with a countdown and the clock`,
      (w) =>
        document.getElementById('notice-text').innerText.trim() === w &&
        /^还有 \d/.test(document.getElementById('opens-in').innerText.trim()) &&
        /^\d\d:\d\d:\d\d$/.test(document.getElementById('clock').innerText.trim()),
      wanted,
    );
    check(!(await page.locator('#qr-box').isVisible()), `a QR is shown before check-in opens\n  ${await describe(page)}`);
    // The test server's clock stands still and each poll (every 2 s) sets the page's offset from it again, so the
    // countdown moves for about a second after each poll and then starts over: wait for a move, not a fixed time.
    const first = (await page.locator('#opens-in').innerText()).trim();
    await waitUntil(
      page,
      `the countdown to move from ${JSON.stringify(first)}`,
      (f) => {
        const now = document.getElementById('opens-in').innerText.trim();
        return /^还有 \d/.test(now) && now !== f;
      },
      first,
    );
    const second = (await page.locator('#opens-in').innerText()).trim();
    const file = await screenshot(page, 'screen-not-open.png');
    check(seen.errors.length === 0, `the page logged errors:\n  ${seen.errors.join('\n  ')}`);
    return { countdown: second, shot: file };
  } catch (e) {
    await failureShot(page, screenshotDir, 'screen-failure.png', e);
    throw e;
  } finally {
    await page.close();
  }
}

async function drive(context) {
  const page = await context.newPage();
  const seen = watch(page);
  try {
    await page.goto(screenUrl);

    // 1. The first code and an empty counter.
    await waitUntil(
      page,
      `the first QR with its countdown and the counter "0 / ${expected}"`,
      (n) => {
        const qr = document.getElementById('qr');
        const counter = document.getElementById('counter');
        const countdown = document.getElementById('countdown');
        return Boolean(
          qr && qr.dataset.token && qr.querySelector('svg') && countdown.innerText.trim() && counter.innerText.trim() === `0 / ${n}`,
        );
      },
      expected,
    );
    const before = await shownToken(page);
    const beforeShot = await screenshot(page, 'screen-before.png');
    check(
      await page.locator('#qr-box').isVisible(),
      `the QR box is hidden while a code is shown (screenshot ${beforeShot})\n  ${await describe(page)}`,
    );
    check(
      !(await page.locator('#notice').isVisible()),
      `a notice is shown while check-in is open (screenshot ${beforeShot})\n  ${await describe(page)}`,
    );
    const mode = (await page.locator('#mode').innerText()).trim();
    check(mode === '请扫码签到', `#mode should say 请扫码签到 while check-in is open, says ${JSON.stringify(mode)}`);
    const title = (await page.locator('#session-title').innerText()).trim();
    const className = (await page.locator('#class-name').innerText()).trim();
    check(title !== '' && className !== '', `the class (${JSON.stringify(className)}) and session (${JSON.stringify(title)}) are not both shown`);
    check((await page.locator('#latest li').count()) === 0, `#latest lists arrivals before anyone checked in\n  ${await describe(page)}`);

    // 2. The driver turns the server clock by one rotation and checks a trainee in.
    signal(`READY ${before}`);

    // 3. The page follows on its own: a new code, and the arrival counted and listed.
    await waitUntil(
      page,
      `a QR other than the first and the counter "1 / ${expected}"`,
      (first) => {
        const qr = document.getElementById('qr');
        const counter = document.getElementById('counter');
        return Boolean(
          qr && qr.dataset.token && qr.dataset.token !== first && qr.querySelector('svg') && counter.innerText.trim().startsWith('1 '),
        );
      },
      before,
    );
    // The arrival list is drawn in the same render as the counter; wait for it anyway rather than assume.
    await waitUntil(page, 'an arrival in #latest', () => document.querySelectorAll('#latest li').length > 0);
    const after = await shownToken(page);
    const afterShot = await screenshot(page, 'screen-after.png');
    const counter = await counterText(page);
    check(counter === `1 / ${expected}`, `the counter should read "1 / ${expected}", reads ${JSON.stringify(counter)} (screenshot ${afterShot})`);
    const arrivals = await page.locator('#latest li').evaluateAll((lis) =>
      lis.map((li) => Array.from(li.querySelectorAll('span'), (s) => s.innerText.trim())),
    );
    check(
      arrivals.length === 1 && arrivals[0][0] === arrivalName,
      `#latest should list exactly one arrival, ${JSON.stringify(arrivalName)}, lists ${JSON.stringify(arrivals)} (screenshot ${afterShot})`,
    );

    // The key travels in the header only, never in the query string.
    check(seen.polls.length >= 2, `the page polled /api/v1/screen/state ${seen.polls.length} time(s)`);
    const leaky = seen.polls.filter((p) => p.key !== key || p.url.includes(key));
    check(leaky.length === 0, `screen-state requests without the key header, or with the key in the URL: ${JSON.stringify(leaky)}`);
    check(seen.errors.length === 0, `the page logged errors:\n  ${seen.errors.join('\n  ')}`);
    return { before, after, counter, arrival: arrivals[0].join(' '), shots: [beforeShot, afterShot] };
  } catch (e) {
    await failureShot(page, screenshotDir, 'screen-failure.png', e);
    throw e;
  } finally {
    await page.close();
  }
}

await run('screen', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  // A classroom PC or projector.
  const context = await newContext(browser, {
    viewport: { width: 1920, height: 1080 },
    deviceScaleFactor: 1,
    timezoneId: 'Asia/Shanghai',
  });
  const later = laterUrl ? await notOpen(context) : null;
  const r = await drive(context);
  await context.close();
  return (
    (later ? `before opening: ${later.countdown}; ` : '') +
    `QR …${r.before.slice(-12)} -> …${r.after.slice(-12)}; ` +
    `counter 0 / ${expected} -> ${r.counter}; latest ${JSON.stringify(r.arrival)}; screenshots ${r.shots.join(', ')}`
  );
});
