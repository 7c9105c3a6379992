// moodscope page: hash router, API client and the pages (explore, runs, compare, snapshots,
// jobs, and the music pages when this build has them). No framework and no CDN: the server
// embeds these files and the page works offline.
import { ScatterMap, categorical, numeric, PALETTE } from './map.js';
import { parseCSV, column, isNumericColumn } from './csv.js';
import { lineChart, heat, diverging } from './chart.js';
import { h, fmt, toast, api, fileUrl, setToken, ApiError, errorBox } from './util.js';
import { pageLibrary, pageDJ } from './library.js';
import { pageHistory } from './history.js';

const state = { info: null, runs: null, timers: [] };

// ---- router ------------------------------------------------------------------------------

const routes = {
  explore: pageExplore, runs: pageRuns, run: pageRun, compare: pageCompare,
  snapshots: pageSnapshots, jobs: pageJobs, library: pageMusic, dj: pageMusic, history: pageMusic,
};

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || '');
  let name = parts[0] || 'explore';
  if (name === 'runs' && parts[1]) name = 'run';
  return { name, parts, params };
}

async function render() {
  for (const t of state.timers) clearInterval(t);
  state.timers = [];
  const r = parseHash();
  const fn = routes[r.name] || pageExplore;
  document.querySelectorAll('#nav a').forEach((a) => {
    const page = a.dataset.page;
    a.classList.toggle('active', page === r.name || (page === 'runs' && r.name === 'run'));
  });
  const root = document.getElementById('page');
  root.replaceChildren();
  pollBadge();
  root.dataset.page = r.name;
  try {
    await fn(root, r);
  } catch (e) {
    root.append(errorBox(e));
  }
}

function every(ms, fn) {
  const t = setInterval(fn, ms);
  state.timers.push(t);
  return t;
}

function head(title, sub, ...actions) {
  return h('div', { class: 'page-head' },
    h('div', {}, h('h1', { text: title }), sub ? h('p', { class: 'sub', text: sub }) : null),
    h('div', { class: 'row' }, ...actions));
}

// ---- explore -----------------------------------------------------------------------------

const explore = { inputs: [], columns: null, label: '' };

