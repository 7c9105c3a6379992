// Shared helpers of the page: element builder, number formatting, toasts, the API client.

// h('div', {class: 'x', text: 'hi', onclick: fn, dataset: {a: 1}}, child, ...): children may be
// nodes, strings or null. Text always goes through textContent, never innerHTML, so nothing the
// server or a CSV says is ever parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'style') el.style.cssText = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const fmt = {
  num(v) {
    if (v === null || v === undefined || v === '') return '—';
    const n = Number(v);
    if (!Number.isFinite(n)) return '—';
    if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n);
    const a = Math.abs(n);
    if (a >= 1e5) return n.toExponential(2);
    if (a >= 100) return n.toFixed(1);
    return n.toPrecision(3);
  },
  pct(v) { return Number.isFinite(Number(v)) ? `${(Number(v) * 100).toFixed(1)}%` : '—'; },
  bytes(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / (1 << 20)).toFixed(1)} MiB`;
  },
  date(s) {
    if (!s) return '';
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? s : d.toLocaleString();
  },
};

let toastTimer = null;
export function toast(msg, bad = false) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  t.className = bad ? 'toast bad' : 'toast';
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, bad ? 6000 : 3000);
}

export class ApiError extends Error {
  constructor(status, err) {
    super(err && err.message ? err.message : `HTTP ${status}`);
    this.status = status;
    this.error = err || {};
  }
}

export function setToken(t) { sessionStorage.setItem('moodscope.token', t); }
function token() { return sessionStorage.getItem('moodscope.token') || ''; }

// Call /api/v1<path>. opts: {method, json, raw (Blob/File/string), type}.
export async function api(path, opts = {}) {
  const headers = {};
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  let body;
  if (opts.json !== undefined) { body = JSON.stringify(opts.json); headers['Content-Type'] = 'application/json'; }
  else if (opts.raw !== undefined) { body = opts.raw; headers['Content-Type'] = opts.type || 'application/octet-stream'; }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method: opts.method || 'GET', headers, body });
  } catch (e) {
    throw new ApiError(0, { message: `the server did not answer (${e.message})` });
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) throw new ApiError(res.status, data && data.error ? data.error : { message: `HTTP ${res.status}` });
  return data;
}

// A URL for a link or <img> (which cannot send headers): the token goes in the query string.
export function fileUrl(path) {
  const p = path.startsWith('/api/') ? path : `/api/v1${path}`;
  const t = token();
  if (!t) return p;
  return `${p}${p.includes('?') ? '&' : '?'}token=${encodeURIComponent(t)}`;
}

// An error as a red box; CSV errors show their line and column.
export function errorBox(e, what) {
  const err = e.error || {};
  const where = [];
  if (what) where.push(what);
  if (err.line != null) where.push(`line ${err.line}`);
  if (err.column != null) where.push(`column ${err.column}`);
  return h('div', { class: 'error-box', role: 'alert' },
    where.length ? h('span', { class: 'where', text: `${where.join(', ')}: ` }) : null,
    e.message || String(e));
}
