// What the browser tests in e2e/ share: arguments, the browser and its contexts, waiting, error collection,
// screenshots, the line protocol with the Rust driver (signal lines on stdout, answers on stdin) and the run
// itself (PASS/FAIL summary line, exit codes). Each script stays the one place for its own scenario and checks.
//
// Exit codes, for every script: 0 when every check passes, 1 on a failed check or error, 2 on bad arguments.

import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.ROLLCALL_E2E_CHROMIUM || '/usr/bin/chromium';
/** How long any one step may take in the browser. */
export const WAIT_MS = 15_000;

export class AssertionFailed extends Error {}

export function check(condition, message) {
  if (!condition) throw new AssertionFailed(message);
}

// ---- arguments -------------------------------------------------------------------------------------------------

/** The command-line arguments, when there are `min` to `max` of them; otherwise prints `usage` and exits 2. */
export function args(usage, min, max = min) {
  const argv = process.argv.slice(2);
  if (argv.length < min || argv.length > max) {
    console.error(usage);
    process.exit(2);
  }
  return argv;
}

/** Prints why the arguments are wrong, then `usage`, and exits 2. */
export function badArgs(why, usage) {
  console.error(`${why}\n${usage}`);
  process.exit(2);
}

/** A base URL without trailing slashes. */
export const baseUrl = (arg) => arg.replace(/\/+$/, '');

/** The SCENARIO_JSON argument, parsed; exits 2 when it is not JSON. */
export function scenarioArg(arg, usage) {
  try {
    return JSON.parse(arg);
  } catch (e) {
    return badArgs(`SCENARIO_JSON is not JSON: ${e.message}`, usage);
  }
}

// ---- the browser -------------------------------------------------------------------------------------------------

function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A browser context in Chinese, whose every wait and navigation gives up after WAIT_MS. */
export async function newContext(browser, options) {
  const context = await browser.newContext({ locale: 'zh-CN', ...options });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  return context;
}

/**
 * A phone: 375 × 740 CSS px at twice the density, touch. `options` add to it, e.g. `timezoneId` (required: the
 * scripts differ on purpose), `geolocation` with `permissions`, `acceptDownloads`.
 */
export function launchPhone(browser, { timezoneId, ...options }) {
  return newContext(browser, {
    viewport: { width: 375, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    timezoneId,
    ...options,
  });
}

/** For page.evaluate / addInitScript with `[token, device_id]`: a trainee's login, as the H5 pages keep it. */
export const storeLogin = ([token, device]) => {
  localStorage.setItem('rollcall.token', token);
  localStorage.setItem('rollcall.device_id', device);
};

/** How many CSS px the page is wider than the viewport (≤ 0 when it fits). */
export const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

// ---- watching a page ----------------------------------------------------------------------------------------------

/** Collects the page's uncaught errors and console errors (but the favicon's) into the array it returns. */
export function collectErrors(page, errors = []) {
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const where = m.location().url || '';
    if (m.type() === 'error' && !where.endsWith('/favicon.ico')) errors.push(`console error: ${m.text()} (${where})`);
  });
  return errors;
}

/** A request's JSON body (null without one), or `{unparseable}` with the raw body. */
export function postJson(request) {
  try {
    return JSON.parse(request.postData() || 'null');
  } catch {
    return { unparseable: request.postData() };
  }
}

/** A recorded request without its token, for messages. */
export const redacted = (r) => ({ ...r, auth: r.auth ? 'Bearer …' : '' });

/**
 * What the page shows, for failure messages: `lines` runs in the page (so it may use nothing from here) and gets
 * `text(id)`, "shown"/"hidden" and the element's text or "#id missing"; its lines are joined as one indented block.
 */
export function describePage(page, lines) {
  // Handed over as source, as page.evaluate does with any function, so that both run in the page together.
  return page.evaluate(`(${lines})(${shownText}).join('\\n  ')`);
}

function shownText(id) {
  const el = document.getElementById(id);
  if (!el) return `#${id} missing`;
  return `${el.classList.contains('hidden') ? 'hidden' : 'shown'} ${JSON.stringify(el.innerText.trim())}`;
}