async function pageExplore(root) {
  root.append(head('Explore', 'Upload or pick feature tables, choose the model, and find the mood groups.'));
  const grid = h('div', { class: 'grid side' });
  const left = h('div', { class: 'stack' });
  const right = h('div', { class: 'stack' });
  grid.append(left, right);
  root.append(grid);

  // Data
  const chips = h('div', { class: 'chips', id: 'input-chips' });
  const uploadErr = h('div', { id: 'upload-error' });
  const fileInput = h('input', { type: 'file', id: 'upload-input', accept: '.csv,.tsv,text/csv', multiple: true });
  const drop = h('label', { class: 'dropzone', id: 'dropzone' }, fileInput,
    h('div', {}, h('strong', { text: 'Drop CSV files here' }), h('div', { class: 'hint', text: 'or click to choose (one or more)' })));
  const datasets = h('select', { id: 'dataset-select' });
  const addDataset = h('button', { text: 'Add', id: 'add-dataset' });
  left.append(h('div', { class: 'card' }, h('h2', { text: '1 · Data' }), drop, uploadErr,
    h('label', { text: 'From the data folder' }), h('div', { class: 'row' }, datasets, addDataset),
    h('label', { text: 'Selected inputs' }), chips));

  // Features
  const featureList = h('div', { class: 'checklist', id: 'feature-list' }, h('div', { class: 'hint', text: 'Add data to see its columns.' }));
  const labelSel = h('select', { id: 'label-column' });
  const allBtn = h('button', { text: 'All' }), noneBtn = h('button', { text: 'None' });
  left.append(h('div', { class: 'card' }, h('h2', { text: '2 · Features' }),
    h('div', { class: 'row' }, h('span', { class: 'hint', text: 'numeric columns; identifiers and labels are left out by default' }), h('span', { class: 'spacer' }), allBtn, noneBtn),
    h('div', { style: 'height:8px' }), featureList,
    h('label', { text: 'Known label column (optional: purity and label make-up)' }), labelSel));

  // Model
  const algo = h('select', { id: 'algorithm' }, ...['kmeans', 'minibatch', 'gmm', 'dbscan', 'spectral'].map((a) => h('option', { value: a, text: a })));
  const scaler = h('select', { id: 'scaler' }, ...['standard', 'minmax', 'robust', 'none'].map((a) => h('option', { value: a, text: a })));
  const kAuto = h('input', { type: 'checkbox', id: 'k-auto', checked: true });
  const kValue = h('input', { type: 'number', id: 'k-value', value: 4, min: 1, max: 1000, disabled: true });
  const kMin = h('input', { type: 'number', id: 'k-min', value: 2, min: 2, max: 100 });
  const kMax = h('input', { type: 'number', id: 'k-max', value: 10, min: 2, max: 100 });
  const seed = h('input', { type: 'number', id: 'seed', value: 0, min: 0 });
  const runName = h('input', { type: 'text', id: 'run-name', placeholder: 'optional' });
  const eps = h('input', { type: 'number', id: 'eps', placeholder: 'auto (k-distance knee)', min: 0, step: 'any' });
  const minSamples = h('input', { type: 'number', id: 'min-samples', value: 5, min: 1, max: 10000 });
  const dbscanFields = h('div', { class: 'fields', hidden: true },
    h('div', {}, h('label', { text: 'DBSCAN eps' }), eps), h('div', {}, h('label', { text: 'Min samples' }), minSamples));
  algo.addEventListener('change', () => {
    const db = algo.value === 'dbscan';
    dbscanFields.hidden = !db;
    for (const el of [kValue, kMin, kMax]) el.closest('div').hidden = db;
    document.getElementById('k-auto-label').hidden = db;
  });
  kAuto.addEventListener('change', () => { kValue.disabled = kAuto.checked; kMin.disabled = kMax.disabled = !kAuto.checked; });
  const runBtn = h('button', { class: 'primary', id: 'run-button', text: 'Run clustering', disabled: true });
  const runErr = h('div', { id: 'run-error' });
  left.append(h('div', { class: 'card' }, h('h2', { text: '3 · Model' }),
    h('div', { class: 'fields' },
      h('div', {}, h('label', { text: 'Algorithm' }), algo),
      h('div', {}, h('label', { text: 'Scaler' }), scaler),
      h('div', {}, h('label', { text: 'Groups (k)' }), kValue),
      h('div', {}, h('label', { text: 'Seed' }), seed),
      h('div', {}, h('label', { text: 'Auto k from' }), kMin),
      h('div', {}, h('label', { text: 'to' }), kMax)),
    dbscanFields,
    h('div', { style: 'margin-top:10px' }, h('label', { class: 'inline', id: 'k-auto-label' }, kAuto, 'choose k automatically (silhouette)')),
    h('label', { text: 'Run name' }), runName,
    h('div', { class: 'row', style: 'margin-top:14px' }, runBtn), runErr));

  // Right: job + recent runs
  const jobBox = h('div', { class: 'card', id: 'job-card' }, h('h2', { text: 'Run' }),
    h('div', { class: 'hint', text: 'Progress of the running job shows here; it keeps going if you reload the page.' }));
  const recent = h('div', { class: 'card' }, h('h2', { text: 'Recent runs' }), h('div', { class: 'hint', text: 'loading…' }));
  right.append(jobBox, recent);

  const refreshChips = () => {
    chips.replaceChildren(...explore.inputs.map((p) => h('span', { class: 'chip' }, p,
      h('button', { text: '×', title: 'remove', onclick: () => { explore.inputs = explore.inputs.filter((x) => x !== p); refreshChips(); loadColumns(); } }))));
    if (!explore.inputs.length) chips.append(h('span', { class: 'hint', text: 'none yet' }));
    runBtn.disabled = !explore.inputs.length;
  };
  const showColumns = (cols) => {
    explore.columns = cols;
    featureList.replaceChildren();
    const numericCols = cols.filter((c) => c.kind === 'number');
    for (const c of numericCols) {
      const cb = h('input', { type: 'checkbox', value: c.name, checked: c.feature });
      featureList.append(h('label', { class: 'inline', style: 'display:flex' }, cb, c.name,
        c.excluded ? h('span', { class: 'hint', text: `(${c.excluded})` }) : null));
    }
    if (!numericCols.length) featureList.append(h('div', { class: 'hint', text: 'no numeric columns' }));
    labelSel.replaceChildren(h('option', { value: '', text: '(none)' }),
      ...cols.filter((c) => c.kind === 'text' || c.excluded === 'label').map((c) => h('option', { value: c.name, text: c.name })));
  };
  const loadColumns = async () => {
    if (!explore.inputs.length) { featureList.replaceChildren(h('div', { class: 'hint', text: 'Add data to see its columns.' })); return; }
    try {
      const r = await api(`/datasets/columns?path=${encodeURIComponent(explore.inputs[0])}`);
      showColumns(r.columns);
    } catch (e) { featureList.replaceChildren(errorBox(e)); }
  };
  allBtn.onclick = () => featureList.querySelectorAll('input').forEach((i) => { i.checked = true; });
  noneBtn.onclick = () => featureList.querySelectorAll('input').forEach((i) => { i.checked = false; });

  const upload = async (files) => {
    uploadErr.replaceChildren();
    for (const f of files) {
      try {
        const r = await api(`/uploads?name=${encodeURIComponent(f.name)}`, { method: 'POST', raw: f, type: 'text/csv' });
        explore.inputs.push(r.path);
        toast(`Uploaded ${f.name}: ${r.rows} rows`);
        if (explore.inputs.length === 1) showColumns(r.columns);
      } catch (e) {
        uploadErr.append(errorBox(e, f.name));
      }
    }
    refreshChips();
    loadDatasets();
  };
  fileInput.addEventListener('change', () => { upload([...fileInput.files]); fileInput.value = ''; });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); upload([...e.dataTransfer.files]); });

  const loadDatasets = async () => {
    try {
      const r = await api('/datasets');
      datasets.replaceChildren(...r.datasets.map((d) => h('option', { value: d.path, text: `${d.path} (${fmt.bytes(d.size)})` })));
      if (!r.datasets.length) datasets.append(h('option', { value: '', text: '(no CSV files in the data folder)' }));
    } catch (e) { toast(e.message, true); }
  };
  addDataset.onclick = () => {
    const p = datasets.value;
    if (p && !explore.inputs.includes(p)) { explore.inputs.push(p); refreshChips(); if (explore.inputs.length === 1) loadColumns(); }
  };

  runBtn.onclick = async () => {
    runErr.replaceChildren();
    const feats = [...featureList.querySelectorAll('input:checked')].map((i) => i.value);
    const body = {
      kind: 'cluster', inputs: explore.inputs, algorithm: algo.value, scaler: scaler.value,
      seed: Number(seed.value) || 0,
    };
    if (explore.columns) body.features = feats.length ? feats : 'all-numeric';
    if (algo.value === 'dbscan') {
      if (eps.value !== '') body.eps = Number(eps.value);
      body.min_samples = Number(minSamples.value) || 5;
    } else if (kAuto.checked) { body.k = 'auto'; body.k_min = Number(kMin.value); body.k_max = Number(kMax.value); } else body.k = Number(kValue.value);
    if (labelSel.value) body.label_column = labelSel.value;
    if (runName.value.trim()) body.name = runName.value.trim();
    try {
      const r = await api('/jobs', { method: 'POST', json: body });
      localStorage.setItem('moodscope.activeJob', r.job.id);
      watchJob(r.job.id, jobBox, true);
    } catch (e) { runErr.append(errorBox(e)); }
  };

  refreshChips();
  loadDatasets();
  if (explore.inputs.length) loadColumns();
  const active = localStorage.getItem('moodscope.activeJob');
  if (active) watchJob(active, jobBox, false);
  renderRecent(recent);
}

