// Seeded request fuzzing of `moodscope serve` on loopback: 1500 requests with random methods,
// routes, path and query junk (encoded "..", NULs, overlong UTF-8, huge numbers) and bodies
// (malformed JSON, CSV, binary, oversized). Every answer must be a 2xx/4xx JSON or file, never a
// 5xx or a dropped connection, and the server must still answer and exit cleanly afterwards.
import http from 'node:http';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { check, scratchDir, startServer } from './lib.mjs';
const scratch = scratchDir('web_fuzz');
const data = path.join(scratch, 'data'); mkdirSync(data, { recursive: true });
writeFileSync(path.join(data, 'a.csv'), 'id,energy,valence\na,1,2\nb,2,1\nc,3,3\n');
const server = await startServer(['--data', data, '--catalog', path.join(scratch, 'c.db'), '--max-upload', '1']);
const base = new URL(server.url);
let s = 7; const r = () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x7fffffff; };
const pick = (a) => a[Math.floor(r() * a.length)];
const routes = ['/api/v1/info','/api/v1/datasets','/api/v1/datasets/columns','/api/v1/uploads','/api/v1/jobs','/api/v1/jobs/x','/api/v1/jobs/x/cancel','/api/v1/runs','/api/v1/runs/x','/api/v1/runs/x/files/y','/api/v1/compare','/api/v1/snapshots','/api/v1/snapshots/x/predict','/api/v1/predictions/x','/api/v1/library/sources','/api/v1/library/tracks','/api/v1/library/map','/api/v1/library/similar','/api/v1/library/next','/api/v1/library/path','/api/v1/library/alchemy','/api/v1/library/playlist','/api/v1/history/uploads','/api/v1/history/dashboard','/api/v1/history/files/x','/api/v1/mixes/x','/api/v1/playlists/x'];
const junk = () => { const n = Math.floor(r() * 40); let t = ''; for (let i = 0; i < n; i++) t += pick(['a','/','..','%2e','%00','%ff','?','&','=','"','\\',' ','{','}','[',']',',','\n','@0','@-1','@99999999999999999999','source','path','track','a.csv','..%2f','%c0%ae']); return t; };
const bodies = () => pick(['', '{}', '{"kind":"cluster","inputs":["a.csv"],"k":"auto","k_max":3}', '{"kind":"cluster","inputs":[1,2]}', '{"kind":"analyze","paths":["."]}', '{"source":"a.csv","add":["@0"],"n":-5}', '{"source":"a.csv","rows":[0,1],"name":"p"}', '[', 'id,x\n1,2\n', '\u0000\u0001', '{"kind":"mix","source":"a.csv","a":"@0","b":"@1"}', '{"kind":"history","files":["a.csv"]}', JSON.stringify({ kind: 'cluster', inputs: ['a.csv'], features: new Array(50).fill('x') }), 'x'.repeat(5000)]);
const stats = {};
let bad = [];
for (let i = 0; i < 1500; i++) {
  const method = pick(['GET','POST','DELETE','PUT','HEAD']);
  let p = pick(routes) + (r() < 0.5 ? junk() : '') ;
  if (r() < 0.6) p += '?' + pick(['path','source','track','a','b','n','q','name','offset','limit','energy','key']) + '=' + encodeURIComponent(junk()) + '&' + pick(['source','track','n','a','b']) + '=' + pick(['a.csv','@0','@1','catalog','-1','99999999999', junk()]);
  const body = method === 'POST' ? bodies() : undefined;
  const res = await new Promise((res) => {
    const req = http.request({ host: base.hostname, port: base.port, path: p.replace(/[\n ]/g, '%20'), method, timeout: 10000, headers: body ? { 'Content-Type': 'application/json' } : {} }, (rs) => { rs.resume(); rs.on('end', () => res(rs.statusCode)); });
    req.on('error', (e) => res('ERR ' + e.message));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    if (body) req.write(body);
    req.end();
  });
  stats[res] = (stats[res] || 0) + 1;
  if (typeof res !== 'number' || res >= 500) bad.push(`${method} ${p} -> ${res}`);
}
console.log(`statuses: ${JSON.stringify(stats)}`);
let failed = false;
try {
  check(bad.length === 0, `no 5xx or dropped connections in 1500 fuzzed requests (${bad.slice(0, 3).join(' | ')})`);
  const alive = await new Promise((res) => http.get(`${server.url}api/v1/info`, (rs) => { rs.resume(); res(rs.statusCode); }).on('error', () => res(0)));
  check(alive === 200, 'server still answers');
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.message}`);
}
const code = await server.stop();
if (code !== 0) { failed = true; console.error(`FAIL: server exit ${code}`); }
console.log(failed ? 'web fuzz: FAILED' : 'web fuzz: all checks passed');
process.exit(failed ? 1 : 0);
