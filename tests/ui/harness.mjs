// Real-browser test harness for the daemon's web UI (ctest label `ui`, tests/ui/*.test.mjs).
//
// Each test file gets the real postmortem-exporter binary on a free loopback port (embedded
// SQLite store in a temporary folder) and one headless Debian chromium, driven by
// playwright-core. Each test gets a fresh browser context, so no cookies or state leak between
// tests. Runs under node's own runner; ctest sets the variables below (`ctest -L ui`). By hand:
//   (cd tests/ui && npm ci) && PMX_DAEMON_PATH=build/postmortem-exporter node --test tests/ui/
//
// Environment:
//   PMX_DAEMON_PATH     the daemon binary (required; ctest passes the one it built, the ASan
//                       one under scripts/sanitize.sh)
//   PMX_UI_SCREENSHOTS  where screenshots go (default: <tmp>/pmx-ui-screenshots), one folder per
//                       test file: <test>--<step>.png, <test>--<step>.375px.png, and on a
//                       failure <test>--FAILED.png, .html (the page) and .daemon.log
//   PMX_CHROMIUM_PATH   the browser (default /usr/bin/chromium, Debian's; scripts/test.sh
//                       installs it)
//
// Writing a page test (tests/ui/<page>.test.mjs):
//
//   import assert from 'node:assert/strict';
//   import { setupUi, FIXTURE_TOKEN } from './harness.mjs';
//
//   // Registers before/after hooks: the daemon and chromium start once for the file; after
//   // the last test the daemon must have logged no error line and must stop cleanly.
//   const ui = setupUi({ token: FIXTURE_TOKEN });        // options: see startDaemon()
//
//   ui.test('an incident page lists its alerts', async ({ page, daemon, shot }) => {
//     await daemon.postFixture('01-firing-group-checkout.json');
//     const { incidents } = await daemon.getJson('/api/v1/incidents');
//     await page.goto(daemon.url(`/incidents/${incidents[0].id}`));
//     assert.equal(await page.title(), '...');
//     await page.getByRole('link', { name: 'web-1' }).waitFor();   // fails after 10 s
//     await shot('incident', { mobile: true });  // full page, and again 375 px wide
//   });
//
// Notes:
//   - The daemon lives for the whole file: tests in one file share its data (post fixtures in
//     the test that needs them; `daemon.postFixture` is idempotent, as Alertmanager re-sends
//     are). Use another file, or `startDaemon()` yourself, for a clean or differently
//     configured daemon.
//   - On a failure the page's screenshot and HTML are saved before the error is re-thrown.
//   - An uncaught JavaScript error in the page fails the test (the UI must not throw).
//   - Wait for things with playwright's auto-waiting locators or `waitFor`, never with sleeps;
//     each waits at most ACTION_TIMEOUT_MS (10 s) before it fails.
//   - `shot(step, { mobile: true })` narrows the desktop page to 375 px: media queries apply.
//     `ui.test(name, { mobile: true }, fn)` runs the whole test in a phone-like context (375 px,
//     isMobile, touch) where, as on a real phone, a page without
//     <meta name="viewport" content="width=device-width, initial-scale=1"> is laid out 980 px
//     wide and shown zoomed out (today's landing page has none): there, check that
//     `await page.evaluate(() => innerWidth)` is 375. In either, `await horizontalOverflow(page)`
//     is how many px stick out sideways (0 when the page fits).
import { spawn } from 'node:child_process';
import { after, before, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES_DIR = path.resolve(HERE, '../fixtures/alertmanager-0.25');
/** The bearer token of the captured fixtures (tests/fixtures/alertmanager-0.25/README.md). */
export const FIXTURE_TOKEN = 's3cret-token';
const CHROMIUM = process.env.PMX_CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOTS = process.env.PMX_UI_SCREENSHOTS || path.join(os.tmpdir(), 'pmx-ui-screenshots');
const DESKTOP = { width: 1280, height: 800 };
const MOBILE_WIDTH = 375;
// Generous: under ASan the daemon starts and answers several times slower than normally.
const READY_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 15_000;
// Playwright's default is 30 s per action; a page that is there answers in well under a second
// (even under ASan), so a missing element fails sooner and the file stays within ctest's limit.
const ACTION_TIMEOUT_MS = 10_000;

// playwright-core and node:test's hooks as used here need Node 20 (Debian 12's own nodejs is 18).
if (Number(process.versions.node.split('.')[0]) < 20) {
  throw new Error(`Node ${process.versions.node} is too old for the UI tests: they need Node 20 or later`);
}

// playwright-core comes from tests/ui/node_modules (`npm ci`, as scripts/test.sh does); say so
// rather than fail with a bare ERR_MODULE_NOT_FOUND.
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (err) {
  throw new Error(`playwright-core is not installed: run (cd ${HERE} && npm ci) as scripts/test.sh does (${err.message})`);
}

/** Polls `probe` (async, truthy when done) every `intervalMs` until `deadlineMs` has passed. */
export async function pollUntil(probe, { deadlineMs, intervalMs = 50, what = 'condition' }) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A loopback port nobody listens on now (the daemon may still lose it: startDaemon retries). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Daemons still running. Should this process end without stopping one (an uncaught error, the
// runner interrupted), it is killed rather than left holding its port and temporary folder.
const running = new Set();
process.on('exit', () => { for (const child of running) child.kill('SIGKILL'); });
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15]]) {
  process.once(signal, () => process.exit(128 + number)); // runs the 'exit' handler above
}