// Show one job's progress in @p box, polling until it ends; go to the run when asked.
function watchJob(id, box, follow) {
  const bar = h('div', { style: 'width:0%' });
  const stateEl = h('span', { class: 'state queued', id: 'job-state', text: 'queued' });
  const stage = h('span', { class: 'hint', id: 'job-stage' });
  const cancel = h('button', { class: 'danger', id: 'cancel-job', text: 'Cancel' });
  const msg = h('div', { id: 'job-message' });
  box.replaceChildren(h('h2', { text: 'Run' }),
    h('div', { class: 'row' }, stateEl, stage, h('span', { class: 'spacer' }), cancel),
    h('div', { class: 'progress', id: 'job-progress', style: 'margin-top:10px' }, bar), msg);
  cancel.onclick = async () => {
    try { await api(`/jobs/${id}/cancel`, { method: 'POST' }); } catch (e) { toast(e.message, true); }
  };
  const tick = async () => {
    let j;
    try { j = (await api(`/jobs/${id}`)).job; } catch (e) {
      if (e.status === 404) { localStorage.removeItem('moodscope.activeJob'); box.replaceChildren(h('h2', { text: 'Run' })); }
      clearInterval(t); return;
    }
    stateEl.textContent = j.state; stateEl.className = `state ${j.state}`;
    stage.textContent = j.state === 'running' ? `${j.stage} · ${Math.round(j.progress * 100)}%` : '';
    bar.style.width = `${Math.round((j.state === 'done' ? 1 : j.progress) * 100)}%`;
    cancel.hidden = !(j.state === 'queued' || j.state === 'running');
    if (['done', 'failed', 'canceled'].includes(j.state)) {
      clearInterval(t);
      localStorage.removeItem('moodscope.activeJob');
      if (j.state === 'done' && j.result && j.result.run_id) {
        msg.replaceChildren(h('p', {}, 'Found ', h('strong', { text: `${j.result.k} groups` }), ` in ${j.result.rows} rows. `,
          h('a', { href: `#/runs/${encodeURIComponent(j.result.run_id)}`, id: 'open-run', text: 'Open the run →' })));
        if (follow) location.hash = `#/runs/${encodeURIComponent(j.result.run_id)}`;
      } else if (j.state === 'failed') {
        msg.replaceChildren(h('div', { class: 'error-box', text: j.message }));
      } else msg.replaceChildren(h('p', { class: 'hint', text: j.message || 'canceled' }));
    }
  };
  const t = every(400, tick);
  tick();
}

async function renderRecent(card) {
  try {
    const r = await api('/runs');
    state.runs = r.runs;
    card.replaceChildren(h('h2', { text: 'Recent runs' }), runsTable(r.runs.slice(0, 8), false));
  } catch (e) { card.replaceChildren(h('h2', { text: 'Recent runs' }), errorBox(e)); }
}

function runsTable(runs, selectable, onSel) {
  if (!runs.length) return h('div', { class: 'empty', text: 'No runs yet.' });
  const rows = runs.map((r) => {
    const cb = selectable ? h('input', { type: 'checkbox', value: r.id, onclick: (e) => { e.stopPropagation(); onSel && onSel(); } }) : null;
    return h('tr', { class: 'clickable', onclick: () => { location.hash = `#/runs/${encodeURIComponent(r.id)}`; } },
      selectable ? h('td', {}, cb) : null,
      h('td', {}, h('div', { text: r.name || r.id }), r.name ? h('div', { class: 'hint mono', text: r.id }) : null),
      h('td', { text: r.algorithm }), h('td', { class: 'num', text: r.k }), h('td', { class: 'num', text: r.rows }),
      h('td', { class: 'num', text: fmt.num(r.silhouette) }), h('td', { class: 'num', text: fmt.num(r.score) }),
      h('td', { class: 'hint', text: fmt.date(r.created) }));
  });
  return h('div', { class: 'table-wrap' }, h('table', { id: 'runs-table' },
    h('thead', {}, h('tr', {}, selectable ? h('th', {}) : null, h('th', { text: 'Run' }), h('th', { text: 'Algorithm' }),
      h('th', { class: 'num', text: 'k' }), h('th', { class: 'num', text: 'Rows' }), h('th', { class: 'num', text: 'Silhouette' }),
      h('th', { class: 'num', text: 'Score' }), h('th', { text: 'Created' }))),
    h('tbody', {}, ...rows)));
}

// ---- runs --------------------------------------------------------------------------------

