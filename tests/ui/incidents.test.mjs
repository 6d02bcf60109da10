// The web UI's read pages in a real chromium, on the real daemon and its SQLite store, fed the
// real Alertmanager captures: a responder sees the repeat on `/`, opens it, finds the earlier
// post-mortem and its open action items, walks to the earlier incident and the source's
// history, and filters the list. Screenshots of each page (desktop and 375 px) are written.
import assert from 'node:assert/strict';
import { FIXTURE_TOKEN, horizontalOverflow, setupUi } from './harness.mjs';

// --incident.reopen-window=0: web-1 refiring after the resolution (fixture 07) opens a second
// checkout incident, a repeat of the first (fixtures README).
const ui = setupUi({ token: FIXTURE_TOKEN, flags: ['--incident.reopen-window=0'] });

const CHECKOUT = 'alertname="HighLatency",service="checkout"';

/** Replays fixtures 01..07 and links a post-mortem (2 of 3 items open) to the first checkout
 *  incident; returns the ids of the checkout incidents, oldest first. */
async function repeatWithPostmortem(daemon) {
  for (const n of ['01-firing-group-checkout', '02-firing-group-auth', '03-repeat-send-checkout',
    '04-repeat-send-auth', '05-resolved-checkout', '06-resolved-auth', '07-refire-checkout']) {
    await daemon.postFixture(`${n}.json`);
  }
  const { incidents } = await daemon.getJson(`/api/v1/incidents?source=${encodeURIComponent(CHECKOUT)}`);
  const [second, first] = incidents.map((incident) => incident.id);
  const item = (id, title, type, status) => ({ id, title, type, status, priority: 'P1', owner: 'ann', due: '2026-12-31' });
  const rca = {
    id: 'rca-checkout-pool', title: 'Checkout pool exhaustion', status: 'draft', incidents: [first],
    action_items: [item('a1', 'Raise the pool size', 'prevent', 'open'),
      item('a2', 'Alert on pool saturation', 'detect', 'open'),
      item('a3', 'Runbook: drain a pod', 'mitigate', 'done')],
  };
  const res = await fetch(daemon.url(`/api/v1/rcas/${rca.id}`), {
    method: 'PUT', headers: { 'Content-Type': 'application/json', ...daemon.authHeaders() },
    body: JSON.stringify(rca),
  });
  assert.ok(res.ok, `PUT rca -> ${res.status}: ${await res.text()}`);
  return { first, second };
}

ui.test('a repeat leads to the earlier post-mortem and its open items', async ({ page, daemon, shot }) => {
  const { first, second } = await repeatWithPostmortem(daemon);

  await page.goto(daemon.url('/'));
  assert.equal(await page.title(), 'Incidents · postmortem-exporter');
  const repeatRow = page.getByRole('row').filter({ has: page.locator(`a[href="/incidents/${second}"]`) });
  await repeatRow.getByText('repeat: 2nd in 180d').waitFor();
  assert.match(await repeatRow.innerText(), /open/);
  await shot('incidents', { mobile: true });

  await page.locator(`a[href="/incidents/${second}"]`).click();
  await page.waitForURL(`**/incidents/${second}`);
  const banner = page.getByRole('region', { name: /Repeat: the 2nd incident of this source in 180d/ });
  await banner.waitFor();
  assert.match(await banner.innerText(), /Checkout pool exhaustion: 2 of 3 action items still open/);
  assert.match(await banner.innerText(), /Raise the pool size — ann, due 2026-12-31/);
  assert.doesNotMatch(await banner.innerText(), /Runbook: drain a pod/, 'a done item is not listed as open');
  await page.getByRole('heading', { name: 'Alerts (1)' }).waitFor();
  await shot('incident-repeat', { mobile: true });

  await banner.getByRole('link', { name: first }).click();
  await page.waitForURL(`**/incidents/${first}`);
  const postmortem = page.getByRole('region', { name: 'Post-mortem' });
  assert.match(await postmortem.innerText(), /Checkout pool exhaustion \(draft; 2 of 3 action items open\)/);
  await page.getByRole('heading', { name: 'Alerts (2)' }).waitFor();

  await page.getByRole('link', { name: CHECKOUT }).click();
  await page.waitForURL('**/sources/*');
  assert.equal(await page.locator('.incidents tbody tr').count(), 2);
  await page.getByRole('link', { name: 'Checkout pool exhaustion' }).waitFor();
  await shot('source', { mobile: true });
});

ui.test('the list filters to repeats and by state', async ({ page, daemon }) => {
  const { first, second } = await repeatWithPostmortem(daemon);
  await page.goto(daemon.url('/'));
  await page.getByLabel('repeats only').check();
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL('**/?*repeat=1*');
  assert.equal(await page.locator(`a[href="/incidents/${second}"]`).count(), 1);
  assert.equal(await page.locator(`a[href="/incidents/${first}"]`).count(), 0);

  await page.goto(daemon.url('/'));
  await page.getByLabel('State').selectOption('resolved');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL('**/?*state=resolved*');
  const rows = await page.locator('.incidents tbody tr').allInnerTexts();
  assert.equal(rows.length, 2, 'the first checkout incident and the auth one');
  for (const row of rows) assert.match(row, /resolved/);
});

ui.test('pages fit a phone', { mobile: true }, async ({ page, daemon }) => {
  const { second } = await repeatWithPostmortem(daemon);
  for (const pathname of ['/', `/incidents/${second}`]) {
    await page.goto(daemon.url(pathname));
    assert.equal(await page.evaluate(() => innerWidth), 375, `${pathname}: laid out for the phone's width`);
    assert.equal(await horizontalOverflow(page), 0, `${pathname} is wider than 375 px`);
  }
});

ui.test('the post-mortem page and the action-item board', async ({ page, daemon, shot }) => {
  await repeatWithPostmortem(daemon);
  await page.goto(daemon.url('/'));
  await page.getByRole('link', { name: 'Post-mortems', exact: true }).click();
  await page.waitForURL('**/rcas');
  const row = page.getByRole('row').filter({ hasText: 'Checkout pool exhaustion' });
  assert.match(await row.innerText(), /2 of 3/);
  await row.getByRole('link', { name: 'Checkout pool exhaustion' }).click();
  await page.waitForURL('**/rcas/rca-checkout-pool');
  await page.getByRole('heading', { name: 'Action items (2 of 3 open)' }).waitFor();
  assert.equal(await page.locator('.items tbody tr').count(), 3);
  await shot('rca', { mobile: true });

  await page.getByRole('link', { name: 'Action items', exact: true }).click();
  await page.waitForURL('**/action-items');
  await page.getByText('2 items, 0 overdue.').waitFor();
  const ann = page.getByRole('region', { name: /^ann/ });
  assert.match(await ann.innerText(), /Raise the pool size/);
  assert.doesNotMatch(await ann.innerText(), /Runbook: drain a pod/, 'done items are not on the board');
  await shot('action-items', { mobile: true });
});