/** A running daemon: its URL, HTTP helpers for its API and webhook, its log, stop(). */
export class Daemon {
  constructor({ child, port, dir, logPath, token }) {
    this.child = child;
    this.port = port;
    this.dir = dir;
    this.logPath = logPath;
    this.token = token;
    this.exited = null; // { code, signal } once it has exited
    running.add(child);
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => {
      running.delete(child);
      this.exited = { code, signal };
      resolve(this.exited);
    }));
  }

  /** http://127.0.0.1:PORT + path. */
  url(pathname = '/') {
    return `http://127.0.0.1:${this.port}${pathname}`;
  }

  /** The request headers that carry this daemon's credentials (none when it has none). */
  authHeaders() {
    if (this.token) return { Authorization: `Bearer ${this.token}` };
    if (this.basicAuth) {
      const { username, password } = this.basicAuth;
      return { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
    }
    return {};
  }

  /** GET that must answer 200 with JSON; throws with the status and body otherwise. */
  async getJson(pathname, { auth = false } = {}) {
    const res = await fetch(this.url(pathname), { headers: auth ? this.authHeaders() : {} });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET ${pathname} -> ${res.status}: ${body.slice(0, 500)}`);
    return JSON.parse(body);
  }

  /** POSTs a webhook body (object or JSON text) as Alertmanager does; throws unless 2xx. */
  async postWebhook(body) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(this.url('/api/v1/webhook'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...this.authHeaders() },
      body: text,
    });
    const answer = await res.text();
    if (!res.ok) throw new Error(`POST /api/v1/webhook -> ${res.status}: ${answer.slice(0, 500)}`);
    return answer ? JSON.parse(answer) : {};
  }

  /** Posts tests/fixtures/alertmanager-0.25/<name> (a real Alertmanager capture). */
  postFixture(name) {
    return this.postWebhook(fs.readFileSync(path.join(FIXTURES_DIR, name), 'utf8'));
  }

  /** The daemon's whole log (stdout and stderr). */
  log() {
    return fs.readFileSync(this.logPath, 'utf8');
  }

  /** Its last lines, for error messages. */
  logTail(lines = 30) {
    return this.log().split('\n').slice(-lines - 1).join('\n');
  }

  /** Lines at level error or critical, in logfmt (level=error) or JSON ("level":"error"). */
  errorLines() {
    return this.log().split('\n').filter((line) => /\blevel=(error|critical)\b|"level":"(error|critical)"/.test(line));
  }

  /**
   * SIGTERM, then waits up to STOP_DEADLINE_MS for the exit (SIGKILL past it). Returns
   * { code, signal } of the exit; a clean shutdown is { code: 0, signal: null }.
   */
  async stop() {
    if (!this.exited) this.child.kill('SIGTERM');
    let timer;
    const deadline = new Promise((resolve) => { timer = setTimeout(() => resolve(null), STOP_DEADLINE_MS); });
    const result = await Promise.race([this.exit, deadline]);
    clearTimeout(timer);
    if (result) return result;
    this.child.kill('SIGKILL');
    await this.exit;
    return { code: null, signal: 'SIGKILL', timedOut: true };
  }
}

/**
 * Starts the daemon and waits (polling, with a deadline) for GET /-/ready to answer 200.
 * Options:
 *   token            bearer token, written to a file for --web.auth-token-file (default none)
 *   basicAuth        { username, password } for --web.basic-auth-username/-password-file
 *   readAuth         true: --web.read-auth (reads need the credentials too)
 *   flags            more flags, e.g. ['--incident.reopen-window=0s']
 * The daemon logs at debug level into <its dir>/daemon.log; its store is <its dir>/data.
 */
export async function startDaemon({ token = '', basicAuth = null, readAuth = false, flags = [] } = {}) {
  const binary = process.env.PMX_DAEMON_PATH;
  if (!binary) throw new Error('PMX_DAEMON_PATH is not set: the daemon binary to test (ctest sets it)');
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch {
    throw new Error(`PMX_DAEMON_PATH=${binary} is not an executable file: build the daemon first`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmx-ui-daemon-'));
  const args = ['--log.level=debug', `--storage.path=${path.join(dir, 'data')}`];
  if (token) {
    fs.writeFileSync(path.join(dir, 'token'), `${token}\n`, { mode: 0o600 });
    args.push(`--web.auth-token-file=${path.join(dir, 'token')}`);
  }
  if (basicAuth) {
    fs.writeFileSync(path.join(dir, 'password'), `${basicAuth.password}\n`, { mode: 0o600 });
    args.push(`--web.basic-auth-username=${basicAuth.username}`,
      `--web.basic-auth-password-file=${path.join(dir, 'password')}`);
  }
  if (readAuth) args.push('--web.read-auth');
  args.push(...flags);

  // The port is free when picked but may be taken before the daemon binds it: then the daemon
  // exits, and we try another.
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const logPath = path.join(dir, `daemon-${attempt}.log`);
    const logFd = fs.openSync(logPath, 'w');
    const child = spawn(binary, [...args, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    const daemon = new Daemon({ child, port, dir, logPath, token });
    daemon.basicAuth = basicAuth;
    try {
      await pollUntil(async () => {
        if (daemon.exited) {
          const { code, signal } = daemon.exited;
          throw new Error(`the daemon exited (code ${code}, signal ${signal}) before it got ready`);
        }
        try {
          return (await fetch(daemon.url('/-/ready'))).status === 200;
        } catch {
          return false; // not listening yet
        }
      }, { deadlineMs: READY_DEADLINE_MS, what: `GET ${daemon.url('/-/ready')} to answer 200` });
      return daemon;
    } catch (err) {
      lastError = new Error(`${err.message}\n--- daemon log (${logPath}):\n${daemon.logTail()}`);
      await daemon.stop();
    }
  }
  throw lastError;
}

/** Launches headless Debian chromium; fails clearly when it is not installed. */
export async function launchBrowser() {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
  } catch {
    throw new Error(`chromium not found at ${CHROMIUM}: scripts/test.sh installs it (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // --no-sandbox: the tests run as root, where chromium's sandbox refuses to start.
    // --disable-dev-shm-usage: shared memory in /tmp, as a small /dev/shm (containers) crashes
    // renderers; Debian's wrapper adds it only when it can measure /dev/shm.
    // --disable-gpu: no GPU here; software rendering without probing for one.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** How many CSS pixels the page is wider than its viewport (0 when it fits, as it should). */
export function horizontalOverflow(page) {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

/** A file-system-safe name: "An incident's page" -> "an-incident-s-page". */
function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'unnamed';
}

/**
 * Takes screenshots of `page` into `dir` under `prefix`: shot(step) writes a full-page PNG,
 * shot(step, { mobile: true }) also one 375 px wide (the same page, its viewport narrowed and
 * put back). Returns the paths written.
 */
function screenshotter(page, dir, prefix) {
  return async (step, { mobile = false } = {}) => {
    fs.mkdirSync(dir, { recursive: true });
    const written = [path.join(dir, `${prefix}--${slug(step)}.png`)];
    await page.screenshot({ path: written[0], fullPage: true });
    if (mobile) {
      const size = page.viewportSize();
      await page.setViewportSize({ width: MOBILE_WIDTH, height: size.height });
      written.push(path.join(dir, `${prefix}--${slug(step)}.${MOBILE_WIDTH}px.png`));
      await page.screenshot({ path: written[1], fullPage: true });
      await page.setViewportSize(size);
    }
    return written;
  };
}

/**
 * Sets up a test file: before its tests, the daemon (startDaemon(options)) and chromium start;
 * after them both stop, and the daemon must have logged no error line (unless
 * `allowErrorLogs`) and must exit 0 on SIGTERM. Returns { test, daemon, browser, screenshotDir }.
 */
export function setupUi({ allowErrorLogs = false, ...daemonOptions } = {}) {
  const file = process.argv[1] ? path.basename(process.argv[1]).replace(/\.test\.mjs$|\.mjs$/, '') : 'ui';
  const screenshotDir = path.join(SCREENSHOTS, slug(file));
  const ui = { daemon: null, browser: null, screenshotDir };

  before(async () => {
    // Only this run's pictures: a stale one could be mistaken for a result.
    fs.rmSync(screenshotDir, { recursive: true, force: true });
    fs.mkdirSync(screenshotDir, { recursive: true });
    // Both at once: each takes a second or two, the browser longer.
    const [daemon, browser] = await Promise.allSettled([startDaemon(daemonOptions), launchBrowser()]);
    ui.daemon = daemon.status === 'fulfilled' ? daemon.value : null;
    ui.browser = browser.status === 'fulfilled' ? browser.value : null;
    if (daemon.status === 'rejected') throw daemon.reason;
    if (browser.status === 'rejected') throw browser.reason;
  });

  after(async () => {
    await ui.browser?.close();
    if (!ui.daemon) return;
    const errors = ui.daemon.errorLines();
    const exit = await ui.daemon.stop();
    if (!allowErrorLogs) {
      assert.deepEqual(errors, [], `the daemon logged errors (${ui.daemon.logPath})`);
    }
    assert.deepEqual(exit, { code: 0, signal: null },
      `the daemon did not exit cleanly on SIGTERM:\n${ui.daemon.logTail()}`);
    fs.rmSync(ui.daemon.dir, { recursive: true, force: true });
  });

  /**
   * ui.test(name, [options], fn): fn({ page, context, daemon, shot, t }) with a fresh context.
   * options.mobile: a phone-like context (375 x 812, isMobile, touch) instead of 1280 x 800.
   * options.httpCredentials: { username, password } the browser answers a basic-auth prompt with.
   * options.skip/todo/only/timeout go to node:test.
   */
  ui.test = (name, options, fn) => {
    if (typeof options === 'function') [options, fn] = [{}, options];
    const { mobile = false, httpCredentials, ...testOptions } = options;
    return nodeTest(name, testOptions, async (t) => {
      assert.ok(ui.daemon && ui.browser, 'the daemon or chromium did not start (see the before hook)');
      const context = await ui.browser.newContext({
        ...(mobile
          ? { viewport: { width: MOBILE_WIDTH, height: 812 }, isMobile: true, hasTouch: true }
          : { viewport: DESKTOP }),
        // What the user types into the browser's basic-auth prompt.
        ...(httpCredentials ? { httpCredentials } : {}),
      });
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      const page = await context.newPage();
      const pageErrors = [];
      page.on('pageerror', (err) => pageErrors.push(err));
      const prefix = slug(name);
      try {
        await fn({ page, context, daemon: ui.daemon, shot: screenshotter(page, screenshotDir, prefix), t });
        assert.deepEqual(pageErrors.map(String), [], 'uncaught JavaScript errors in the page');
      } catch (err) {
        // What the browser showed when it failed, for whoever reads the CI log.
        const failed = path.join(screenshotDir, `${prefix}--FAILED`);
        await page.screenshot({ path: `${failed}.png`, fullPage: true }).catch(() => {});
        await page.content().then((html) => fs.writeFileSync(`${failed}.html`, html)).catch(() => {});
        fs.copyFileSync(ui.daemon.logPath, `${failed}.daemon.log`);
        t.diagnostic(`page at failure (${page.url()}): ${failed}.png, ${failed}.html`);
        t.diagnostic(`daemon log: ${failed}.daemon.log, its end:`);
        for (const line of ui.daemon.logTail(15).split('\n')) t.diagnostic(`  ${line}`);
        throw err;
      } finally {
        await context.close();
      }
    });
  };

  return ui;
}