async function pageRuns(root) {
  const cmp = h('button', { class: 'primary', id: 'compare-selected', text: 'Compare selected', disabled: true });
  root.append(head('Runs', 'Every clustering run stored in the runs folder, newest first.', cmp));
  const r = await api('/runs');
  const card = h('div', { class: 'card' });
  const update = () => {
    const sel = [...card.querySelectorAll('input:checked')].map((i) => i.value);
    cmp.disabled = sel.length !== 2;
    return sel;
  };
  card.append(runsTable(r.runs, true, update));
  cmp.onclick = () => { const [a, b] = update(); location.hash = `#/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`; };
  root.append(card);
}

const TITLE_COLUMNS = ['title', 'track_name', 'track', 'song', 'name', 'song_name'];
const ARTIST_COLUMNS = ['artist', 'artist_name', 'artists'];
const ID_COLUMNS = ['id', 'track_id', 'song_id', 'uri'];

async function pageRun(root, r) {
  const id = r.parts[1];
  const run = await api(`/runs/${encodeURIComponent(id)}`);
  const m = run.metadata || {};
  const metrics = m.metrics || {};
  const groups = m.groups || [];
  const cfg = m.config || {};
  const files = (run.files || []).map((f) => f.name);

  const snapName = h('input', { type: 'text', id: 'snapshot-name', placeholder: 'snapshot name', style: 'width:170px' });
  const snapBtn = h('button', { id: 'save-snapshot', text: 'Save snapshot' });
  snapBtn.onclick = async () => {
    const name = snapName.value.trim();
    if (!name) { snapName.focus(); return; }
    try {
      await api('/snapshots', { method: 'POST', json: { run: id, name } });
      toast(`Snapshot "${name}" saved`);
      snapBtn.textContent = 'Saved ✓';
    } catch (e) { toast(e.message, true); }
  };
  const others = h('select', { id: 'compare-with', style: 'width:220px' });
  const cmpBtn = h('button', { id: 'compare-run', text: 'Compare' });
  cmpBtn.onclick = () => { if (others.value) location.hash = `#/compare?a=${encodeURIComponent(id)}&b=${encodeURIComponent(others.value)}`; };
  api('/runs').then((l) => {
    others.replaceChildren(...l.runs.filter((x) => x.id !== id).map((x) => h('option', { value: x.id, text: x.name || x.id })));
    cmpBtn.disabled = !others.options.length;
  });

  const sub = `${cfg.algorithm || m.algorithm || ''} · ${metrics.k ?? groups.length} groups · ${m.data?.rows ?? ''} rows · ${fmt.date(m.created_utc)}`;
  root.append(head(cfg.name || m.name || id, sub, snapName, snapBtn, others, cmpBtn));

  // Metrics
  const metricDefs = [
    ['Groups', metrics.k ?? groups.length, m.k_selection ? `auto (${m.k_selection.criterion})`
      : (cfg.algorithm === 'dbscan' ? `by density${metrics.n_noise ? `, ${metrics.n_noise} noise rows` : ''}` : 'fixed')],
    ['Silhouette', metrics.silhouette, 'higher is better, −1…1'],
    ['Calinski–Harabasz', metrics.calinski_harabasz, 'higher is better'],
    ['Davies–Bouldin', metrics.davies_bouldin, 'lower is better'],
    ['Inertia', metrics.inertia, 'within-group sum of squares'],
    ['Composite score', metrics.composite_score, '0…1, higher is better'],
  ];
  if (m.labels) metricDefs.push(['Label purity', m.labels.purity, `vs ${m.labels.column}`], ['Label ARI', m.labels.ari, `vs ${m.labels.column}`]);
  root.append(h('div', { class: 'metrics', id: 'metrics' }, ...metricDefs.filter(([, v]) => v !== undefined).map(([label, v, note]) =>
    h('div', { class: 'metric', dataset: { metric: label } }, h('div', { class: 'label', text: label }),
      h('div', { class: 'value', text: fmt.num(v) }), h('div', { class: 'note', text: note })))));

  // Map
  const mapCard = h('div', { class: 'card', style: 'margin-top:16px' });
  const colourBy = h('select', { id: 'colour-by', style: 'width:220px' });
  const legend = h('div', { class: 'legend', id: 'map-legend' });
  const mapBox = h('div', { id: 'map' });
  const pca = m.pca?.explained_variance_ratio;
  mapCard.append(h('div', { class: 'row' }, h('h2', { text: 'Map', style: 'margin:0' }),
    h('span', { class: 'hint', text: pca ? `PCA 2-D · ${fmt.pct(pca[0])} + ${fmt.pct(pca[1])} of the variance · wheel to zoom, drag to pan` : 'wheel to zoom, drag to pan' }),
    h('span', { class: 'spacer' }), h('span', { class: 'hint', text: 'Colour by' }), colourBy), h('div', { style: 'height:10px' }), mapBox, legend);
  root.append(mapCard);

  // k selection + groups
  const lower = h('div', { class: 'grid two', style: 'margin-top:16px' });
  root.append(lower);
  if (m.k_selection && Array.isArray(m.k_selection.curve)) {
    const ks = m.k_selection;
    const crit = h('select', { style: 'width:180px' }, ...['silhouette', 'inertia', 'calinski_harabasz', 'davies_bouldin', 'bic', 'stability']
      .filter((c) => ks.curve.some((p) => Number.isFinite(p[c]))).map((c) => h('option', { value: c, text: c })));
    if (ks.criterion) crit.value = ks.criterion;
    const canvas = h('canvas', { class: 'chart', id: 'k-chart' });
    const draw = () => lineChart(canvas, ks.curve.map((p) => ({ x: p.k, y: p[crit.value] })), { mark: ks.k_best, label: crit.value });
    crit.onchange = draw;
    lower.append(h('div', { class: 'card' }, h('div', { class: 'row' }, h('h2', { text: 'Choosing k', style: 'margin:0' }), h('span', { class: 'spacer' }), crit),
      h('p', { class: 'hint', text: `best k = ${ks.k_best} by ${ks.criterion}${ks.k_elbow ? `; inertia elbow at k = ${ks.k_elbow}` : ''}` }), canvas));
    requestAnimationFrame(draw);
  }
  lower.append(h('div', { class: 'card' }, h('h2', { text: 'Groups' }),
    h('div', { class: 'table-wrap' }, h('table', { id: 'groups-table' },
      h('thead', {}, h('tr', {}, h('th', { text: '' }), h('th', { text: 'Name' }), h('th', { class: 'num', text: 'Size' }), h('th', { class: 'num', text: 'Share' }), h('th', { text: 'Traits' }))),
      h('tbody', {}, ...groups.map((g, i) => h('tr', {},
        h('td', {}, h('span', { class: 'swatch', style: `background:${PALETTE[i % PALETTE.length]}` })),
        h('td', { text: g.name }), h('td', { class: 'num', text: g.size }), h('td', { class: 'num', text: fmt.pct(g.share) }),
        h('td', { class: 'hint', text: g.traits || '' }))))))));

  // Profiles
  if (files.includes('profiles.csv')) {
    const profCard = h('div', { class: 'card', style: 'margin-top:16px' }, h('h2', { text: 'Group profiles' }), h('div', { class: 'hint', text: 'loading…' }));
    root.append(profCard);
    loadProfiles(id, profCard);
  }

  // Playlists: one per group, ordered for smooth transitions.
  const plFmt = h('select', { id: 'run-playlist-format', style: 'width:110px;flex:0 0 auto' }, ...['m3u8', 'xspf', 'json'].map((f) => h('option', { value: f, text: f.toUpperCase() })));
  const plGo = h('button', { id: 'run-playlists', text: 'Make playlists' });
  const plOut = h('div', { id: 'run-playlists-out' });
  plGo.onclick = async () => {
    try {
      const p = await api(`/runs/${encodeURIComponent(id)}/playlists`, { method: 'POST', json: { format: plFmt.value } });
      plOut.replaceChildren(h('div', { class: 'files', style: 'margin-top:10px' }, ...p.playlists.map((pl) =>
        h('a', { href: fileUrl(pl.url), download: pl.file, text: `${pl.name} (${pl.tracks})` }))));
    } catch (e) { plOut.replaceChildren(errorBox(e)); }
  };
  root.append(h('div', { class: 'card', style: 'margin-top:16px' }, h('div', { class: 'row' }, h('h2', { text: 'Playlists', style: 'margin:0' }),
    h('span', { class: 'hint', text: 'one per group, in a smooth order; tracks need an audio path for M3U8/XSPF' }), h('span', { class: 'spacer' }), plFmt, plGo), plOut));

  // Files and plots
  const dl = h('div', { class: 'files', id: 'run-files' }, ...files.map((f) =>
    h('a', { href: fileUrl(`/runs/${encodeURIComponent(id)}/files/${encodeURIComponent(f)}?download=1`), download: f, text: f })));
  const plots = h('div', { class: 'grid two' }, ...['clusters_plot.png', 'k_selection.png'].filter((f) => files.includes(f)).map((f) =>
    h('img', { class: 'plot', alt: f, src: fileUrl(`/runs/${encodeURIComponent(id)}/files/${f}`) })));
  root.append(h('div', { class: 'card', style: 'margin-top:16px' }, h('h2', { text: 'Files' }), dl,
    plots.children.length ? h('details', { style: 'margin-top:12px' }, h('summary', { text: 'Static plots (PNG)' }), plots) : null,
    h('details', { style: 'margin-top:8px' }, h('summary', { text: 'Configuration' }), h('pre', { class: 'mono', text: JSON.stringify(cfg, null, 2) }))));

  await drawRunMap(id, files, groups, mapBox, legend, colourBy);
}

