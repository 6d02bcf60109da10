// The browser harness end to end, on what the daemon serves today: the landing page at / and
// the JSON API it links to, seen through a real chromium after two real Alertmanager webhooks.
import assert from 'node:assert/strict';
import { FIXTURE_TOKEN, horizontalOverflow, setupUi } from './harness.mjs';

// With a token, as Alertmanager is configured in the fixtures (request-headers.txt).
const ui = setupUi({ token: FIXTURE_TOKEN });

// The landing page's links, by their text: where each points and what it must answer.
const LINKS = [
  { name: 'Metrics', href: '/metrics', type: 'text/plain' },
  { name: 'Incidents', href: '/api/v1/incidents', type: 'application/json' },
  { name: 'Sources', href: '/api/v1/sources', type: 'application/json' },
  { name: 'Health', href: '/-/healthy', type: 'text/plain' },
  { name: 'Readiness', href: '/-/ready', type: 'text/plain' },
];

// Fixtures 01 and 02: HighLatency on web-1 and web-2 (checkout), DBPoolSaturated on db-1 (auth).
const CHECKOUT = 'alertname="HighLatency",service="checkout"';
const AUTH = 'alertname="DBPoolSaturated",service="auth"';

ui.test('the landing page shows the title and working links', async ({ page, daemon, shot }) => {
  const response = await page.goto(daemon.url('/'));
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /^text\/html/);
  assert.equal(await page.title(), 'postmortem-exporter');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'postmortem-exporter');

  const links = page.getByRole('link');
  assert.equal(await links.count(), LINKS.length, 'the landing page has other links than expected');
  for (const { name, href, type } of LINKS) {
    const link = page.getByRole('link', { name, exact: true });
    assert.equal(await link.getAttribute('href'), href, `link "${name}"`);
    // Followed with the page's own request context (its cookies, its origin), as a click would.
    const target = await page.request.get(new URL(href, page.url()).href);
    assert.equal(target.status(), 200, `link "${name}" (${href}) answers ${target.status()}`);
    assert.ok(target.headers()['content-type'].startsWith(type),
      `link "${name}" (${href}) is ${target.headers()['content-type']}, not ${type}`);
  }
  await shot('landing', { mobile: true });
  // 375 px wide (a phone's CSS width) nothing may stick out sideways: the text wraps.
  await page.setViewportSize({ width: 375, height: 812 });
  assert.equal(await horizontalOverflow(page), 0, 'the landing page is wider than 375 px');
});

ui.test('the incidents of two webhooks are listed through the browser', async ({ page, daemon, shot }) => {
  await daemon.postFixture('01-firing-group-checkout.json');
  await daemon.postFixture('02-firing-group-auth.json');

  // Through the page's request API...
  await page.goto(daemon.url('/'));
  const api = await page.request.get(daemon.url('/api/v1/incidents'));
  assert.equal(api.status(), 200);
  const { incidents } = await api.json();
  const bySource = Object.fromEntries(incidents.map((incident) => [incident.source, incident]));
  assert.deepEqual(Object.keys(bySource).sort(), [AUTH, CHECKOUT].sort());
  const instances = (incident) => incident.alerts.map((alert) => alert.labels.instance).sort();
  assert.equal(bySource[CHECKOUT].state, 'open');
  assert.deepEqual(instances(bySource[CHECKOUT]), ['web-1', 'web-2']);
  assert.equal(bySource[CHECKOUT].occurrences, 2);
  assert.equal(bySource[AUTH].state, 'open');
  assert.deepEqual(instances(bySource[AUTH]), ['db-1']);

  // ...and as a person gets there: clicking "Incidents" on the landing page. Chromium shows a
  // JSON answer as text; it must be the same list.
  await page.getByRole('link', { name: 'Incidents', exact: true }).click();
  await page.waitForURL('**/api/v1/incidents');
  const shown = JSON.parse(await page.locator('body').innerText());
  assert.deepEqual(shown.incidents.map((incident) => incident.id).sort(),
    incidents.map((incident) => incident.id).sort());
  await shot('incidents-json');

  // The daemon logged each incident opening and no error (the file's after hook checks the
  // error lines again, after the other tests).
  assert.match(daemon.log(), /msg="incident opened".*source="alertname=\\"HighLatency\\",service=\\"checkout\\""/);
  assert.match(daemon.log(), /msg="incident opened".*source="alertname=\\"DBPoolSaturated\\",service=\\"auth\\""/);
  assert.deepEqual(daemon.errorLines(), []);
});
