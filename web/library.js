// Library and DJ pages: the analysed library (catalog) or a CSV track table, its map with
// lasso-to-playlist, search, similar tracks, a path A→B drawn on the map, alchemy, and two DJ
// decks with next-track suggestions and their reasons.
import { ScatterMap, categorical, numeric } from './map.js';
import { h, fmt, toast, api, fileUrl, errorBox } from './util.js';

const lib = { source: localStorage.getItem('moodscope.librarySource') || '', map: null, mapData: null };

function head(title, sub, ...actions) {
  return h('div', { class: 'page-head' },
    h('div', {}, h('h1', { text: title }), sub ? h('p', { class: 'sub', text: sub }) : null),
    h('div', { class: 'row' }, ...actions));
}

function trackLabel(t) {
  const name = t.title || t.file || t.id;
  return t.artist ? `${t.artist} — ${name}` : name;
}

// Source choice: the catalog when it has tracks, or a CSV track table of the data folder.
async function sourcePicker(onChange) {
  const [src, ds] = await Promise.all([api('/library/sources'), api('/datasets')]);
  const sel = h('select', { id: 'library-source', style: 'width:320px' });
  if (src.catalog && src.catalog.analyzed) sel.append(h('option', { value: 'catalog', text: `catalog (${src.catalog.analyzed} analysed tracks)` }));
  for (const d of ds.datasets) sel.append(h('option', { value: d.path, text: `table: ${d.path}` }));
  if (!sel.options.length) sel.append(h('option', { value: '', text: '(no tracks: analyse a folder or add a CSV)' }));
  if ([...sel.options].some((o) => o.value === lib.source)) sel.value = lib.source;
  else lib.source = sel.value;
  sel.onchange = () => { lib.source = sel.value; localStorage.setItem('moodscope.librarySource', sel.value); lib.mapData = null; onChange(); };
  return { sel, src };
}

// A small job panel: state, progress and cancel for one job id.
export function jobPanel(id, box, title, onDone) {
  const bar = h('div', { style: 'width:0%' });
  const stateEl = h('span', { class: 'state queued', text: 'queued' });
  const stage = h('span', { class: 'hint' });
  const cancel = h('button', { class: 'danger', text: 'Cancel' });
  const msg = h('div');
  box.replaceChildren(h('h2', { text: title }), h('div', { class: 'row' }, stateEl, stage, h('span', { class: 'spacer' }), cancel),
    h('div', { class: 'progress', style: 'margin-top:10px' }, bar), msg);
  cancel.onclick = () => api(`/jobs/${id}/cancel`, { method: 'POST' }).catch((e) => toast(e.message, true));
  const t = setInterval(async () => {
    let j;
    try { j = (await api(`/jobs/${id}`)).job; } catch { clearInterval(t); return; }
    if (!document.body.contains(box)) { clearInterval(t); return; }
    stateEl.textContent = j.state; stateEl.className = `state ${j.state}`;
    stage.textContent = j.state === 'running' ? j.stage : '';
    bar.style.width = `${Math.round((j.state === 'done' ? 1 : j.progress) * 100)}%`;
    cancel.hidden = !['queued', 'running'].includes(j.state);
    if (['done', 'failed', 'canceled'].includes(j.state)) {
      clearInterval(t);
      if (j.state === 'failed') msg.replaceChildren(h('div', { class: 'error-box', text: j.message }));
      else if (j.result) {
        const r = j.result;
        let text = '';
        if (r.files !== undefined) text = `${r.analyzed} analysed, ${r.skipped} already known, ${r.failed} failed of ${r.files} files.`;
        else if (r.plays !== undefined) text = `${r.plays} plays in ${r.sessions} sessions.`;
        msg.replaceChildren(h('p', { text }));
      }
      if (onDone) onDone(j);
    }
  }, 500);
}

function hitsTable(hits, opts = {}) {
  if (!hits.length) return h('div', { class: 'empty', text: 'Nothing found.' });
  return h('div', { class: 'table-wrap' }, h('table', { class: 'hits' },
    h('thead', {}, h('tr', {}, h('th', { class: 'num', text: '#' }), h('th', { text: 'Track' }), h('th', { class: 'num', text: 'BPM' }),
      h('th', { text: 'Key' }), h('th', { class: 'num', text: 'Distance' }), h('th', { text: opts.reasons ? 'Why' : '' }))),
    h('tbody', {}, ...hits.map((t, i) => h('tr', { class: opts.onPick ? 'clickable' : '', onclick: opts.onPick ? () => opts.onPick(t) : null },
      h('td', { class: 'num', text: i + 1 }), h('td', { text: trackLabel(t) }), h('td', { class: 'num', text: fmt.num(t.tempo_bpm) }),
      h('td', { text: t.camelot || '' }), h('td', { class: 'num', text: fmt.num(t.distance) }),
      h('td', { class: 'hint', text: opts.reasons ? t.reasons : '' }))))));
}

