// Browser test of the History page, against a server that requires a token: a generated Spotify account export (60 days, one evening
// session a day of 10 back-to-back tracks starting 20:00 UTC) is uploaded, the pipeline runs as
// a job, and the dashboard shows exactly 600 plays, 60 sessions, a listening clock whose busy
// hour is 20:00 only, model metrics, and chart images that load.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { check, launchBrowser, scratchDir, startServer } from './lib.mjs';

const scratch = scratchDir('web_history');
const data = path.join(scratch, 'data');
const shots = path.join(scratch, 'screenshots');
mkdirSync(data, { recursive: true });
mkdirSync(shots, { recursive: true });

const plays = [];
const pad = (n) => String(n).padStart(2, '0');
for (let day = 0; day < 60; day++) {
  const start = Date.UTC(2021, 0, 1, 20, 0) + day * 86400000;
  for (let t = 0; t < 10; t++) {
    const end = new Date(start + (t + 1) * 180000);
    plays.push({
      endTime: `${end.getUTCFullYear()}-${pad(end.getUTCMonth() + 1)}-${pad(end.getUTCDate())} ${pad(end.getUTCHours())}:${pad(end.getUTCMinutes())}`,
      artistName: `Artist ${(day + t) % 7}`, trackName: `Song ${(day * 3 + t) % 40}`, msPlayed: 180000,
    });
  }
}
const exportFile = path.join(scratch, 'StreamingHistory0.json');
writeFileSync(exportFile, JSON.stringify(plays, null, 1));

// With a token: the page takes it from the printed address's #token= fragment and sends it on
// every API call (and in the query string of chart <img> links).
const TOKEN = 'history-test-token';
const server = await startServer(['--data', data, '--catalog', path.join(scratch, 'catalog.db'), '--token', TOKEN]);
const context = await launchBrowser(scratch);
const page = context.pages()[0] || (await context.newPage());
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
let failed = false;
try {
  const denied = await page.request.get(`${server.url}api/v1/info`);
  check(denied.status() === 401, 'the API refuses a call without the token');
  await page.goto(`${server.url}#token=${TOKEN}`);
  await page.waitForFunction(() => location.hash === '#/explore' && document.getElementById('version').textContent.startsWith('moodscope'));
  check(true, 'the page picks the token up from the address and drops it from the URL');
  await page.goto(`${server.url}#/history`);
  await page.waitForSelector('#history-file', { state: 'attached' });
  // The dashboard is filled after the history list answers: wait for it (the check used to
  // read the text before the answer arrived, once in CI).
  const said = await page
    .waitForFunction(() => (document.getElementById('history-dashboard')?.textContent || '').includes('No history'), null, { timeout: 10000 })
    .then(() => true, () => false);
  check(said, 'empty dashboard says how to start');
  await page.fill('#history-tz', 'UTC');
  await page.setInputFiles('#history-file', exportFile);
  await page.waitForSelector('#history-chips .chip');
  check((await page.textContent('#history-chips')).includes('spotify-account'), 'the export is recognised as Spotify account data');
  await page.click('#history-run');
  await page.waitForSelector('#history-job .state.done', { timeout: 90000 });
  check(true, 'history pipeline job done');
  await page.waitForSelector('#hist-plays');
  const playsShown = await page.textContent('#hist-plays .value');
  const sessions = await page.textContent('#hist-sessions .value');
  check(playsShown === '600', `600 plays (${playsShown})`);
  check(sessions === '60', `60 sessions (${sessions})`);
  const busy = await page.$$eval('#listening-clock tbody tr', (rows) => {
    const totals = new Array(24).fill(0);
    for (const r of rows) [...r.querySelectorAll('td')].forEach((td, hIdx) => { totals[hIdx] += Number(td.textContent) || 0; });
    return totals.map((v, hIdx) => [hIdx, v]).filter(([, v]) => v > 0).map(([hIdx]) => hIdx);
  });
  check(JSON.stringify(busy) === '[20]', `listening clock busy only at 20:00 (${busy})`);
  check((await page.$('#history-models')) !== null, 'model section shown (metrics or why a model could not be trained)');
  await page.waitForFunction(() => [...document.querySelectorAll('#history-charts img')].length > 0 &&
    [...document.querySelectorAll('#history-charts img')].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 15000 });
  check(true, 'report charts load');
  await page.screenshot({ path: path.join(shots, 'history.png'), fullPage: true });
  check(errors.length === 0, `no page errors (${errors.join(' | ')})`);
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.message}`);
  await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`screenshots in ${shots}`);
} finally {
  await context.close();
  const code = await server.stop();
  if (code !== 0) { failed = true; console.error(`FAIL: server exit ${code}`); }
}
console.log(failed ? 'web history: FAILED' : 'web history: all checks passed');
process.exit(failed ? 1 : 0);
