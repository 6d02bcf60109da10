// Writing and following up a post-mortem in a real chromium, on the real daemon and its SQLite
// store: from the incident's page, "Write the post-mortem" opens a form filled from what the
// daemon knows; a publish without a root cause is refused with the problem beside its field;
// the post-mortem is created, published, an action item is marked done in place, and the KPIs
// on /metrics move. The browser answers the daemon's basic-auth prompt, as a user would.
import assert from 'node:assert/strict';
import { FIXTURE_TOKEN, horizontalOverflow, setupUi } from './harness.mjs';

const USER = { username: 'ann', password: 'correct horse' };
const ui = setupUi({ token: FIXTURE_TOKEN, basicAuth: USER });

const CHECKOUT = 'alertname="HighLatency",service="checkout"';

/** The sum of a metric family's samples whose labels contain every one of `labels`. */
async function metric(daemon, name, ...labels) {
  const text = await (await fetch(daemon.url('/metrics'))).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels.every((label) => line.includes(label))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

ui.test('a post-mortem is written, published and followed up in the browser',
  { httpCredentials: USER }, async ({ page, daemon, shot }) => {
    await daemon.postFixture('01-firing-group-checkout.json');
    await daemon.postFixture('05-resolved-checkout.json');
    const { incidents } = await daemon.getJson(`/api/v1/incidents?source=${encodeURIComponent(CHECKOUT)}`);
    const incident = incidents[0].id;
    const doneBefore = await metric(daemon, 'postmortem_action_items', 'status="done"');
    assert.equal(await metric(daemon, 'postmortem_incidents_awaiting_postmortem'), 1);

    await page.goto(daemon.url(`/incidents/${incident}`));
    await page.getByRole('link', { name: 'Write the post-mortem' }).click();
    await page.waitForURL(`**/incidents/${incident}/postmortem`);
    assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'HighLatency on checkout');
    assert.match(await page.getByLabel('Timeline').inputValue(), /alert fired: /);
    await shot('editor-new', { mobile: true });

    // Published without a root cause: refused, the problem beside the field, nothing stored.
    await page.getByLabel('Status', { exact: true }).selectOption('published');
    await page.getByLabel('Summary').fill('Checkout p99 above 2 s for 25 minutes.');
    await page.getByRole('button', { name: 'Create the post-mortem' }).click();
    const problem = page.locator('#e-root_cause');
    await problem.waitFor();
    assert.match(await problem.innerText(), /Error:/);
    assert.equal(await page.getByLabel('Summary').inputValue(), 'Checkout p99 above 2 s for 25 minutes.',
      'what was typed is kept');
    await shot('editor-problems');

    await page.getByLabel('Status', { exact: true }).selectOption('draft');
    await page.getByLabel('Root cause').fill('The connection pool was sized for last year\'s traffic.');
    await page.locator('#f-item-0-title').fill('Raise the pool size');
    await page.locator('#f-item-0-owner').fill('ann');
    await page.locator('#f-item-0-due').fill('2026-12-31');
    await page.locator('#f-item-0-priority').selectOption('P1');
    await page.getByRole('button', { name: 'Create the post-mortem' }).click();
    await page.waitForURL(`**/rcas/pm-${incident}`);
    await page.getByRole('heading', { name: 'HighLatency on checkout' }).waitFor();
    assert.match(await page.locator('.meta').innerText(), /draft/);

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.locator('.meta', { hasText: 'published' }).waitFor();
    assert.equal(await metric(daemon, 'postmortem_incidents_awaiting_postmortem'), 0,
      'the incident has its published post-mortem');

    const row = page.locator('#item-a1');
    await row.getByLabel('New status of “Raise the pool size”').selectOption('done');
    await row.getByRole('button', { name: 'Set' }).click();
    await page.locator('#item-a1 .status.done').waitFor();
    await shot('rca-published', { mobile: true });
    assert.equal(await metric(daemon, 'postmortem_action_items', 'status="done"'), doneBefore + 1);
    assert.equal(await metric(daemon, 'postmortem_action_items', 'status="open"'), 0);

    await page.goto(daemon.url(`/incidents/${incident}`));
    assert.match(await page.getByRole('region', { name: 'Post-mortem' }).innerText(),
      /HighLatency on checkout \(published; 0 of 1 action items open\)/);
  });

ui.test('the editor fits a phone', { mobile: true, httpCredentials: USER }, async ({ page, daemon }) => {
  await daemon.postFixture('01-firing-group-checkout.json');
  const { incidents } = await daemon.getJson(`/api/v1/incidents?source=${encodeURIComponent(CHECKOUT)}`);
  await page.goto(daemon.url(`/incidents/${incidents[0].id}/postmortem`));
  assert.equal(await horizontalOverflow(page), 0, 'the editor is wider than 375 px');
});

ui.test('without the password the editor is not shown', async ({ page, daemon }) => {
  await daemon.postFixture('01-firing-group-checkout.json');
  const { incidents } = await daemon.getJson(`/api/v1/incidents?source=${encodeURIComponent(CHECKOUT)}`);
  // Headless chromium cannot show the prompt: what makes a browser show it is the challenge.
  const res = await page.request.get(daemon.url(`/incidents/${incidents[0].id}/postmortem`));
  assert.equal(res.status(), 401);
  assert.match(res.headers()['www-authenticate'], /^Basic realm=/);
  assert.match(await res.text(), /Sign in to edit/);
});
