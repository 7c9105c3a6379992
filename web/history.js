// History page: upload listening-history exports (Spotify JSON, Last.fm CSV), run the history
// pipeline as a background job, and show the dashboard: counts, listening clock, top artists,
// session lengths, model metrics against their baselines, drift, and the report's charts.
import { h, fmt, api, fileUrl, errorBox } from './util.js';
import { heat } from './chart.js';
import { jobPanel } from './library.js';

const hist = { files: [] };
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function metric(label, value, note, id) {
  return h('div', { class: 'metric', id }, h('div', { class: 'label', text: label }), h('div', { class: 'value', text: value }), note ? h('div', { class: 'note', text: note }) : null);
}

function stepNote(name, step) {
  if (!step || !step.error) return null;
  return h('div', { class: 'hint', style: 'margin:4px 0' }, h('strong', { text: `${name}: ` }), step.message || step.error);
}

export async function pageHistory(root) {
  root.append(h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: 'History' }),
    h('p', { class: 'sub', text: 'Your listening exports: sessions, habits, mood models and drift.' }))));

  // Upload + run.
  const input = h('input', { type: 'file', id: 'history-file', multiple: true, accept: '.json,.csv' });
  const chips = h('div', { class: 'chips', id: 'history-chips' });
  const err = h('div');
  const tz = h('input', { type: 'text', id: 'history-tz', value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
  const tables = h('select', { id: 'history-tables', multiple: true, style: 'height:80px' });
  const run = h('button', { class: 'primary', id: 'history-run', text: 'Import and analyse', disabled: true });
  const jobBox = h('div');
  const drawChips = () => {
    chips.replaceChildren(...hist.files.map((f) => h('span', { class: 'chip', text: `${f.path.split('/').pop()} · ${f.format}` })));
    run.disabled = !hist.files.length;
  };
  input.addEventListener('change', async () => {
    err.replaceChildren();
    for (const f of input.files) {
      try {
        const r = await api(`/history/uploads?name=${encodeURIComponent(f.name)}`, { method: 'POST', raw: f });
        hist.files.push(r);
      } catch (e) { err.append(errorBox(e, f.name)); }
    }
    input.value = '';
    drawChips();
  });
  api('/datasets').then((r) => tables.replaceChildren(...r.datasets.filter((d) => !d.path.startsWith('uploads/history/'))
    .map((d) => h('option', { value: d.path, text: d.path })))).catch(() => {});
  run.onclick = async () => {
    const body = { kind: 'history', files: hist.files.map((f) => f.path), tz: tz.value.trim() || null,
      tables: [...tables.selectedOptions].map((o) => o.value) };
    try {
      const r = await api('/jobs', { method: 'POST', json: body });
      const box = h('div', { class: 'card', id: 'history-job' });
      jobBox.replaceChildren(box);
      jobPanel(r.job.id, box, 'History pipeline', (j) => { if (j.state === 'done') { hist.files = []; drawChips(); renderDash(); } });
    } catch (e) { err.append(errorBox(e)); }
  };
  root.append(h('div', { class: 'grid two' },
    h('div', { class: 'card' }, h('h2', { text: 'Import exports' }),
      h('p', { class: 'hint', text: 'Spotify account data (StreamingHistory*.json), Spotify extended history (Streaming_History_Audio_*.json) or a Last.fm scrobble CSV. Importing twice adds nothing.' }),
      input, h('div', { style: 'height:8px' }), chips, err),
    h('div', { class: 'card' }, h('h2', { text: 'Options' }),
      h('label', { text: 'Time zone for hours and weekdays' }), tz,
      h('label', { text: 'Audio-feature tables to join (optional; else the analysed library)' }), tables,
      h('div', { class: 'row', style: 'margin-top:12px' }, run))));
  root.append(jobBox);

  const dash = h('div', { class: 'stack', style: 'margin-top:16px', id: 'history-dashboard' });
  root.append(dash);

  async function renderDash() {
    let r;
    try { r = await api('/history/dashboard'); } catch (e) { dash.replaceChildren(errorBox(e)); return; }
    const d = r.dashboard;
    if (!d) { dash.replaceChildren(h('div', { class: 'card empty', text: 'No history analysed yet: import an export above.' })); return; }
    const rep = d.report || {};
    dash.replaceChildren();
    dash.append(h('div', { class: 'metrics' },
      metric('Plays', fmt.num(rep.plays ?? d.plays), `${fmt.date(rep.first_play_utc)} – ${fmt.date(rep.last_play_utc)}`, 'hist-plays'),
      metric('Tracks', fmt.num(rep.tracks), 'distinct'),
      metric('Sessions', fmt.num(rep.sessions ?? d.sessions), `gap ${rep.gap_min ?? 30} min`, 'hist-sessions'),
      metric('Session length', `${fmt.num(rep.mean_session_minutes)} min`, `${fmt.num(rep.mean_session_tracks)} tracks on average`),
      metric('Skip rate', fmt.pct(rep.skip_rate), 'plays under 30 s'),
      metric('Feature match', fmt.pct(rep.play_match_rate), 'plays with audio features')));

    // Listening clock: weekday × hour heat table.
    if (Array.isArray(rep.listening_clock)) {
      let max = 1;
      rep.listening_clock.forEach((row) => row.forEach((v) => { if (v > max) max = v; }));
      dash.append(h('div', { class: 'card' }, h('h2', { text: `Listening clock (${rep.tz || 'UTC'})` }),
        h('div', { class: 'table-wrap' }, h('table', { class: 'heat', id: 'listening-clock' },
          h('thead', {}, h('tr', {}, h('th', { text: '' }), ...Array.from({ length: 24 }, (_, i) => h('th', { text: String(i) })))),
          h('tbody', {}, ...rep.listening_clock.map((row, d7) => h('tr', {}, h('th', { text: DAYS[d7] || d7 }),
            ...row.map((v) => { const c = heat(v / max); return h('td', { text: v || '', style: `background:${c.bg};color:${c.fg};padding:5px 4px;font-size:11px` }); }))))))));
    }
    const grid = h('div', { class: 'grid two' });
    dash.append(grid);
    if (Array.isArray(rep.top_artists)) {
      grid.append(h('div', { class: 'card' }, h('h2', { text: 'Top artists' }), h('table', { id: 'top-artists' },
        h('tbody', {}, ...rep.top_artists.map((a) => h('tr', {}, h('td', { text: a.artist }), h('td', { class: 'num', text: a.plays })))))));
    }
    // Models against baselines.
    const models = h('div', { class: 'card', id: 'history-models' }, h('h2', { text: 'Models' }));
    const ss = d.sessionstart;
    if (ss && ss.xgboost) {
      const rows = [['XGBoost', ss.xgboost]];
      for (const [k, v] of Object.entries(ss.baselines || {})) rows.push([k.replace(/_/g, ' '), v]);
      models.append(h('h3', { text: 'Session start (next hours)' }), h('table', { id: 'sessionstart-metrics' },
        h('thead', {}, h('tr', {}, h('th', { text: 'model' }), h('th', { class: 'num', text: 'PR-AUC' }), h('th', { class: 'num', text: 'ROC-AUC' }))),
        h('tbody', {}, ...rows.map(([n, m]) => h('tr', {}, h('td', { text: n }), h('td', { class: 'num', text: fmt.num(m.pr_auc) }), h('td', { class: 'num', text: fmt.num(m.roc_auc) }))))));
    }
    const nm = d.nextmood;
    if (nm && !nm.error) {
      const rows = [];
      for (const [k, v] of Object.entries(nm)) if (v && typeof v === 'object' && ('accuracy' in v || 'macro_f1' in v)) rows.push([k, v]);
      if (rows.length) {
        models.append(h('h3', { text: 'Next mood' }), h('table', { id: 'nextmood-metrics' },
          h('thead', {}, h('tr', {}, h('th', { text: 'model' }), h('th', { class: 'num', text: 'accuracy' }), h('th', { class: 'num', text: 'macro F1' }))),
          h('tbody', {}, ...rows.map(([n, m]) => h('tr', {}, h('td', { text: n }), h('td', { class: 'num', text: fmt.num(m.accuracy) }), h('td', { class: 'num', text: fmt.num(m.macro_f1) }))))));
      }
    }
    models.append(...[stepNote('Track moods', d.moods), stepNote('Next mood', d.nextmood), stepNote('Session start', d.sessionstart),
      stepNote('Feature join', d.join)].filter(Boolean));
    grid.append(models);
    // Drift.
    if (d.drift && Array.isArray(d.drift.metrics)) {
      dash.append(h('div', { class: 'card', id: 'history-drift' }, h('h2', { text: `Drift: last ${d.drift.recent_days} days against the ${d.drift.reference_days} before` }),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'metric' }), h('th', { class: 'num', text: 'before' }), h('th', { class: 'num', text: 'last days' }), h('th', { class: 'num', text: 'change' }), h('th', { text: '' }))),
          h('tbody', {}, ...d.drift.metrics.map((m) => h('tr', {}, h('td', { text: m.metric.replace(/_/g, ' ') }), h('td', { class: 'num', text: fmt.num(m.previous_30d) }),
            h('td', { class: 'num', text: fmt.num(m.last_7d) }), h('td', { class: 'num', text: fmt.pct(m.relative_change) }),
            h('td', {}, m.flagged ? h('span', { class: 'state failed', text: 'changed' }) : null)))))));
    }
    if (r.charts.length) {
      dash.append(h('div', { class: 'card' }, h('h2', { text: 'Charts' }), h('div', { class: 'grid two', id: 'history-charts' },
        ...r.charts.map((c) => h('img', { class: 'plot', alt: c, src: fileUrl(`/history/files/${encodeURIComponent(c)}`) })))));
    }
  }
  await renderDash();
}
