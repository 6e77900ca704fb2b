// The printable daily notice (考勤公示) on a phone (375 px) in headless Chromium. Run by tests/api/notice.rs
// against a server it started; usable by hand too:
//
//   node e2e/notice.mjs NOTICE_URL SCREENSHOT_DIR
//
// Checks that names never wrap one character per line (each name cell is one line high), that the page itself
// does not scroll sideways (the tables scroll inside their own box instead), and writes notice-375.png.
// Prints one summary line; exits 0 when every check passes, 1 on a failed check or error, 2 on bad arguments.

import { args, check, collectErrors, failureShot, launchPhone, run, shot } from './lib.mjs';

const SHOTS = ['notice-375.png', 'notice-failure.png'];
const usage = 'usage: node e2e/notice.mjs NOTICE_URL SCREENSHOT_DIR';
const [noticeUrl, screenshotDir] = args(usage, 2);

await run('notice', { dir: screenshotDir, stale: SHOTS }, async (browser) => {
  const context = await launchPhone(browser, { timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  const errors = collectErrors(page);
  try {
    await page.goto(noticeUrl);
    await page.waitForSelector('h1');
    const cells = await page.locator('table tr td:first-child').evaluateAll((tds) =>
      tds.map((td) => {
        const style = getComputedStyle(td);
        const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.4;
        const inner = td.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
        return { text: td.innerText.trim(), lines: Math.round(inner / line) };
      }),
    );
    const wrapped = cells.filter((c) => c.lines > 1);
    check(cells.length > 0, 'the notice has no rows to look at');
    check(wrapped.length === 0, `first-column cells wrap over several lines at 375 px: ${JSON.stringify(wrapped)}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 375, `the page scrolls sideways (${width} px wide) instead of its tables`);
    check(errors.length === 0, `the page logged errors:\n  ${errors.join('\n  ')}`);
    const file = await shot(page, screenshotDir, 'notice-375.png');
    return `${cells.length} rows, none wrapped, page ${width} px wide; screenshot ${file}`;
  } catch (e) {
    await failureShot(page, screenshotDir, 'notice-failure.png', e);
    throw e;
  } finally {
    await context.close();
  }
});