async function drawRunMap(id, files, groups, box, legend, colourBy) {
  if (!files.includes('map.csv')) {
    box.append(h('div', { class: 'empty', text: 'This run has no map.csv.' }));
    return;
  }
  const [mapText, outText] = await Promise.all([
    fetchText(`/runs/${encodeURIComponent(id)}/files/map.csv`),
    files.includes('clustered_output.csv') ? fetchText(`/runs/${encodeURIComponent(id)}/files/clustered_output.csv`) : Promise.resolve(''),
  ]);
  const map = parseCSV(mapText);
  const out = outText ? parseCSV(outText) : { header: [], rows: [] };
  const x = column(map, 'x', true), y = column(map, 'y', true);
  const cl = column(map, 'cluster', false);
  const rowIdx = column(map, 'row', true);
  const find = (names) => names.map((n) => out.header.findIndex((hh) => hh.toLowerCase() === n)).find((j) => j >= 0);
  const tj = find(TITLE_COLUMNS), aj = find(ARTIST_COLUMNS), ij = find(ID_COLUMNS);
  const nameOf = (c) => (groups[Number(c)] ? groups[Number(c)].name : (String(c) === '-1' ? 'noise' : `group ${c}`));
  const sm = new ScatterMap(box);
  let current = null;
  sm.setData(x, y, (i) => {
    const orow = out.rows[rowIdx ? rowIdx[i] : i] || [];
    let title = tj != null ? orow[tj] : (ij != null ? orow[ij] : `row ${rowIdx ? rowIdx[i] : i}`);
    if (aj != null && orow[aj]) title = `${title} — ${orow[aj]}`;
    const ci = current.idx[i];
    const label = current.kind === 'group' ? nameOf(cl[i]) : `${colourBy.selectedOptions[0]?.text}: ${current.values[i]}`;
    return { title, group: label, color: ci >= 0 ? current.colors[ci] : '#9ca3af' };
  });
  // Colour options: group, then every column of the output.
  colourBy.replaceChildren(h('option', { value: '__group', text: 'group' }),
    ...out.header.map((c, j) => ({ c, j })).filter(({ c }) => !['cluster', 'cluster_name'].includes(c))
      .map(({ c, j }) => h('option', { value: String(j), text: c })));
  const apply = () => {
    legend.replaceChildren();
    if (colourBy.value === '__group') {
      const cat = categorical(cl, nameOf);
      current = { kind: 'group', ...cat };
      sm.setColors(cat.idx, cat.colors);
      legend.append(...cat.legend.map((l) => h('span', { class: 'legend-item' }, h('span', { class: 'swatch', style: `background:${l.color}` }), `${l.label} (${l.count})`)));
      box.dataset.groups = String(cat.colors.length);
      return;
    }
    const j = Number(colourBy.value);
    const idxs = rowIdx ? Array.from(rowIdx) : [...Array(x.length).keys()];
    const raw = idxs.map((r) => (out.rows[r] || [])[j] ?? '');
    if (isNumericColumn(out, j)) {
      const vals = raw.map((v) => (v === '' ? NaN : Number(v)));
      const num = numeric(vals);
      current = { kind: 'column', values: raw, ...num };
      sm.setColors(num.idx, num.colors);
      legend.append(h('span', { class: 'legend-item' }, fmt.num(num.lo),
        h('span', { class: 'gradient', style: `background:linear-gradient(90deg, ${num.ramp.join(',')})` }), fmt.num(num.hi)));
    } else {
      const cat = categorical(raw, null);
      current = { kind: 'column', values: raw, ...cat };
      sm.setColors(cat.idx, cat.colors);
      legend.append(...cat.legend.map((l) => h('span', { class: 'legend-item' }, h('span', { class: 'swatch', style: `background:${l.color}` }), `${l.label || '(empty)'} (${l.count})`)));
    }
  };
  colourBy.onchange = apply;
  apply();
  window.__moodscopeMap = sm;
}

