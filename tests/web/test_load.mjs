// Loopback load test of `moodscope serve`: 100 concurrent keep-alive connections, each sending
// a fixed number of requests (API JSON, a page asset, a 404), bounded in count (100 × 30
// requests) and time (30 s). Passes when every response has the expected status and body and
// the server still answers afterwards. Traffic goes to 127.0.0.1 only.
import http from 'node:http';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { check, scratchDir, startServer } from './lib.mjs';

const CONNECTIONS = 100;
const PER_CONNECTION = 30;
const DEADLINE_MS = 30000;

const scratch = scratchDir('web_load');
const data = path.join(scratch, 'data');
mkdirSync(data, { recursive: true });
writeFileSync(path.join(data, 'a.csv'), 'id,energy\na,1\nb,2\n');
const server = await startServer(['--data', data, '--catalog', path.join(scratch, 'catalog.db')]);
const base = new URL(server.url);
const targets = [
  { path: '/api/v1/info', status: 200, has: '"moodscope"' },
  { path: '/api/v1/datasets', status: 200, has: '"a.csv"' },
  { path: '/app.js', status: 200, has: 'import' },
  { path: '/api/v1/runs/nope', status: 404, has: '"ENOTFOUND"' },
];

function get(agent, t) {
  return new Promise((resolve) => {
    const req = http.get({ host: base.hostname, port: base.port, path: t.path, agent, timeout: 10000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(res.statusCode === t.status && body.includes(t.has) ? null : `${t.path}: ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`${t.path}: ${e.message}`));
  });
}

let failed = false;
const started = Date.now();
try {
  const errors = [];
  const latencies = [];
  const deadline = started + DEADLINE_MS;
  await Promise.all(Array.from({ length: CONNECTIONS }, async (_, c) => {
    // One agent with one socket per simulated client: 100 connections open at once.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < PER_CONNECTION && Date.now() < deadline; i++) {
      const t0 = performance.now();
      const err = await get(agent, targets[(c + i) % targets.length]);
      latencies.push(performance.now() - t0);
      if (err) errors.push(err);
    }
    agent.destroy();
  }));
  const secs = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
  console.log(`${latencies.length} requests over ${CONNECTIONS} connections in ${secs.toFixed(2)} s ` +
    `(${(latencies.length / secs).toFixed(0)} req/s; latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms)`);
  check(latencies.length === CONNECTIONS * PER_CONNECTION, `all ${CONNECTIONS * PER_CONNECTION} requests sent within ${DEADLINE_MS / 1000} s`);
  check(errors.length === 0, `no errors under ${CONNECTIONS} concurrent connections (${errors.slice(0, 5).join('; ')})`);
  const after = await get(new http.Agent(), targets[0]);
  check(after === null, 'server still answers after the load');
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.message}`);
} finally {
  const code = await server.stop();
  if (code !== 0) { failed = true; console.error(`FAIL: server exit ${code}`); }
}
console.log(failed ? 'web load: FAILED' : 'web load: all checks passed');
process.exit(failed ? 1 : 0);
