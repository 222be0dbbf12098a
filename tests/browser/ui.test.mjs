// End-to-end test of the web UI in a real browser: users are made with the
// CLI as an administrator would, the server runs as deployed (on SQLite), and
// headless Chromium clicks through it as clinic staff would.
//
//   TANDEM_BIN=target/debug/tandem node --test tests/browser/
//
// Screenshots go to target/test-artifacts/, and a screenshot of the page at
// the moment of any failure too, so a red CI run can be read afterwards.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tandemBin = path.resolve(repoRoot, process.env.TANDEM_BIN ?? 'target/debug/tandem');
const chromiumPath = process.env.TANDEM_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'target', 'test-artifacts');

// The CI machine has two cores and also builds Rust: be patient.
const TIMEOUT = 30_000;
const STEP = { timeout: 120_000 };

const PASSWORD = 'Correct-Horse-Battery-9';
const USERS = [
  { username: 'dr_lee', role: 'prescriber', displayName: 'Dr. Maya Lee' },
  { username: 'desk_amy', role: 'front_desk', displayName: 'Amy Ortiz' },
  { username: 'audit_ray', role: 'auditor', displayName: 'Ray Auditor' },
  { username: 't_kim', role: 'therapist', displayName: 'Taylor Kim' },
];

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const CHART_PATH = new RegExp(`^/patients/${UUID}$`, 'i');

let tmp;
let dbUrl;
let base;
let server;
let serverOutput = '';
let browser;
let page; // the page of whoever is signed in right now, for failure screenshots
let chartPath; // set once Dr Lee has registered the patient

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tandem(args, input) {
  const res = spawnSync(tandemBin, args, { input, encoding: 'utf8', timeout: 60_000 });
  if (res.error) throw new Error(`cannot run ${tandemBin}: ${res.error.message}`);
  assert.equal(
    res.status,
    0,
    `tandem ${args.join(' ')} exited ${res.status}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}`,
  );
  return res.stdout;
}

async function waitForHealth(deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`tandem serve exited (${server.exitCode ?? server.signalCode}) before answering /healthz\n${serverOutput}`);
    }
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`tandem serve did not answer GET /healthz with 200 within ${deadlineMs / 1000} s (${last})\n${serverOutput}`);
}

function pathOf(p) {
  return new URL(p.url()).pathname;
}

async function shot(name) {
  await page.screenshot({ path: path.join(artifacts, name), fullPage: true });
}

// Runs one step; on failure keeps a screenshot and the server's recent output
// next to the error, since the browser state is gone once the run ends.
function step(name, fn) {
  it(name, STEP, async () => {
    try {
      await fn();
    } catch (err) {
      const file = `failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`;
      if (page && !page.isClosed()) {
        await page.screenshot({ path: path.join(artifacts, file), fullPage: true }).catch(() => {});
        err.message += `\n(page ${page.url()}, screenshot target/test-artifacts/${file})`;
      }
      err.message += `\n--- tandem serve output (last 4000 chars)\n${serverOutput.slice(-4000)}`;
      throw err;
    }
  });
}

async function goto(p) {
  const res = await page.goto(base + p, { waitUntil: 'load', timeout: TIMEOUT });
  assert.ok(res, `no response for ${p}`);
  return res;
}

// Clicks something that submits a form and waits for the resulting page,
// returning the final response (after any redirect) so its status can be checked.
async function submitWith(locator) {
  const [res] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: TIMEOUT }),
    locator.click({ timeout: TIMEOUT }),
  ]);
  assert.ok(res, 'the form submission produced no response');
  return res;
}

async function h1Text() {
  return (await page.locator('h1').first().innerText({ timeout: TIMEOUT })).trim();
}

async function bodyText() {
  return page.locator('body').innerText({ timeout: TIMEOUT });
}