async function fetchText(path) {
  const res = await fetch(fileUrl(path), { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, { message: `${path}: HTTP ${res.status}` });
  return res.text();
}

function authHeaders() {
  const t = sessionStorage.getItem('moodscope.token');
  return t ? { Authorization: `Bearer ${t}` } : {};
}

async function loadProfiles(id, card) {
  try {
    const csv = parseCSV(await fetchText(`/runs/${encodeURIComponent(id)}/files/profiles.csv`));
    const zcols = csv.header.map((c, j) => ({ c, j })).filter(({ c }) => /^z_|_z$/.test(c));
    const showCols = csv.header.map((c, j) => ({ c, j })).filter(({ c }) => !/^z_|_z$/.test(c));
    const zOf = (name) => {
      const z = zcols.find(({ c }) => c === `z_${name}` || c === `${name}_z`);
      return z ? z.j : -1;
    };
    const table = h('table', { id: 'profiles-table' },
      h('thead', {}, h('tr', {}, ...showCols.map(({ c }) => h('th', { text: c })))),
      h('tbody', {}, ...csv.rows.map((row) => h('tr', {}, ...showCols.map(({ c, j }) => {
        const v = row[j];
        const zj = zOf(c.replace(/^mean_|_mean$/, ''));
        const num = v !== '' && Number.isFinite(Number(v));
        const td = h('td', { class: num ? 'num' : '', text: num ? fmt.num(Number(v)) : v });
        if (zj >= 0 && row[zj] !== '') { td.style.background = diverging(Number(row[zj])); td.title = `z = ${fmt.num(Number(row[zj]))}`; }
        return td;
      })))));
    card.replaceChildren(...[h('h2', { text: 'Group profiles' }),
      zcols.length ? h('p', { class: 'hint', text: 'Cells are shaded by z-score: red above the overall mean, blue below.' }) : null,
      h('div', { class: 'table-wrap' }, table)].filter(Boolean));
  } catch (e) { card.replaceChildren(h('h2', { text: 'Group profiles' }), errorBox(e)); }
}

// ---- compare -----------------------------------------------------------------------------

async function pageCompare(root, r) {
  const list = (await api('/runs')).runs;
  const a = h('select', { id: 'compare-a' }, ...list.map((x) => h('option', { value: x.id, text: x.name || x.id })));
  const b = h('select', { id: 'compare-b' }, ...list.map((x) => h('option', { value: x.id, text: x.name || x.id })));
  if (r.params.get('a')) a.value = r.params.get('a');
  if (r.params.get('b')) b.value = r.params.get('b');
  else if (list.length > 1) b.value = list[1].id;
  const go = h('button', { class: 'primary', text: 'Compare', id: 'compare-go' });
  go.onclick = () => { location.hash = `#/compare?a=${encodeURIComponent(a.value)}&b=${encodeURIComponent(b.value)}`; };
  root.append(head('Compare runs', 'Metrics side by side, agreement (adjusted Rand index), the contingency table and what changed in the configuration.'));
  root.append(h('div', { class: 'card' }, h('div', { class: 'row' }, h('div', { style: 'flex:1' }, h('label', { text: 'Run A' }), a),
    h('div', { style: 'flex:1' }, h('label', { text: 'Run B' }), b), h('div', { style: 'align-self:flex-end' }, go))));
  if (list.length < 2) { root.append(h('div', { class: 'empty', text: 'Compare needs at least two runs.' })); return; }
  if (!r.params.get('a') || !r.params.get('b')) return;
  const c = await api(`/compare?a=${encodeURIComponent(a.value)}&b=${encodeURIComponent(b.value)}`);
  const out = h('div', { class: 'stack', style: 'margin-top:16px', id: 'compare-result' });
  root.append(out);
  out.append(h('div', { class: 'metrics' },
    h('div', { class: 'metric big', id: 'compare-ari' }, h('div', { class: 'label', text: 'Adjusted Rand index' }), h('div', { class: 'value', text: Number.isFinite(c.ari) ? c.ari.toFixed(3) : '—' }),
      h('div', { class: 'note', text: '1 = identical groupings, 0 = chance' })),
    h('div', { class: 'metric' }, h('div', { class: 'label', text: 'Rows compared' }), h('div', { class: 'value', text: c.common_rows }),
      h('div', { class: 'note', text: `matched by ${c.matched_by}` }))));
  const keys = ['k', 'silhouette', 'calinski_harabasz', 'davies_bouldin', 'inertia', 'composite_score', 'n_noise'];
  const ma = c.a.metrics || {}, mb = c.b.metrics || {};
  out.append(h('div', { class: 'grid two' },
    h('div', { class: 'card' }, h('h2', { text: 'Metrics' }), h('table', { id: 'compare-metrics' },
      h('thead', {}, h('tr', {}, h('th', { text: 'metric' }), h('th', { class: 'num', text: 'A' }), h('th', { class: 'num', text: 'B' }))),
      h('tbody', {}, ...keys.filter((k) => k in ma || k in mb).map((k) => h('tr', {}, h('td', { text: k }),
        h('td', { class: 'num diff-a', text: fmt.num(ma[k]) }), h('td', { class: 'num diff-b', text: fmt.num(mb[k]) })))))),
    h('div', { class: 'card' }, h('h2', { text: 'Configuration differences' }),
      (c.config_diff || []).length ? h('table', { id: 'config-diff' },
        h('thead', {}, h('tr', {}, h('th', { text: 'setting' }), h('th', { text: 'A' }), h('th', { text: 'B' }))),
        h('tbody', {}, ...c.config_diff.map((d) => h('tr', {}, h('td', { text: d.key }),
          h('td', { class: 'diff-a mono', text: JSON.stringify(d.a) }), h('td', { class: 'diff-b mono', text: JSON.stringify(d.b) })))))
        : h('div', { class: 'hint', text: 'Same configuration.' }))));
  const ct = c.contingency || { rows: [], cols: [], counts: [] };
  let max = 1;
  ct.counts.forEach((row) => row.forEach((v) => { if (v > max) max = v; }));
  out.append(h('div', { class: 'card' }, h('h2', { text: 'Contingency (rows: groups of A, columns: groups of B)' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'heat', id: 'contingency' },
      h('thead', {}, h('tr', {}, h('th', { text: '' }), ...ct.cols.map((n, j) => h('th', { text: n || `B${j}` })))),
      h('tbody', {}, ...ct.counts.map((row, i) => h('tr', {}, h('th', { text: ct.rows[i] || `A${i}` }), ...row.map((v) => {
        const col = heat(v / max);
        return h('td', { text: v, style: `background:${col.bg};color:${col.fg}` });
      }))))))));
}

