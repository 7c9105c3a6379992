// Browser test: the real `moodscope serve` on loopback, driven by Debian's chromium through
// playwright-core. Upload seeded blobs (3 groups), run auto-k, see a map with 3 colours and the
// metrics, run again with another seed and compare (ARI = 1), save a snapshot and predict new
// rows (a downloadable CSV with a cluster column that agrees with the true groups), and check
// that a running job survives a page reload and can be canceled.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { blobsCSV, check, launchBrowser, scratchDir, startServer } from './lib.mjs';

const scratch = scratchDir('web_explore');
const data = path.join(scratch, 'data');
const shots = path.join(scratch, 'screenshots');
mkdirSync(data, { recursive: true });
mkdirSync(shots, { recursive: true });

const train = blobsCSV(path.join(scratch, 'blobs.csv'), { n: 150, groups: 3, seed: 11 });
const fresh = blobsCSV(path.join(scratch, 'new_rows.csv'), { n: 30, groups: 3, seed: 99, offset: 1000 });
// A bigger table for the job that gets canceled (auto-k over many k on 2 cores takes a while).
blobsCSV(path.join(data, 'big.csv'), { n: 30000, groups: 6, dim: 6, seed: 5, spread: 1.2 });

const server = await startServer(['--data', data, '--jobs', '1', '--catalog', path.join(scratch, 'catalog.db')]);
const context = await launchBrowser(scratch);
const page = context.pages()[0] || (await context.newPage());
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
// The page must work offline: every request it makes goes to this server.
const foreign = [];
page.on('request', (r) => { const u = r.url(); if (!u.startsWith(server.url) && !/^(data|blob):/.test(u)) foreign.push(u); });
let failed = false;

