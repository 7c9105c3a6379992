// Interactive 2-D scatter on a canvas: zoom (wheel), pan (drag), hover tooltips, colour by
// group or any column, optional lasso (shift+drag). Built for 100k points: coordinates live in
// typed arrays, points are bucketed by colour and each colour is one path of small rects, and
// hover uses a uniform grid index instead of scanning every point.

export const PALETTE = [
  '#4f46e5', '#f59e0b', '#10b981', '#ef4444', '#06b6d4', '#a855f7', '#84cc16', '#ec4899',
  '#64748b', '#f97316', '#14b8a6', '#8b5cf6', '#eab308', '#0ea5e9', '#d946ef', '#22c55e',
];
const NOISE = '#9ca3af';
// Viridis-like ramp in 16 steps for numeric colouring (binned so each bin is one path).
const RAMP = ['#440154', '#481a6c', '#472f7d', '#414487', '#39568c', '#31688e', '#2a788e', '#23888e',
  '#1f988b', '#22a884', '#35b779', '#54c568', '#7ad151', '#a5db36', '#d2e21b', '#fde725'];

export class ScatterMap {
  constructor(container, opts = {}) {
    this.container = container;
    this.opts = opts;
    container.classList.add('map-wrap');
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('aria-label', 'map of rows, coloured by group');
    this.tip = document.createElement('div');
    this.tip.className = 'tooltip';
    this.tip.hidden = true;
    const tools = document.createElement('div');
    tools.className = 'map-tools';
    const reset = document.createElement('button');
    reset.textContent = 'Reset view';
    reset.addEventListener('click', () => { this.userMoved = false; this.fit(); this.draw(); });
    tools.append(reset);
    if (opts.onLasso) {
      const lasso = document.createElement('button');
      lasso.textContent = 'Lasso';
      lasso.title = 'draw around points to select them (or shift+drag)';
      lasso.addEventListener('click', () => {
        this.lassoMode = !this.lassoMode;
        lasso.classList.toggle('primary', this.lassoMode);
        this.canvas.classList.toggle('lasso', this.lassoMode);
      });
      tools.append(lasso);
    }
    container.append(this.canvas, tools, this.tip);
    this.n = 0;
    this.view = { cx: 0, cy: 0, scale: 1 };
    this.highlight = null; // Uint8Array of selected rows
    this.path = null;      // [[x, y], ...] in data coordinates, drawn as a polyline
    this.bindEvents();
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.canvas);
  }

  // x, y: Float32Array; info(i) -> {title, group, color} for the tooltip.
  setData(x, y, info) {
    this.x = x; this.y = y; this.n = x.length; this.info = info;
    let minx = Infinity, maxx = -Infinity, miny = Infinity, maxy = -Infinity;
    for (let i = 0; i < this.n; i++) {
      const a = x[i], b = y[i];
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      if (a < minx) minx = a; if (a > maxx) maxx = a;
      if (b < miny) miny = b; if (b > maxy) maxy = b;
    }
    if (minx > maxx) { minx = -1; maxx = 1; miny = -1; maxy = 1; }
    this.bounds = { minx, maxx, miny, maxy };
    this.buildIndex();
    this.fit();
  }

  // colorIndex: Int32Array (-1 = noise/missing) into colors (array of CSS colours).
  setColors(colorIndex, colors) {
    this.colorIndex = colorIndex;
    this.colors = colors;
    const counts = new Int32Array(colors.length + 1);
    for (let i = 0; i < this.n; i++) counts[colorIndex[i] < 0 ? colors.length : colorIndex[i]]++;
    // Bucket rows by colour once, so that draw() walks contiguous index lists.
    this.buckets = [];
    for (let c = 0; c <= colors.length; c++) this.buckets.push(new Int32Array(counts[c]));
    const fill = new Int32Array(colors.length + 1);
    for (let i = 0; i < this.n; i++) {
      const c = colorIndex[i] < 0 ? colors.length : colorIndex[i];
      this.buckets[c][fill[c]++] = i;
    }
    this.draw();
  }

  buildIndex() {
    const G = 96, { minx, maxx, miny, maxy } = this.bounds;
    this.grid = { G, sx: G / ((maxx - minx) || 1), sy: G / ((maxy - miny) || 1) };
    const cell = new Int32Array(this.n), counts = new Int32Array(G * G + 1);
    for (let i = 0; i < this.n; i++) {
      const gx = Math.min(G - 1, Math.max(0, Math.floor((this.x[i] - minx) * this.grid.sx)));
      const gy = Math.min(G - 1, Math.max(0, Math.floor((this.y[i] - miny) * this.grid.sy)));
      cell[i] = gy * G + gx; counts[cell[i] + 1]++;
    }
    for (let c = 0; c < G * G; c++) counts[c + 1] += counts[c];
    const order = new Int32Array(this.n), fill = counts.slice(0, G * G);
    for (let i = 0; i < this.n; i++) order[fill[cell[i]]++] = i;
    this.grid.start = counts; this.grid.order = order;
  }

  resize() {
    const r = this.canvas.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr)), h = Math.max(1, Math.round(r.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w; this.canvas.height = h;
      // Until the user zooms or pans, the view follows the canvas size.
      if (!this.userMoved) { this.fit(); this.baseScale = 0; }
      this.draw();
    }
  }

  fit() {
    if (!this.bounds) return;
    const { minx, maxx, miny, maxy } = this.bounds;
    const w = this.canvas.width || 1, h = this.canvas.height || 1;
    this.view.cx = (minx + maxx) / 2; this.view.cy = (miny + maxy) / 2;
    this.view.scale = 0.9 * Math.min(w / ((maxx - minx) || 1), h / ((maxy - miny) || 1));
  }

  toScreen(x, y) {
    const v = this.view;
    return [(x - v.cx) * v.scale + this.canvas.width / 2, this.canvas.height / 2 - (y - v.cy) * v.scale];
  }

  toData(px, py) {
    const v = this.view;
    return [(px - this.canvas.width / 2) / v.scale + v.cx, (this.canvas.height / 2 - py) / v.scale + v.cy];
  }

  draw() {
    const ctx = this.canvas.getContext('2d');
    const w = this.canvas.width, h = this.canvas.height, dpr = window.devicePixelRatio || 1;
    ctx.clearRect(0, 0, w, h);
    if (!this.n || !this.buckets) return;
    const v = this.view, hw = w / 2, hh = h / 2;
    const size = Math.max(2, Math.min(10, (this.n > 20000 ? 2.2 : this.n > 2000 ? 3.2 : this.n > 200 ? 5 : 8) * dpr *
      Math.sqrt(Math.max(1, v.scale / (this.baseScale || v.scale)))));
    if (!this.baseScale) this.baseScale = v.scale;
    const half = size / 2, dim = this.highlight != null;
    ctx.globalAlpha = this.n > 20000 ? 0.65 : 0.85;
    for (let c = 0; c < this.buckets.length; c++) {
      const b = this.buckets[c];
      if (!b.length) continue;
      ctx.fillStyle = c < this.colors.length ? this.colors[c] : NOISE;
      ctx.beginPath();
      for (let k = 0; k < b.length; k++) {
        const i = b[k];
        if (dim && !this.highlight[i]) continue;
        const px = (this.x[i] - v.cx) * v.scale + hw, py = hh - (this.y[i] - v.cy) * v.scale;
        if (px < -size || py < -size || px > w + size || py > h + size) continue;
        ctx.rect(px - half, py - half, size, size);
      }
      ctx.fill();
    }
    if (dim) {
      // Unselected rows stay visible but faint.
      ctx.globalAlpha = 0.12; ctx.fillStyle = '#64748b'; ctx.beginPath();
      for (let i = 0; i < this.n; i++) {
        if (this.highlight[i]) continue;
        const px = (this.x[i] - v.cx) * v.scale + hw, py = hh - (this.y[i] - v.cy) * v.scale;
        ctx.rect(px - half, py - half, size, size);
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    if (this.path && this.path.length > 1) {
      ctx.strokeStyle = '#111827'; ctx.lineWidth = 2.5 * dpr; ctx.beginPath();
      this.path.forEach(([x, y], k) => {
        const [px, py] = this.toScreen(x, y);
        if (k) ctx.lineTo(px, py); else ctx.moveTo(px, py);
      });
      ctx.stroke();
      ctx.fillStyle = '#111827';
      for (const [x, y] of this.path) {
        const [px, py] = this.toScreen(x, y);
        ctx.beginPath(); ctx.arc(px, py, 4 * dpr, 0, Math.PI * 2); ctx.fill();
      }
    }
    if (this.lassoPts && this.lassoPts.length > 1) {
      ctx.strokeStyle = '#4f46e5'; ctx.setLineDash([6 * dpr, 4 * dpr]); ctx.lineWidth = 1.5 * dpr;
      ctx.beginPath();
      this.lassoPts.forEach(([px, py], k) => (k ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
      ctx.closePath(); ctx.stroke(); ctx.setLineDash([]);
    }
    if (this.hover != null) {
      const [px, py] = this.toScreen(this.x[this.hover], this.y[this.hover]);
      ctx.strokeStyle = '#111827'; ctx.lineWidth = 2 * dpr;
      ctx.beginPath(); ctx.arc(px, py, size + 2 * dpr, 0, Math.PI * 2); ctx.stroke();
    }
  }

  // Interactive events can fire faster than a 100k-point frame draws: redraw once per frame.
  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  nearest(px, py, radiusPx) {
    if (!this.grid || !this.n) return null;
    const [dx, dy] = this.toData(px, py);
    const { G, sx, sy, start, order } = this.grid, { minx, miny } = this.bounds;
    const rx = radiusPx / this.view.scale;
    const gx0 = Math.max(0, Math.floor((dx - rx - minx) * sx)), gx1 = Math.min(G - 1, Math.floor((dx + rx - minx) * sx));
    const gy0 = Math.max(0, Math.floor((dy - rx - miny) * sy)), gy1 = Math.min(G - 1, Math.floor((dy + rx - miny) * sy));
    let best = null, bestD = rx * rx;
    for (let gy = gy0; gy <= gy1; gy++) {
      for (let gx = gx0; gx <= gx1; gx++) {
        const c = gy * G + gx;
        for (let k = start[c]; k < start[c + 1]; k++) {
          const i = order[k], ex = this.x[i] - dx, ey = this.y[i] - dy, d = ex * ex + ey * ey;
          if (d <= bestD) { bestD = d; best = i; }
        }
      }
    }
    return best;
  }

  bindEvents() {
    const c = this.canvas;
    let drag = null;
    const pos = (e) => {
      const r = c.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
      return [(e.clientX - r.left) * dpr, (e.clientY - r.top) * dpr, e.clientX - r.left, e.clientY - r.top];
    };
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.userMoved = true;
      const [px, py] = pos(e), [dx, dy] = this.toData(px, py);
      const f = Math.exp(-e.deltaY * 0.0015);
      this.view.scale = Math.min(1e7, Math.max(1e-7, this.view.scale * f));
      // Keep the point under the cursor fixed.
      const [nx, ny] = this.toData(px, py);
      this.view.cx += dx - nx; this.view.cy += dy - ny;
      this.requestDraw();
    }, { passive: false });
    c.addEventListener('pointerdown', (e) => {
      e.preventDefault(); // no text selection while dragging
      const [px, py] = pos(e);
      c.setPointerCapture(e.pointerId);
      if (this.opts.onLasso && (e.shiftKey || this.lassoMode)) {
        this.lassoPts = [[px, py]];
        drag = { lasso: true };
      } else {
        drag = { px, py, cx: this.view.cx, cy: this.view.cy };
        this.userMoved = true;
        c.classList.add('dragging');
      }
    });
    c.addEventListener('pointermove', (e) => {
      const [px, py, cssx, cssy] = pos(e);
      if (drag && drag.lasso) {
        this.lassoPts.push([px, py]); this.requestDraw(); return;
      }
      if (drag) {
        this.view.cx = drag.cx - (px - drag.px) / this.view.scale;
        this.view.cy = drag.cy + (py - drag.py) / this.view.scale;
        this.requestDraw(); return;
      }
      const i = this.nearest(px, py, 8 * (window.devicePixelRatio || 1));
      if (i !== this.hover) { this.hover = i; this.requestDraw(); }
      if (i == null) { this.tip.hidden = true; return; }
      const info = this.info ? this.info(i) : { title: `row ${i}` };
      this.tip.replaceChildren();
      const t = document.createElement('div');
      t.textContent = info.title;
      const g = document.createElement('div');
      g.className = 't-group';
      const sw = document.createElement('span');
      sw.className = 'swatch'; sw.style.background = info.color || NOISE;
      g.append(sw, document.createTextNode(info.group ?? ''));
      this.tip.append(t, g);
      this.tip.hidden = false;
      const W = this.container.clientWidth;
      this.tip.style.left = `${Math.min(cssx + 14, W - 200)}px`;
      this.tip.style.top = `${cssy + 14}px`;
    });
    const end = () => {
      if (drag && drag.lasso) {
        const sel = this.selectLasso(this.lassoPts);
        this.lassoPts = null;
        this.highlight = sel.count ? sel.mask : null;
        this.requestDraw();
        if (this.opts.onLasso) this.opts.onLasso(sel.rows);
      }
      drag = null; c.classList.remove('dragging');
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('pointerleave', () => { if (!drag) { this.hover = null; this.tip.hidden = true; this.requestDraw(); } });
    c.addEventListener('dblclick', () => { this.userMoved = false; this.fit(); this.requestDraw(); });
  }

  // Rows whose screen position lies inside the polygon (even-odd rule).
  selectLasso(poly) {
    const mask = new Uint8Array(this.n), rows = [];
    if (!poly || poly.length < 3) return { mask, rows, count: 0 };
    for (let i = 0; i < this.n; i++) {
      const [px, py] = this.toScreen(this.x[i], this.y[i]);
      let inside = false;
      for (let a = 0, b = poly.length - 1; a < poly.length; b = a++) {
        const [xa, ya] = poly[a], [xb, yb] = poly[b];
        if ((ya > py) !== (yb > py) && px < ((xb - xa) * (py - ya)) / (yb - ya) + xa) inside = !inside;
      }
      if (inside) { mask[i] = 1; rows.push(i); }
    }
    return { mask, rows, count: rows.length };
  }
}

// Colour assignment helpers -------------------------------------------------------------------

// Categorical values (numbers or strings) to colour indices; the 15 most frequent get their own
// colour and the rest share grey.
export function categorical(values, names) {
  const counts = new Map();
  for (const v of values) counts.set(v, (counts.get(v) || 0) + 1);
  const keys = [...counts.keys()].sort((a, b) => {
    const na = Number(a), nb = Number(b);
    if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return counts.get(b) - counts.get(a);
  });
  const kept = keys.filter((k) => k !== '' && k !== '-1' && k !== -1).slice(0, PALETTE.length);
  const pos = new Map(kept.map((k, i) => [k, i]));
  const idx = new Int32Array(values.length);
  values.forEach((v, i) => { idx[i] = pos.has(v) ? pos.get(v) : -1; });
  const legend = kept.map((k, i) => ({ color: PALETTE[i], label: names ? names(k) : String(k), count: counts.get(k) }));
  const other = values.length - legend.reduce((s, l) => s + l.count, 0);
  if (other) legend.push({ color: NOISE, label: keys.includes('-1') || keys.includes(-1) ? 'noise' : 'other', count: other });
  return { idx, colors: PALETTE.slice(0, kept.length), legend };
}

// Numeric values to 16 ramp bins; NaN -> grey.
export function numeric(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const idx = new Int32Array(values.length);
  const span = hi - lo || 1;
  values.forEach((v, i) => { idx[i] = Number.isFinite(v) ? Math.min(15, Math.floor(((v - lo) / span) * 16)) : -1; });
  return { idx, colors: RAMP, lo, hi, ramp: RAMP };
}