// ---- snapshots ---------------------------------------------------------------------------

async function pageSnapshots(root) {
  root.append(head('Snapshots', 'Frozen models: predict the groups of new rows with a saved run.'));
  const r = await api('/snapshots');
  const grid = h('div', { class: 'grid two' });
  root.append(grid);
  grid.append(h('div', { class: 'card' }, h('h2', { text: 'Saved snapshots' }), r.snapshots.length
    ? h('div', { class: 'table-wrap' }, h('table', { id: 'snapshots-table' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'Run' }), h('th', { class: 'num', text: 'k' }), h('th', { class: 'num', text: 'Features' }), h('th', { text: 'Created' }))),
      h('tbody', {}, ...r.snapshots.map((s) => h('tr', {}, h('td', { text: s.name }),
        h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(s.run)}`, class: 'mono', text: s.run })),
        h('td', { class: 'num', text: s.k }), h('td', { class: 'num', text: s.features }), h('td', { class: 'hint', text: fmt.date(s.created) }))))))
    : h('div', { class: 'empty', text: 'No snapshots yet: open a run and save one.' })));

  const sel = h('select', { id: 'predict-snapshot' }, ...r.snapshots.map((s) => h('option', { value: s.name, text: s.name })));
  const file = h('input', { type: 'file', id: 'predict-file', accept: '.csv,.tsv,text/csv' });
  const result = h('div', { id: 'predict-result' });
  const go = h('button', { class: 'primary', id: 'predict-go', text: 'Predict', disabled: !r.snapshots.length });
  go.onclick = async () => {
    result.replaceChildren();
    const f = file.files[0];
    if (!f) { result.append(h('div', { class: 'error-box', text: 'Choose a CSV file first.' })); return; }
    go.disabled = true;
    try {
      const p = await api(`/snapshots/${encodeURIComponent(sel.value)}/predict?name=${encodeURIComponent(f.name)}`, { method: 'POST', raw: f, type: 'text/csv' });
      const keys = Object.keys(p.counts).sort((x, y) => Number(x) - Number(y));
      result.append(h('p', {}, h('strong', { text: `${p.rows} rows predicted. ` }),
        h('a', { class: 'button download', href: fileUrl(p.url), download: p.file, text: `Download ${p.file}` })),
      h('table', { id: 'predict-counts' }, h('thead', {}, h('tr', {}, h('th', { text: 'group' }), h('th', { class: 'num', text: 'rows' }))),
        h('tbody', {}, ...keys.map((k) => h('tr', {}, h('td', { text: k }), h('td', { class: 'num', text: p.counts[k] }))))));
    } catch (e) { result.append(errorBox(e, f.name)); }
    go.disabled = false;
  };
  grid.append(h('div', { class: 'card' }, h('h2', { text: 'Predict' }),
    h('label', { text: 'Snapshot' }), sel, h('label', { text: 'CSV with the snapshot\'s feature columns' }), file,
    h('div', { class: 'row', style: 'margin-top:14px' }, go), result));
}

// ---- jobs --------------------------------------------------------------------------------

async function pageJobs(root) {
  root.append(head('Jobs', 'Background work: state, progress and cancel. Jobs keep running when the page is closed.'));
  const card = h('div', { class: 'card' });
  root.append(card);
  const refresh = async () => {
    let r;
    try { r = await api('/jobs'); } catch (e) { card.replaceChildren(errorBox(e)); return; }
    if (!r.jobs.length) { card.replaceChildren(h('div', { class: 'empty', text: 'No jobs yet.' })); return; }
    card.replaceChildren(h('table', { id: 'jobs-table' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Job' }), h('th', { text: 'Kind' }), h('th', { text: 'State' }), h('th', { text: 'Progress' }), h('th', { text: 'Message / result' }), h('th', { text: '' }))),
      h('tbody', {}, ...r.jobs.map((j) => h('tr', { dataset: { job: j.id } },
        h('td', { class: 'mono', text: j.id }), h('td', { text: j.kind }),
        h('td', {}, h('span', { class: `state ${j.state}`, text: j.state })),
        h('td', {}, h('div', { class: 'progress' }, h('div', { style: `width:${Math.round((j.state === 'done' ? 1 : j.progress) * 100)}%` })),
          j.state === 'running' ? h('div', { class: 'hint', text: j.stage }) : null),
        h('td', {}, j.result && j.result.run_id ? h('a', { href: `#/runs/${encodeURIComponent(j.result.run_id)}`, text: j.result.run_id })
          : (j.state === 'done' && j.result && j.result.link ? h('a', { href: j.result.link, text: `open ${j.kind}` }) : h('span', { class: 'hint', text: j.message }))),
        h('td', {}, ['queued', 'running'].includes(j.state) ? h('button', { class: 'danger', text: 'Cancel', onclick: async () => { await api(`/jobs/${j.id}/cancel`, { method: 'POST' }); refresh(); } }) : null))))));
  };
  await refresh();
  every(1000, refresh);
}