export async function pageLibrary(root, info) {
  const body = h('div', { class: 'stack' });
  const { sel, src } = await sourcePicker(() => renderBody());
  root.append(head('Library', 'Every track a point: search, similar tracks, paths, alchemy and playlists.', h('span', { class: 'hint', text: 'Tracks from' }), sel));

  // Analysis of a folder.
  if (src.can_analyze) {
    const folder = h('input', { type: 'text', id: 'analyze-path', placeholder: src.library_dir ? 'library (the whole music folder) or a sub-folder' : 'a folder under the data folder', value: src.library_dir ? 'library' : '' });
    const go = h('button', { class: 'primary', id: 'analyze-go', text: 'Analyse' });
    const box = h('div', { class: 'card', id: 'analyze-card' }, h('h2', { text: 'Analyse a folder' }),
      h('p', { class: 'hint', text: `Audio files are decoded and measured; results go to ${src.catalog ? src.catalog.path : 'the catalog'}. Already analysed files are skipped.` }),
      h('div', { class: 'row' }, folder, go));
    go.onclick = async () => {
      try {
        const r = await api('/jobs', { method: 'POST', json: { kind: 'analyze', paths: [folder.value.trim()] } });
        const panel = h('div', { class: 'card' });
        box.after(panel);
        jobPanel(r.job.id, panel, 'Analysis', () => { lib.mapData = null; });
      } catch (e) { box.append(errorBox(e)); }
    };
    root.append(box);
  }
  root.append(body);

  async function renderBody() {
    body.replaceChildren();
    if (!lib.source) {
      body.append(h('div', { class: 'card empty', id: 'library-empty', text: 'No tracks yet: analyse a folder, or put a CSV track table in the data folder.' }));
      return;
    }
    const mapCard = h('div', { class: 'card' });
    const mapBox = h('div', { id: 'library-map' });
    const legend = h('div', { class: 'legend', id: 'library-legend' });
    const selInfo = h('span', { class: 'hint', id: 'lasso-info', text: 'Lasso (button or shift+drag) a region to make a playlist.' });
    const plName = h('input', { type: 'text', id: 'playlist-name', placeholder: 'playlist name', style: 'width:180px' });
    const plFmt = h('select', { id: 'playlist-format', style: 'width:100px' }, h('option', { value: 'm3u8', text: 'M3U8' }), h('option', { value: 'xspf', text: 'XSPF' }), h('option', { value: 'json', text: 'JSON' }));
    const plGo = h('button', { id: 'playlist-save', text: 'Save playlist', disabled: true });
    const plOut = h('span', { id: 'playlist-result' });
    const colourBy = h('select', { id: 'library-colour', style: 'width:160px;flex:0 0 auto' },
      h('option', { value: 'mood', text: 'mood label' }), h('option', { value: 'energy', text: 'energy' }), h('option', { value: 'tempo_bpm', text: 'tempo' }));
    mapCard.append(h('div', { class: 'row' }, h('h2', { text: 'Library map', style: 'margin:0' }), h('span', { class: 'hint', id: 'library-count' }), h('span', { class: 'spacer' }),
      h('span', { class: 'hint', text: 'Colour by' }), colourBy),
      h('div', { style: 'height:10px' }), mapBox, legend,
      h('div', { class: 'row', style: 'margin-top:10px' }, selInfo, h('span', { class: 'spacer' }), plName, plFmt, plGo, plOut));
    body.append(mapCard);

    const search = h('input', { type: 'text', id: 'track-search', placeholder: 'search title, artist or id' });
    const table = h('div', { id: 'track-table' });
    const seedA = h('div', { class: 'chip', id: 'seed-a', text: 'A: pick a track' });
    const seedB = h('div', { class: 'chip', id: 'seed-b', text: 'B: pick a track' });
    const tools = h('div', { class: 'row' },
      h('button', { id: 'do-similar', text: 'Similar to A' }), h('button', { id: 'do-path', text: 'Path A → B' }),
      h('button', { id: 'alch-add', text: '+ A to alchemy' }), h('button', { id: 'alch-sub', text: '− A from alchemy' }), h('button', { id: 'do-alchemy', text: 'Alchemy' }));
    const alchemy = { add: [], sub: [] };
    const alchemyChips = h('div', { class: 'chips', id: 'alchemy-chips' });
    const results = h('div', { class: 'card', id: 'library-results' }, h('h2', { text: 'Results' }), h('div', { class: 'hint', text: 'Pick a track in the table as A (click) or B (shift+click).' }));
    body.append(h('div', { class: 'grid two' },
      h('div', { class: 'card' }, h('h2', { text: 'Tracks' }), search, h('div', { style: 'height:8px' }), table),
      h('div', { class: 'stack' }, h('div', { class: 'card' }, h('h2', { text: 'Explore from a track' }), h('div', { class: 'row' }, seedA, seedB),
        h('div', { style: 'height:10px' }), tools, h('div', { style: 'height:8px' }), alchemyChips), results)));

    let A = null, B = null;
    const setSeed = (t, which) => {
      if (which === 'B') { B = t; seedB.textContent = `B: ${trackLabel(t)}`; } else { A = t; seedA.textContent = `A: ${trackLabel(t)}`; }
    };
    const showHits = (title, hits, extra) => {
      results.replaceChildren(...[h('h2', { text: title }), extra, hitsTable(hits, { reasons: true, onPick: (t) => setSeed(t, 'A') })].filter(Boolean));
      if (lib.map) {
        const mask = new Uint8Array(lib.map.n);
        for (const t of hits) mask[t.row] = 1;
        lib.map.highlight = hits.length ? mask : null;
        lib.map.draw();
      }
    };
    const loadTracks = async () => {
      try {
        const r = await api(`/library/tracks?source=${encodeURIComponent(lib.source)}&limit=200&q=${encodeURIComponent(search.value)}`);
        table.replaceChildren(h('div', { class: 'hint', text: `${r.matched} of ${r.total} tracks${r.matched > 200 ? ' (first 200 shown)' : ''}` }),
          h('div', { class: 'table-wrap' }, h('table', { id: 'tracks' },
            h('thead', {}, h('tr', {}, h('th', { text: 'Track' }), h('th', { class: 'num', text: 'BPM' }), h('th', { text: 'Key' }), h('th', { class: 'num', text: 'Energy' }))),
            h('tbody', {}, ...r.tracks.map((t) => h('tr', { class: 'clickable', dataset: { row: t.row }, onclick: (e) => setSeed(t, e.shiftKey ? 'B' : 'A') },
              h('td', { text: trackLabel(t) }), h('td', { class: 'num', text: fmt.num(t.tempo_bpm) }), h('td', { text: t.camelot }), h('td', { class: 'num', text: fmt.num(t.energy) })))))));
      } catch (e) { table.replaceChildren(errorBox(e)); }
    };
    let timer = null;
    search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(loadTracks, 250); });
    const q = (t) => `@${t.row}`;
    document.getElementById('do-similar').onclick = async () => {
      if (!A) { toast('Pick track A first', true); return; }
      try {
        const r = await api(`/library/similar?source=${encodeURIComponent(lib.source)}&track=${encodeURIComponent(q(A))}&n=15`);
        if (lib.map) lib.map.path = null;
        showHits(`Similar to ${trackLabel(r.track)}`, r.hits);
      } catch (e) { results.replaceChildren(h('h2', { text: 'Results' }), errorBox(e)); }
    };
    document.getElementById('do-path').onclick = async () => {
      if (!A || !B) { toast('Pick track A (click) and B (shift+click) first', true); return; }
      try {
        const r = await api(`/library/path?source=${encodeURIComponent(lib.source)}&a=${encodeURIComponent(q(A))}&b=${encodeURIComponent(q(B))}&n=10`);
        if (lib.map) lib.map.path = r.hits.map((t) => [lib.mapData.x[t.row], lib.mapData.y[t.row]]);
        showHits(`Path: ${trackLabel(A)} → ${trackLabel(B)}`, r.hits, h('p', { class: 'hint', text: `${r.info.found} of ${r.info.requested} steps found` }));
      } catch (e) { results.replaceChildren(h('h2', { text: 'Results' }), errorBox(e)); }
    };
    const drawChips = () => alchemyChips.replaceChildren(...alchemy.add.map((t) => h('span', { class: 'chip', text: `+ ${trackLabel(t)}` })),
      ...alchemy.sub.map((t) => h('span', { class: 'chip', style: 'background:#fef2f2;color:#b91c1c', text: `− ${trackLabel(t)}` })));
    document.getElementById('alch-add').onclick = () => { if (A) { alchemy.add.push(A); drawChips(); } };
    document.getElementById('alch-sub').onclick = () => { if (A) { alchemy.sub.push(A); drawChips(); } };
    document.getElementById('do-alchemy').onclick = async () => {
      if (!alchemy.add.length) { toast('Add at least one track (+ A)', true); return; }
      try {
        const r = await api('/library/alchemy', { method: 'POST', json: { source: lib.source, add: alchemy.add.map(q), subtract: alchemy.sub.map(q), n: 15 } });
        if (lib.map) lib.map.path = null;
        showHits('Alchemy', r.hits);
      } catch (e) { results.replaceChildren(h('h2', { text: 'Results' }), errorBox(e)); }
    };

    let lassoRows = [];
    plGo.onclick = async () => {
      const name = plName.value.trim() || 'lasso';
      try {
        const r = await api('/library/playlist', { method: 'POST', json: { source: lib.source, rows: lassoRows, name, format: plFmt.value } });
        plOut.replaceChildren(h('a', { class: 'button download', href: fileUrl(r.url), download: r.file, text: `Download ${r.file} (${r.tracks})` }));
      } catch (e) { plOut.replaceChildren(errorBox(e)); }
    };

    // The map.
    try {
      if (!lib.mapData) lib.mapData = await api(`/library/map?source=${encodeURIComponent(lib.source)}`);
      const m = lib.mapData;
      document.getElementById('library-count').textContent = `${m.n} tracks · PCA of the track features`;
      lib.map = new ScatterMap(mapBox, {
        onLasso: (rows) => {
          lassoRows = rows;
          selInfo.textContent = `${rows.length} tracks selected`;
          plGo.disabled = rows.length === 0;
        },
      });
      const x = Float32Array.from(m.x), y = Float32Array.from(m.y);
      const labels = m.mood || new Array(m.n).fill('');
      let cur = null;
      lib.map.setData(x, y, (i) => ({
        title: m.title ? m.title[i] : `track ${i}`,
        group: colourBy.value === 'mood' ? (labels[i] || '') : `${colourBy.selectedOptions[0].text}: ${fmt.num(m[colourBy.value][i])}`,
        color: cur.idx[i] >= 0 ? cur.colors[cur.idx[i]] : '#9ca3af',
      }));
      const paint = () => {
        legend.replaceChildren();
        if (colourBy.value === 'mood') {
          cur = categorical(labels, (k) => k || 'unlabelled');
          if (m.mood) legend.append(...cur.legend.map((l) => h('span', { class: 'legend-item' }, h('span', { class: 'swatch', style: `background:${l.color}` }), `${l.label} (${l.count})`)));
        } else {
          cur = numeric((m[colourBy.value] || []).map((v) => (v === null ? NaN : v)));
          legend.append(h('span', { class: 'legend-item' }, fmt.num(cur.lo),
            h('span', { class: 'gradient', style: `background:linear-gradient(90deg, ${cur.ramp.join(',')})` }), fmt.num(cur.hi)));
        }
        lib.map.setColors(cur.idx, cur.colors);
      };
      colourBy.onchange = paint;
      if (!m.mood) colourBy.value = 'energy';
      paint();
      window.__moodscopeLibraryMap = lib.map;
    } catch (e) { mapBox.append(errorBox(e)); }
    loadTracks();
  }
  void info;
  await renderBody();
}