/**
 * `waitUntil(page, what, predicate, arg)`: waits until `predicate(arg)` holds in the page; on timeout, fails with
 * `what` and what `describe(page)` says the page shows.
 */
export function waiter(describe) {
  return async (page, what, predicate, arg) => {
    try {
      await page.waitForFunction(predicate, arg, { timeout: WAIT_MS, polling: 100 });
    } catch (e) {
      throw new AssertionFailed(`${what}: not within ${WAIT_MS} ms\n  ${await describe(page)}\n  (${e.message.split('\n')[0]})`);
    }
  };
}

/** What `find()` returns once it is truthy, polling for at most `timeout` ms; its last answer after that. */
export async function eventually(find, { timeout = WAIT_MS, every = 50 } = {}) {
  const until = Date.now() + timeout;
  for (;;) {
    const found = find();
    if (found || Date.now() > until) return found;
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

// ---- artifacts -------------------------------------------------------------------------------------------------

/** Writes a full-page screenshot `dir/name`; returns its path. */
export async function shot(page, dir, name) {
  const file = path.join(dir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Adds a screenshot of the page as it failed to `error`'s message, when the page is still there to take one. */
export async function failureShot(page, dir, name, error) {
  try {
    error.message += `\n  failure screenshot: ${await shot(page, dir, name)}`;
  } catch {
    // The page may already be gone; the error says enough.
  }
}

// ---- talking to the driver ---------------------------------------------------------------------------------------

/** A line for the Rust driver, which reads the script's stdout line by line. */
export function signal(line) {
  console.log(line);
}

/**
 * The driver's lines on stdin: `next(what, timeout)` is the next one, trimmed, or an AssertionFailed after `timeout`
 * ms or when stdin closes; `close()` stops reading. Lines that come before they are asked for wait their turn.
 */
export function lines() {
  const input = readline.createInterface({ input: process.stdin });
  const queued = [];
  const waiting = [];
  let closed = false;
  input.on('line', (line) => (waiting.length ? waiting.shift().resolve(line.trim()) : queued.push(line.trim())));
  input.on('close', () => {
    closed = true;
    for (const w of waiting.splice(0)) w.reject();
  });
  return {
    next(what, timeout) {
      if (queued.length) return Promise.resolve(queued.shift());
      return new Promise((resolve, reject) => {
        const fail = (why) => reject(new AssertionFailed(`${what}: ${why}`));
        if (closed) return fail('stdin closed');
        const w = {
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
          reject: () => {
            clearTimeout(timer);
            fail('stdin closed');
          },
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(w), 1);
          fail(`no line on stdin within ${timeout} ms`);
        }, timeout);
        waiting.push(w);
      });
    },
    close: () => input.close(),
  };
}

// ---- the run ---------------------------------------------------------------------------------------------------

/**
 * Runs `main(browser)` and exits: removes the `stale` artifacts from `dir` (no stale file may pass for this run's),
 * launches Chromium, prints "e2e NAME: PASS in … ms: <what main returns>" and exits 0; on a failed check or an error
 * prints it on stderr and "e2e NAME: FAIL in … ms (…; see stderr)" on stdout and exits 1. The browser is closed
 * either way.
 */
export async function run(name, { dir, stale = [] }, main) {
  const started = Date.now();
  let browser;
  let exitCode = 0;
  try {
    await mkdir(dir, { recursive: true });
    for (const file of stale) await rm(path.join(dir, file), { force: true });
    browser = await launch();
    const summary = await main(browser);
    console.log(`e2e ${name}: PASS in ${Date.now() - started} ms: ${summary}`);
  } catch (e) {
    exitCode = 1;
    const kind = e instanceof AssertionFailed ? 'assertion failed' : 'error';
    console.error(`e2e ${name}: ${kind}: ${e.message}`);
    if (!(e instanceof AssertionFailed) && e.stack) console.error(e.stack);
    console.log(`e2e ${name}: FAIL in ${Date.now() - started} ms (${kind}; see stderr)`);
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
  process.exit(exitCode);
}
