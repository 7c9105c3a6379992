// Small canvas charts: a line chart (k-selection curve) and a heatmap colour helper.
export function lineChart(canvas, points, opts = {}) {
  const dpr = window.devicePixelRatio || 1;
  const r = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(r.width * dpr));
  canvas.height = Math.max(1, Math.round(r.height * dpr));
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, pad = { l: 48 * dpr, r: 16 * dpr, t: 14 * dpr, b: 30 * dpr };
  ctx.clearRect(0, 0, W, H);
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (!pts.length) return;
  const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const sx = (x) => pad.l + ((x - x0) / ((x1 - x0) || 1)) * (W - pad.l - pad.r);
  const sy = (y) => H - pad.b - ((y - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  ctx.fillStyle = '#6b7280'; ctx.strokeStyle = '#e5e7ef'; ctx.lineWidth = dpr;
  for (let t = 0; t <= 4; t++) {
    const y = y0 + ((y1 - y0) * t) / 4, py = sy(y);
    ctx.beginPath(); ctx.moveTo(pad.l, py); ctx.lineTo(W - pad.r, py); ctx.stroke();
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    ctx.fillText(y.toPrecision(3), pad.l - 6 * dpr, py);
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  for (const p of pts) ctx.fillText(String(p.x), sx(p.x), H - pad.b + 8 * dpr);
  ctx.strokeStyle = opts.color || '#4f46e5'; ctx.lineWidth = 2 * dpr; ctx.beginPath();
  pts.forEach((p, k) => (k ? ctx.lineTo(sx(p.x), sy(p.y)) : ctx.moveTo(sx(p.x), sy(p.y))));
  ctx.stroke();
  for (const p of pts) {
    const best = opts.mark != null && p.x === opts.mark;
    ctx.fillStyle = best ? '#f59e0b' : (opts.color || '#4f46e5');
    ctx.beginPath(); ctx.arc(sx(p.x), sy(p.y), (best ? 6 : 3.5) * dpr, 0, Math.PI * 2); ctx.fill();
  }
  if (opts.label) {
    ctx.fillStyle = '#6b7280'; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
    ctx.fillText(opts.label, pad.l + 4 * dpr, 2 * dpr);
  }
}

// Blue ramp for heatmap cells, t in [0,1].
export function heat(t) {
  const a = [238, 240, 255], b = [67, 56, 202];
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * Math.max(0, Math.min(1, t))));
  return { bg: `rgb(${c[0]},${c[1]},${c[2]})`, fg: t > 0.55 ? '#fff' : '#1f2433' };
}

// Diverging red/blue for z-scores, z clipped to [-2, 2].
export function diverging(z) {
  const t = Math.max(-1, Math.min(1, z / 2));
  const base = [255, 255, 255], pos = [220, 38, 38], neg = [37, 99, 235];
  const tgt = t >= 0 ? pos : neg, a = Math.abs(t) * 0.55;
  const c = base.map((v, i) => Math.round(v + (tgt[i] - v) * a));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