// A fresh browser context per person, so no cookie carries over between them.
async function signIn(username, { screenshot } = {}) {
  if (page) await page.context().close();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  page = await context.newPage();
  const res = await goto('/login');
  assert.equal(res.status(), 200, 'GET /login');
  if (screenshot) await shot(screenshot);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(PASSWORD);
  await submitWith(page.locator('button[type=submit]'));
  assert.notEqual(pathOf(page), '/login', `${username} could not sign in: ${(await bodyText()).slice(0, 500)}`);
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  tmp = mkdtempSync(path.join(tmpdir(), 'tandem-ui-'));
  dbUrl = `sqlite://${tmp}/tandem.db`;

  for (const u of USERS) {
    tandem(
      ['user', 'add', '--username', u.username, '--role', u.role, '--password-stdin',
        '--display-name', u.displayName, '--database', dbUrl],
      `${PASSWORD}\n`,
    );
  }

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(tandemBin, ['serve', '--database', dbUrl, '--bind', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => { serverOutput += d; });
  server.stderr.on('data', (d) => { serverOutput += d; });
  await waitForHealth(60_000);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Playwright gives every launch a fresh temporary --user-data-dir itself.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 60_000,
  });
}, { timeout: 240_000 });

after(async () => {
  await browser?.close().catch(() => {});
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('web UI', { concurrency: false }, () => {
  step('a prescriber signs in and lands on My patients', async () => {
    await signIn('dr_lee', { screenshot: 'login.png' });
    assert.equal(pathOf(page), '/');
    assert.match(await h1Text(), /My patients/);
  });

  step('registering with no date of birth is refused with a field error', async () => {
    await submitWith(page.locator('a', { hasText: 'Register patient' }).first());
    assert.equal(pathOf(page), '/patients/new');
    await page.locator('input[name=family_name]').fill('Okafor');
    await page.locator('input[name=given_names]').fill('Grace');
    await page.locator('input[name=birth_date]').fill('');
    // The browser would stop an empty required date itself; the server must
    // refuse it too, so its check is the one exercised here.
    await page.locator('input[name=birth_date]').evaluate((el) => {
      if (el.form) el.form.noValidate = true;
    });
    const res = await submitWith(page.getByRole('button', { name: 'Register patient' }));
    assert.equal(res.status(), 422, 'status of the refused registration');
    assert.doesNotMatch(pathOf(page), CHART_PATH, 'a patient was registered without a date of birth');
    const error = page.locator('.field-error').first();
    await error.waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.ok((await error.innerText()).trim().length > 0, '.field-error is empty');
    const nearBirthDate = await page.evaluate(() => {
      const input = document.querySelector('input[name=birth_date]');
      if (!input) return false;
      const described = (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
      for (const el of document.querySelectorAll('.field-error')) {
        if (el.id && described.includes(el.id)) return true;
        // Near means sharing the field's wrapper (label, fieldset or div).
        let box = el.parentElement;
        for (let i = 0; i < 3 && box && box.tagName !== 'FORM'; i++, box = box.parentElement) {
          if (box.contains(input)) return true;
        }
      }
      return false;
    });
    assert.ok(nearBirthDate, 'no .field-error next to the birth_date input');
    await shot('register-error.png');
  });

  step('a valid registration opens the new chart', async () => {
    await page.locator('input[name=family_name]').fill('Okafor');
    await page.locator('input[name=given_names]').fill('Grace');
    await page.locator('input[name=birth_date]').fill('1990-03-14');
    await page.locator('select[name=sex_at_birth]').selectOption('female');
    await page.locator('input[name=pronouns]').fill('she/her');
    const res = await submitWith(page.getByRole('button', { name: 'Register patient' }));
    assert.equal(res.status(), 200, 'status of the chart after registering');
    assert.match(pathOf(page), CHART_PATH);
    chartPath = pathOf(page);
    assert.match(await h1Text(), /Grace Okafor/);
    assert.match(await page.locator('.mrn').first().innerText(), /\d/, '.mrn shows no digits');
    await shot('chart.png');
  });

  step('the new patient is on My patients, once, linking to the chart', async () => {
    assert.ok(chartPath, 'no chart was registered in an earlier step');
    const res = await goto('/');
    assert.equal(res.status(), 200);
    const rows = page.locator('table#patients tr', { hasText: 'Okafor, Grace' });
    assert.equal(await rows.count(), 1, 'rows for "Okafor, Grace" in table#patients');
    const hrefs = await rows.first().locator('a').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
    assert.ok(hrefs.includes(chartPath), `no link to ${chartPath} in the row (links: ${hrefs.join(', ')})`);
    await shot('my-patients.png');
  });

  step('searching patients by part of the name finds her', async () => {
    const res = await goto('/patients');
    assert.equal(res.status(), 200);
    await page.locator('input[name=q]').fill('oka');
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load', timeout: TIMEOUT }),
      page.locator('input[name=q]').press('Enter'),
    ]);
    assert.match(await bodyText(), /Okafor, Grace/);
  });

  step('an earlier PHQ-9 and GAD-7 from paper forms are back-dated', async () => {
    assert.ok(chartPath, 'no chart was registered in an earlier step');
    // Six weeks ago, as the datetime-local value the form takes (UTC).
    const earlier = new Date(Date.now() - 42 * 864e5).toISOString().slice(0, 16);
    const enter = async (instrument, answers, total, band) => {
      const res = await goto(`${chartPath}/measures/${instrument}`);
      assert.equal(res.status(), 200);
      await page.locator('#authored').fill(earlier);
      for (const [item, code] of answers) await page.locator(`input[name=i_${item}][value="${code}"]`).check();
      assert.equal((await page.locator('#live-total').innerText()).trim(), total);
      assert.equal((await page.locator('#live-band').innerText()).trim(), band);
      const saved = await submitWith(page.locator('button[type=submit]', { hasText: 'Save' }));
      assert.equal(saved.status(), 200);
      assert.equal(pathOf(page), chartPath);
    };
    await enter('phq9', [[1, 3], [2, 3], [3, 2], [4, 2], [5, 2], [6, 2], [7, 2], [8, 2], [9, 0]], '18', 'Moderately severe');
    await enter('gad7', [[1, 2], [2, 2], [3, 2], [4, 2], [5, 2], [6, 2], [7, 2]], '14', 'Moderate');
    assert.equal((await page.locator('#measure-phq9 .score').innerText()).trim(), '18');
    assert.equal((await page.locator('#measure-gad7 .score').innerText()).trim(), '14');
    assert.equal(await page.locator('.flag-badges .flag', { hasText: 'Suicide risk' }).count(), 0);
  });

  step('a PHQ-9 entered with the keyboard shows its total and band before saving', async () => {
    assert.ok(chartPath, 'no chart was registered in an earlier step');
    let res = await goto(chartPath);
    assert.equal(res.status(), 200);
    await page.locator('summary', { hasText: 'New measure' }).click();
    res = await submitWith(page.locator('.menu a', { hasText: 'PHQ-9' }).first());
    assert.equal(res.status(), 200);
    assert.equal(pathOf(page), `${chartPath}/measures/phq9`);
    assert.match(await h1Text(), /PHQ-9/);
    const total = page.locator('#live-total');
    const band = page.locator('#live-band');
    const riskFlag = page.locator('.live-flag', { hasText: 'Suicide risk' });
    assert.equal((await total.innerText()).trim(), '–', 'the total before any answer');

    // Tab from "answered at" into item 1; Space picks the first answer and
    // the arrow keys move along the item's answers.
    // (The date-time input has a Tab stop per part: day, month, year, ...)
    await page.locator('#authored').focus();
    const focused = () => page.evaluate(() => document.activeElement?.name);
    for (let i = 0; i < 8 && (await focused()) !== 'i_1'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'i_1', 'Tab leads to item 1');
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal((await total.innerText()).trim(), '2');
    // Tab to item 2, then type the scores: each chooses and moves on.
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'i_2', 'Tab leads to item 2');
    for (const key of ['2', '2', '1', '1', '1', '1', '1']) await page.keyboard.press(key);
    assert.equal(await focused(), 'i_9', 'typing moved on to item 9');
    assert.equal((await total.innerText()).trim(), '11', 'the live total after items 1-8');
    assert.equal((await band.innerText()).trim(), 'Moderate', 'the live band after items 1-8');
    assert.equal(await riskFlag.isVisible(), false, 'no suicide-risk warning while item 9 is unanswered');
    await page.keyboard.press('1');
    assert.equal((await total.innerText()).trim(), '12');
    assert.equal((await band.innerText()).trim(), 'Moderate');
    assert.equal(await riskFlag.isVisible(), true, 'item 9 above "Not at all" warns before saving');
    assert.match(await page.locator('#live-answered').innerText(), /9 of 9 answered/);
    assert.equal(await page.locator('#band-key li[aria-current]').getAttribute('data-label'), 'Moderate');
    await shot('phq9-entry.png');
  });

  step('saving shows the total, the band, the red suicide-risk flag and the chart', async () => {
    const res = await submitWith(page.getByRole('button', { name: 'Save PHQ-9' }));
    assert.equal(res.status(), 200);
    assert.equal(pathOf(page), chartPath);
    assert.match(await page.locator('#saved-notice').innerText(), /PHQ-9 recorded: 12 · Moderate/);
    const card = page.locator('#measure-phq9');
    assert.equal((await card.locator('.score').innerText()).trim(), '12');
    assert.equal((await card.locator('.band-chip').first().innerText()).trim(), 'Moderate');
    const badge = page.locator('.flag-badges .flag', { hasText: 'Suicide risk' });
    await badge.waitFor({ state: 'visible', timeout: TIMEOUT });
    const colour = await badge.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(colour, 'rgb(179, 38, 30)', 'the suicide-risk badge is red');
    const svg = card.locator('svg.trajectory');
    await svg.waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.equal(await svg.getAttribute('role'), 'img');
    assert.equal(await svg.locator('rect.band').count(), 5, 'the five PHQ-9 bands are shaded');
    assert.equal(await svg.locator('circle.point').count(), 2, 'the back-dated PHQ-9 and today\'s');
    assert.equal((await card.locator('.change').innerText()).trim(), '−6', 'the change since the baseline of 18');
    assert.match(await page.locator('.count-badge').innerText(), /^1/, 'the navigation counts the unread flag');
    await shot('chart-flag.png');
  });

  step('acknowledging the flag needs a note and keeps the flag', async () => {
    const form = page.locator('.flag-card.danger form.ack-form');
    await form.locator('input[name=note]').fill('Safety plan reviewed by phone; seen tomorrow');
    const res = await submitWith(form.getByRole('button', { name: 'Acknowledge' }));
    assert.equal(res.status(), 200);
    assert.match(await bodyText(), /Safety plan reviewed by phone; seen tomorrow/);
    assert.equal(await page.locator('.flag-badges .flag', { hasText: 'Suicide risk' }).count(), 1, 'the flag stays');
    assert.equal(await page.locator('.count-badge').count(), 0, 'acknowledged: no unread badge');
    await shot('chart-acknowledged.png');
  });

  step('the caseload lists her with the score and the flag', async () => {
    const res = await goto('/registry');
    assert.equal(res.status(), 200);
    assert.match(await h1Text(), /My caseload/);
    const row = page.locator('table#registry tbody tr', { hasText: 'Okafor, Grace' });
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /12/);
    assert.match(await row.innerText(), /−6/);
    assert.match(await row.innerText(), /Suicide risk/);
    await shot('registry.png');
    const notes = await goto('/notifications');
    assert.equal(notes.status(), 200);
    const note = page.locator('table#notifications tbody tr', { hasText: 'Okafor, Grace' });
    assert.match(await note.innerText(), /Suicide risk[\s\S]*Acknowledged/);
    await shot('notifications.png');
  });

  step('the intake recommends a pathway with its reasons, the safety step first', async () => {
    assert.ok(chartPath, 'no chart was registered in an earlier step');
    await goto(chartPath);
    await submitWith(page.locator('#intake-link'));
    assert.match(await h1Text(), /Intake/);
    await page.locator('#presenting_problems').fill('Low mood and poor sleep since the spring');
    await page.locator('input[name=suicidal_ideation][value=passive]').check();
    await page.locator('input[name=overall_risk][value=moderate]').check();
    await page.locator('#medication_preference').selectOption('open_to_medication');
    const res = await submitWith(page.getByRole('button', { name: 'Save assessment' }));
    assert.equal(res.status(), 200);
    const rec = page.locator('#recommendation');
    // PHQ-9 12 is moderate: therapy first; the positive item 9 puts a
    // same-day safety assessment before everything.
    assert.match(await rec.locator('.pathway-badge').innerText(), /^Therapy$/);
    const first = rec.locator('ol.first-steps li').first();
    assert.match(await first.getAttribute('class'), /safety/);
    assert.match(await first.innerText(), /safety/i);
    const colour = await first.evaluate((el) => getComputedStyle(el).color);
    assert.notEqual(colour, 'rgb(0, 0, 0)', 'the safety step stands out');
    assert.match(await rec.innerText(), /PHQ-9/);
    assert.match(await rec.innerText(), /Open to medication/, 'the preference is beside it');
    await rec.scrollIntoViewIfNeeded();
    await shot('intake-recommendation.png');
  });

  step('accepting it drafts the care plan, which is saved and signed', async () => {
    await submitWith(page.getByRole('button', { name: 'Accept recommendation' }));
    assert.match(await page.locator('#decision').innerText(), /Accepted: Therapy/);
    await submitWith(page.locator('#to-plan'));
    await submitWith(page.getByRole('link', { name: 'Start a care plan' }).first());
    assert.match(await h1Text(), /Start a care plan/);
    assert.match(await page.locator('#from-intake').innerText(), /Drafted from the intake decision/);
    assert.equal(await page.locator('select[name=therapy_modality_0]').inputValue(), 'cbt');
    await shot('care-plan-draft.png');
    const saved = await submitWith(page.getByRole('button', { name: 'Save as a new version' }));
    assert.equal(saved.status(), 200);
    assert.match(await h1Text(), /Care plan\s+version 1\s+Draft/);
    await page.locator('input[name=confirm]').check();
    await submitWith(page.getByRole('button', { name: 'Sign version 1' }));
    assert.match(await h1Text(), /Signed/);
    assert.match(await page.locator('#plan-signed').innerText(), /Dr\. Maya Lee/);
    await shot('care-plan.png');
  });

  step('the patient version is plain and prints without the screen furniture', async () => {
    await submitWith(page.getByRole('link', { name: 'Patient version (printable)' }));
    assert.match(await h1Text(), /Your care plan/);
    const text = await page.locator('#patient-plan').innerText();
    assert.match(text, /Call or text 988/);
    assert.match(text, /This is version 1 of your plan\./);
    assert.match(text, /Bring your score on the PHQ-9 \(mood check-in\) below 5 by/);
    assert.match(text, /CBT/);
    assert.match(text, /If you are in crisis[\s\S]*Why we ask you to fill in short questionnaires/, 'leaflets, crisis first');
    await shot('plan-summary.png');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('header.topbar').evaluate((el) => getComputedStyle(el).display), 'none');
    assert.equal(await page.locator('.actions').first().evaluate((el) => getComputedStyle(el).display), 'none');
    await shot('plan-summary-print.png');
    await page.emulateMedia({ media: 'screen' });
  });

  step('the prescriber starts sertraline 50 mg from the chart', async () => {
    await goto(chartPath);
    await submitWith(page.locator('#medications-link'));
    await submitWith(page.locator('#new-order'));
    await page.locator('#f-drug').selectOption('36437');
    await page.locator('#f-dose').fill('50');
    await page.locator('#f-sig').fill('Take one 50 mg tablet by mouth every morning');
    const res = await submitWith(page.getByRole('button', { name: 'Check and place order' }));
    assert.equal(res.status(), 200);
    assert.match(await h1Text(), /sertraline\s+50 mg a day/i);
  });

  step('phenelzine is stopped with the reason, then placed with a reason to override', async () => {
    await goto(chartPath.replace(/$/, '/medications/new'));
    await page.locator('#f-drug').selectOption('8123');
    await page.locator('#f-dose').fill('45');
    await page.locator('#f-sig').fill('Take 15 mg by mouth three times a day');
    const stopped = await submitWith(page.getByRole('button', { name: 'Check and place order' }));
    assert.equal(stopped.status(), 422, 'a contraindicated order is stopped');
    const stop = page.locator('#safety-stop');
    const why = await stop.innerText();
    assert.match(why, /phenelzine/i);
    assert.match(why, /sertraline/i);
    assert.match(why, /serotonin/i);
    assert.match(why, /14/, 'the washout is named');
    await stop.scrollIntoViewIfNeeded();
    await shot('medication-stop.png');
    await page.locator('#f-override').fill('Treatment-resistant depression; psychiatry consult agreed; sertraline stops today with monitoring');
    const placed = await submitWith(page.getByRole('button', { name: 'Place order with override' }));
    assert.equal(placed.status(), 200);
    assert.match(await h1Text(), /phenelzine/i);
    await goto(chartPath.replace(/$/, '/medications'));
    const row = page.locator('#current-orders tr', { hasText: /phenelzine/i });
    assert.match(await row.innerText(), /contraindicated/i, 'the overridden finding stays with the order');
    await shot('medications.png');
  });

  step('the finding is a DetectedIssue over FHIR, and the timeline shows the doses', async () => {
    const token = tandem(['token', 'issue', '--username', 'dr_lee', '--database', dbUrl]).trim();
    const pid = chartPath.split('/').pop();
    const res = await fetch(`${base}/fhir/r4/DetectedIssue?patient=${pid}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    const bundle = await res.json();
    const issues = (bundle.entry ?? []).map((e) => e.resource);
    const mao = issues.find((i) => /phenelzine/i.test(i.detail ?? '') && /sertraline/i.test(i.detail ?? ''));
    assert.ok(mao, `no DetectedIssue naming both drugs in ${JSON.stringify(issues).slice(0, 400)}`);
    assert.equal(mao.severity, 'high');
    assert.ok((mao.implicated ?? []).length >= 1);
    await goto(chartPath.replace(/$/, '/monitoring'));
    const svg = page.locator('#timeline svg.timeline');
    await svg.waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.equal(await svg.getAttribute('role'), 'img');
    assert.match(await svg.getAttribute('aria-label'), /sertraline/i);
    await shot('medication-timeline.png');
  });

  step('side effects of sertraline come from its label and land on the timeline', async () => {
    const box = page.locator('details.effect-form', { hasText: /Record side effects of sertraline/i });
    await box.locator('summary').click();
    const form = box.locator('form');
    assert.match(await form.locator('.checklist-source').innerText(), /FDA label of sertraline/i);
    const list = await form.locator('fieldset.checklist').innerText();
    assert.match(list, /Nausea/, 'an item of the sertraline label');
    assert.doesNotMatch(list, /akathisia/i, 'an antipsychotic item is not offered');
    await form.locator('label.panel-row', { hasText: /^Nausea/ }).locator('select').selectOption('moderate');
    const res = await submitWith(form.getByRole('button', { name: 'Record side effects' }));
    assert.equal(res.status(), 200);
    const row = page.locator('#effect-table tbody tr', { hasText: /Nausea/ });
    assert.match(await row.innerText(), /sertraline/i);
    assert.match(await row.innerText(), /Moderate/);
    assert.match(await page.locator('#timeline svg.timeline').innerHTML(), /Nausea/);
    await page.locator('#effects-h').scrollIntoViewIfNeeded();
    await shot('side-effects.png');
  });

  step('the patient takes home a plain schedule of the sertraline dose', async () => {
    await goto(chartPath.replace(/$/, '/medications'));
    await submitWith(page.locator('#current-orders a', { hasText: /sertraline/i }).first());
    await submitWith(page.locator('#patient-schedule'));
    assert.match(await h1Text(), /Your sertraline schedule/);
    const now = page.locator('#schedule tr.schedule-now');
    assert.match(await now.innerText(), /Take 50 mg/);
    assert.match(await bodyText(), /Call or text 988/);
    await shot('medication-schedule.png');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('header.topbar').evaluate((el) => getComputedStyle(el).display), 'none');
    await page.emulateMedia({ media: 'screen' });
  });

  step('signing out returns to the login page and ends the session', async () => {
    await submitWith(page.getByRole('button', { name: 'Sign out' }));
    assert.equal(pathOf(page), '/login');
    const res = await goto('/');
    assert.ok(!(res.status() === 200 && pathOf(page) === '/'), 'My patients still opens after signing out');
  });

  step('the auditor sees the registration in the audit log', async () => {
    await signIn('audit_ray');
    const res = await goto('/audit');
    assert.equal(res.status(), 200);
    const rows = page.locator('table#audit tr').filter({ hasText: 'patient.create' }).filter({ hasText: 'dr_lee' });
    assert.ok((await rows.count()) >= 1, 'no row in table#audit with patient.create by dr_lee');
    await shot('audit.png');
  });

  step('front desk opens the chart as demographics', async () => {
    assert.ok(chartPath, 'no chart was registered in an earlier step');
    await signIn('desk_amy');
    const res = await goto(chartPath);
    assert.equal(res.status(), 200);
    assert.match(await bodyText(), /Okafor/);
    await shot('front-desk-chart.png');
  });

  step('a therapist off the care team must break the glass with a reason', async () => {
    assert.ok(chartPath, 'no chart was registered in an earlier step');
    await signIn('t_kim');
    const res = await goto(chartPath);
    assert.equal(res.status(), 403);
    const reason = page.locator('form textarea[name=reason]');
    await reason.waitFor({ state: 'visible', timeout: TIMEOUT });
    await shot('break-glass.png');
    await reason.fill('Covering crisis call for Dr Lee tonight');
    const opened = await submitWith(page.getByRole('button', { name: 'Open chart' }));
    assert.equal(opened.status(), 200);
    assert.equal(pathOf(page), chartPath);
    assert.match(await h1Text(), /Grace Okafor/);
  });
});