async function runFromExplore({ k, seed, name }) {
  await page.goto(`${server.url}#/explore`);
  await page.waitForSelector('#input-chips .chip');
  if (k === 'auto') {
    await page.check('#k-auto');
    await page.fill('#k-min', '2');
    await page.fill('#k-max', '6');
  } else {
    await page.uncheck('#k-auto');
    await page.fill('#k-value', String(k));
  }
  await page.fill('#seed', String(seed));
  await page.fill('#run-name', name);
  await page.click('#run-button');
  await page.waitForURL(/#\/runs\//, { timeout: 60000 });
  await page.waitForSelector('#map-legend .legend-item', { timeout: 30000 });
  return decodeURIComponent(page.url().split('#/runs/')[1]);
}

try {
  // 1. Upload and run auto-k.
  await page.goto(server.url);
  await page.waitForSelector('#upload-input', { state: 'attached' });
  await page.setInputFiles('#upload-input', train);
  await page.waitForSelector('#input-chips .chip');
  const chip = await page.textContent('#input-chips .chip');
  check(chip.includes('uploads/blobs.csv'), 'upload lands in uploads/ and is selected');
  await page.waitForSelector('#feature-list input[type=checkbox]');
  const feats = await page.$$eval('#feature-list input:checked', (els) => els.map((e) => e.value));
  check(feats.length === 4 && feats.includes('energy'), `default features are the 4 numeric columns (${feats})`);
  await page.screenshot({ path: path.join(shots, 'explore.png') });

  const runA = await runFromExplore({ k: 'auto', seed: 0, name: 'blobs auto' });
  check(/^[A-Za-z0-9._-]+$/.test(runA), `run page opened (${runA})`);
  const legend = await page.$$eval('#map-legend .legend-item', (els) => els.map((e) => e.textContent));
  check(legend.length === 3, `map legend has 3 groups: ${legend.join(' | ')}`);
  check(legend.every((l) => /\(50\)$/.test(l)), 'each group holds 50 rows');
  const sil = Number(await page.textContent('[data-metric="Silhouette"] .value'));
  check(sil > 0.7, `silhouette shown and high for separated blobs (${sil})`);
  const kShown = await page.textContent('[data-metric="Groups"] .value');
  check(kShown.trim() === '3', 'auto-k chose k = 3');
  // Count the palette colours actually painted on the canvas.
  await page.waitForTimeout(300);
  const colours = await page.evaluate(() => {
    const c = document.querySelector('#map canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Map();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] < 200) continue;
      const key = `${d[i] >> 4},${d[i + 1] >> 4},${d[i + 2] >> 4}`;
      seen.set(key, (seen.get(key) || 0) + 1);
    }
    return [...seen.values()].filter((n) => n > 40).length;
  });
  check(colours === 3, `the canvas shows 3 distinct group colours (${colours})`);
  // Hover a point: the tooltip names a row and its group.
  const box = await page.$eval('#map canvas', (c) => { const r = c.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
  const hit = await page.evaluate(() => {
    const m = window.__moodscopeMap; const dpr = window.devicePixelRatio || 1;
    const [px, py] = m.toScreen(m.x[0], m.y[0]);
    return { x: px / dpr, y: py / dpr };
  });
  await page.mouse.move(box.x + hit.x, box.y + hit.y);
  await page.waitForSelector('.tooltip:not([hidden])');
  const tip = await page.textContent('.tooltip');
  check(/Song \d+, take \d/.test(tip), `hover shows the row title (${tip})`);
  // Colour by another column: numeric ramp legend.
  await page.selectOption('#colour-by', { label: 'energy' });
  check(await page.$('#map-legend .gradient') !== null, 'colour by a numeric column shows a ramp');
  await page.selectOption('#colour-by', { label: 'group' });
  const profRows = await page.$$eval('#profiles-table tbody tr', (r) => r.length).catch(() => 0);
  check(profRows === 3, `group profiles table has 3 rows (${profRows})`);
  const shown = await page.$$eval('#metrics, #map-legend, #groups-table, #profiles-table, .page-head', (els) => els.map((e) => e.textContent).join(' '));
  check(!/\bnull\b|undefined|NaN/.test(shown), 'metrics, legend, groups and profiles show no null/undefined/NaN text');
  // One playlist per group (JSON: these rows have no audio files).
  await page.selectOption('#run-playlist-format', 'json');
  await page.click('#run-playlists');
  await page.waitForSelector('#run-playlists-out a');
  const pls = await page.$$eval('#run-playlists-out a', (a) => a.map((e) => e.textContent));
  check(pls.length === 3 && pls.every((t) => /\(50\)$/.test(t)), `one playlist of 50 per group (${pls.join(' | ')})`);
  await page.screenshot({ path: path.join(shots, 'run.png'), fullPage: true });

  // 2. Save a snapshot of run A.
  await page.fill('#snapshot-name', 'blobs3');
  await page.click('#save-snapshot');
  await page.waitForFunction(() => document.querySelector('#save-snapshot').textContent.includes('Saved'));
  check(true, 'snapshot saved from the run page');

  // 3. Another run with a fixed k = 3 and another seed; compare: same partition, ARI = 1.
  const runB = await runFromExplore({ k: 3, seed: 7, name: 'blobs k3 seed7' });
  check(runB !== runA, 'second run has its own id');
  await page.goto(`${server.url}#/compare?a=${encodeURIComponent(runA)}&b=${encodeURIComponent(runB)}`);
  await page.waitForSelector('#compare-ari .value');
  const ari = Number(await page.textContent('#compare-ari .value'));
  check(Math.abs(ari - 1) < 1e-6, `compare shows ARI = 1 for the same blobs (${ari})`);
  const cells = await page.$$eval('#contingency tbody td', (t) => t.map((c) => Number(c.textContent)));
  check(cells.length === 9 && cells.filter((v) => v === 50).length === 3, 'contingency is a 3×3 permutation of 50s');
  await page.screenshot({ path: path.join(shots, 'compare.png'), fullPage: true });

  // 4. Predict new rows with the snapshot and download the CSV.
  await page.goto(`${server.url}#/snapshots`);
  await page.waitForSelector('#predict-snapshot option', { state: 'attached' });
  await page.selectOption('#predict-snapshot', 'blobs3');
  await page.setInputFiles('#predict-file', fresh);
  await page.click('#predict-go');
  await page.waitForSelector('#predict-result a.download');
  const href = await page.getAttribute('#predict-result a.download', 'href');
  const res = await page.request.get(new URL(href, server.url).toString());
  check(res.status() === 200, 'prediction download answers 200');
  const text = await res.text();
  const lines = text.trim().split('\n');
  const header = lines[0].split(',');
  const ci = header.indexOf('cluster');
  check(ci >= 0, `predicted CSV has a cluster column (${header.join(',')})`);
  check(lines.length === 31, `predicted CSV has the 30 rows (${lines.length - 1})`);
  // Rows of the same true group get the same cluster, different groups different clusters.
  const tg = header.indexOf('true_group');
  const byTrue = new Map();
  const rows = lines.slice(1).map((l) => l.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((c) => c.replace(/,$/, '')));
  for (const r of rows) {
    if (!byTrue.has(r[tg])) byTrue.set(r[tg], new Set());
    byTrue.get(r[tg]).add(r[ci]);
  }
  const assigned = [...byTrue.values()].map((s) => [...s]);
  check(assigned.every((s) => s.length === 1) && new Set(assigned.map((s) => s[0])).size === 3,
    'predictions agree with the true groups');
  await page.screenshot({ path: path.join(shots, 'snapshots.png'), fullPage: true });

  // 5. A long job survives a reload and can be canceled from the page.
  await page.goto(`${server.url}#/explore`);
  await page.selectOption('#dataset-select', 'big.csv');
  await page.click('#add-dataset');
  // Drop the blobs upload so only big.csv is clustered.
  while ((await page.$$('#input-chips .chip')).length > 1) await page.click('#input-chips .chip button');
  await page.waitForSelector('#feature-list input[type=checkbox]');
  await page.check('#k-auto');
  await page.fill('#k-min', '2');
  await page.fill('#k-max', '40');
  await page.selectOption('#algorithm', 'gmm');
  await page.click('#run-button');
  await page.waitForSelector('#job-state');
  await page.reload();
  await page.waitForFunction(() => ['queued', 'running'].includes(document.querySelector('#job-state')?.textContent), null, { timeout: 15000 });
  check(true, 'after a reload the page still shows the running job');
  await page.click('#cancel-job');
  await page.waitForFunction(() => document.querySelector('#job-state')?.textContent === 'canceled', null, { timeout: 30000 });
  check(true, 'cancel stops the job (state canceled)');
  await page.goto(`${server.url}#/jobs`);
  await page.waitForSelector('#jobs-table tbody tr');
  const states = await page.$$eval('#jobs-table .state', (s) => s.map((e) => e.textContent));
  check(states.filter((s) => s === 'done').length === 2 && states.includes('canceled'), `jobs page lists 2 done + 1 canceled (${states})`);
  await page.screenshot({ path: path.join(shots, 'jobs.png'), fullPage: true });

  // 6. 100k points stay smooth: time the map's frames on a synthetic 100k-row scatter.
  const perf = await page.evaluate(async () => {
    const { ScatterMap, categorical } = await import('/map.js');
    const box = document.createElement('div');
    box.style.width = '1000px';
    document.getElementById('page').append(box);
    const n = 100000, x = new Float32Array(n), y = new Float32Array(n), g = new Array(n);
    let s = 1;
    const r = () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x7fffffff; };
    for (let i = 0; i < n; i++) { const k = i % 8; x[i] = Math.cos(k) * 5 + r() * 2; y[i] = Math.sin(k) * 5 + r() * 2; g[i] = k; }
    const t0 = performance.now();
    const m = new ScatterMap(box);
    m.setData(x, y, (i) => ({ title: `t${i}` }));
    const cat = categorical(g, null);
    m.setColors(cat.idx, cat.colors);
    const setup = performance.now() - t0;
    const frames = [];
    for (let f = 0; f < 15; f++) { const a = performance.now(); m.view.scale *= 1.05; m.draw(); frames.push(performance.now() - a); }
    frames.sort((a, b) => a - b);
    const h0 = performance.now();
    for (let k = 0; k < 200; k++) m.nearest(300 + k, 240, 8);
    return { setup, median: frames[7], hover: (performance.now() - h0) / 200 };
  });
  console.log(`100k-point map: setup ${perf.setup.toFixed(0)} ms, median frame ${perf.median.toFixed(1)} ms, hover lookup ${(perf.hover * 1000).toFixed(0)} µs`);
  check(perf.median < 100 && perf.hover < 2, '100k points redraw in under 100 ms a frame, hover under 2 ms');

  // 7. The music pages say they are not available rather than pretend.
  await page.goto(`${server.url}#/library`);
  await page.waitForSelector('#page[data-page=library] h1');
  const caps = await (await page.request.get(`${server.url}api/v1/info`)).json();
  if (!caps.capabilities.library) check(await page.$('#unavailable') !== null, 'library page says not available in this build');
  check(foreign.length === 0, `the page fetched nothing from elsewhere (${foreign.slice(0, 3).join(' ')})`);
  check(consoleErrors.length === 0, `no errors in the page console (${consoleErrors.join(' | ')})`);
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.message}`);
  await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`screenshots in ${shots}`);
} finally {
  await context.close();
  const code = await server.stop();
  if (code !== 0) { console.error(`FAIL: server exited with ${code} on SIGTERM`); failed = true; }
}
console.log(failed ? 'web explore: FAILED' : 'web explore: all checks passed');
process.exit(failed ? 1 : 0);