export async function pageDJ(root) {
  const { sel } = await sourcePicker(() => render());
  root.append(head('DJ', 'Two decks: deck B gets next-track suggestions that keep tempo, key and energy in line; render the transition and play it here.', h('span', { class: 'hint', text: 'Tracks from' }), sel));
  const body = h('div');
  root.append(body);
  async function render() {
    body.replaceChildren();
    if (!lib.source) { body.append(h('div', { class: 'card empty', text: 'No tracks yet: analyse a folder in Library, or put a CSV track table in the data folder.' })); return; }
    const deck = (name) => {
      const input = h('input', { type: 'text', id: `deck-${name}-search`, placeholder: 'search a track' });
      const list = h('div', { id: `deck-${name}-list` });
      const now = h('div', { class: 'metric', id: `deck-${name}-track` }, h('div', { class: 'label', text: `Deck ${name.toUpperCase()}` }), h('div', { class: 'value', style: 'font-size:16px', text: 'empty' }));
      const card = h('div', { class: 'card' }, now, h('div', { style: 'height:10px' }), input, list);
      return { input, list, now, card };
    };
    const A = deck('a'), B = deck('b');
    const energy = h('select', { id: 'dj-energy', style: 'width:140px' }, ...['any', 'up', 'steady', 'down'].map((e) => h('option', { value: e, text: `energy ${e}` })));
    const keyOnly = h('input', { type: 'checkbox', id: 'dj-key', checked: true });
    keyOnly.onchange = () => loadSuggestions();
    const suggest = h('div', { class: 'card', id: 'dj-suggestions' }, h('h2', { text: 'Next for deck B' }), h('div', { class: 'hint', text: 'Load a track on deck A.' }));
    const beats = h('select', { id: 'mix-beats', style: 'width:120px' }, ...[4, 8, 16, 32].map((b) => h('option', { value: b, text: `${b} beats`, selected: b === 16 })));
    const mixGo = h('button', { class: 'primary', id: 'mix-go', text: 'Render mix A → B' });
    const mixBox = h('div', { id: 'mix-box' });
    mixGo.onclick = async () => {
      if (!A.track || !B.track) { toast('Load a track on both decks first', true); return; }
      try {
        const r = await api('/jobs', { method: 'POST', json: { kind: 'mix', source: lib.source, a: `@${A.track.row}`, b: `@${B.track.row}`, beats: Number(beats.value) } });
        const box = h('div', { class: 'card' });
        mixBox.replaceChildren(box);
        jobPanel(r.job.id, box, 'Mix', (j) => {
          if (j.state !== 'done') return;
          const m = j.result;
          box.append(h('p', { class: 'hint', text: `${fmt.num(m.tempo_a_bpm)} → ${fmt.num(m.tempo_b_bpm)} BPM, B stretched ×${fmt.num(m.stretch)}; crossfade ${fmt.num(m.crossfade_s)} s from ${fmt.num(m.transition_s)} s; ${fmt.num(m.duration_s)} s in all.` }),
            h('audio', { controls: true, id: 'mix-audio', src: fileUrl(m.url), style: 'width:100%' }),
            h('div', {}, h('a', { href: fileUrl(m.url), download: m.file, text: `Download ${m.file}` })));
        });
      } catch (e) { mixBox.replaceChildren(errorBox(e)); }
    };
    body.append(h('div', { class: 'grid two' }, A.card, B.card), h('div', { class: 'row', style: 'margin:14px 0' }, energy, h('label', { class: 'inline' }, keyOnly, 'key-compatible only'),
      h('span', { class: 'spacer' }), beats, mixGo), mixBox, suggest);
    const setDeck = (d, t) => { d.now.querySelector('.value').textContent = trackLabel(t); d.track = t; };
    const loadSuggestions = async () => {
      if (!A.track) return;
      try {
        const r = await api(`/library/next?source=${encodeURIComponent(lib.source)}&track=${encodeURIComponent(`@${A.track.row}`)}&energy=${energy.value}&key=${keyOnly.checked ? 1 : 0}&n=10`);
        suggest.replaceChildren(h('h2', { text: `Next after ${trackLabel(r.track)}` }), hitsTable(r.hits, { reasons: true, onPick: (t) => setDeck(B, t) }));
      } catch (e) { suggest.replaceChildren(h('h2', { text: 'Next for deck B' }), errorBox(e)); }
    };
    energy.onchange = loadSuggestions;
    for (const [d, isA] of [[A, true], [B, false]]) {
      let timer = null;
      d.input.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(async () => {
          try {
            const r = await api(`/library/tracks?source=${encodeURIComponent(lib.source)}&limit=8&q=${encodeURIComponent(d.input.value)}`);
            d.list.replaceChildren(...r.tracks.map((t) => h('div', { class: 'clickable', style: 'padding:6px 4px;border-bottom:1px solid var(--line);cursor:pointer', text: trackLabel(t),
              onclick: () => { setDeck(d, t); d.list.replaceChildren(); if (isA) loadSuggestions(); } })));
          } catch (e) { d.list.replaceChildren(errorBox(e)); }
        }, 250);
      });
    }
  }
  await render();
}
