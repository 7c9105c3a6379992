// A small RFC 4180 CSV parser for the files the server sends (run outputs, maps, profiles):
// header row, quoted cells with commas, doubled quotes and newlines, CRLF.
export function parseCSV(text) {
  const rows = [];
  let row = [], cell = '', i = 0, quoted = false;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { cell += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      cell += ch; i++; continue;
    }
    if (ch === '"') { quoted = true; i++; continue; }
    if (ch === ',') { row.push(cell); cell = ''; i++; continue; }
    if (ch === '\r') { i++; continue; }
    if (ch === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; continue; }
    cell += ch; i++;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  const header = rows.shift() || [];
  return { header, rows };
}

// Column of a parsed CSV as numbers (NaN for empty/non-numeric) or strings.
export function column(csv, name, asNumber) {
  const j = csv.header.indexOf(name);
  if (j < 0) return null;
  if (asNumber) {
    const out = new Float32Array(csv.rows.length);
    csv.rows.forEach((r, i) => { const v = r[j]; out[i] = v === '' || v == null ? NaN : Number(v); });
    return out;
  }
  return csv.rows.map((r) => r[j] ?? '');
}

// True when every non-empty cell of the column is a number.
export function isNumericColumn(csv, j) {
  let seen = 0;
  for (const r of csv.rows) {
    const v = r[j];
    if (v === '' || v == null) continue;
    if (!Number.isFinite(Number(v))) return false;
    seen++;
  }
  return seen > 0;
}