// ---- music pages (library, DJ, history) --------------------------------------------------

async function pageMusic(root, r) {
  const titles = { library: 'Library', dj: 'DJ', history: 'History' };
  const caps = state.info?.capabilities || {};
  const needs = { library: 'library', dj: 'recommend', history: 'history' }[r.name];
  if (caps[needs] && r.name === 'library') { await pageLibrary(root, state.info); return; }
  if (caps[needs] && r.name === 'dj') { await pageDJ(root); return; }
  if (caps[needs] && r.name === 'history') { await pageHistory(root); return; }
  root.append(head(titles[r.name], ''));
  if (!caps[needs]) {
    root.append(h('div', { class: 'card unavailable-panel', id: 'unavailable' },
      h('h2', { text: 'Not available in this build' }),
      h('p', { text: {
        library: 'Analysing a music folder, the track table, the library map, similar tracks, paths and playlists need the audio and recommendation engines, which this moodscope binary does not include yet.',
        dj: 'Two decks, next-track suggestions and mix rendering need the recommendation engine, which this moodscope binary does not include yet.',
        history: 'Listening-history import, the dashboard and behaviour models need the history engine, which this moodscope binary does not include yet.',
      }[r.name] })));
  }
}

// ---- start -------------------------------------------------------------------------------

async function pollBadge() {
  try {
    const r = await api('/jobs');
    const n = r.jobs.filter((j) => j.state === 'running' || j.state === 'queued').length;
    const b = document.getElementById('jobs-badge');
    b.hidden = n === 0;
    b.textContent = String(n);
  } catch { /* the badge is cosmetic */ }
}

async function start() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) { setToken(decodeURIComponent(m[1])); history.replaceState(null, '', '#/explore'); }
  try {
    state.info = await api('/info');
    document.getElementById('version').textContent = `moodscope ${state.info.version}`;
    const caps = state.info.capabilities || {};
    for (const [page, cap] of [['library', 'library'], ['dj', 'recommend'], ['history', 'history']]) {
      const a = document.querySelector(`#nav a[data-page=${page}]`);
      if (!caps[cap]) { a.classList.add('unavailable'); a.title = 'not available in this build'; }
    }
  } catch (e) {
    if (e.status === 401) {
      const t = prompt('This moodscope server needs its token:');
      if (t) { setToken(t); location.reload(); return; }
    }
    toast(e.message, true);
  }
  window.addEventListener('hashchange', render);
  await render();
  setInterval(pollBadge, 3000);
  pollBadge();
}

start();
