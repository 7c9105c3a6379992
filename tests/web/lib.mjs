// Shared helpers of the web tests: dependencies, the server under test, chromium, fixtures.
// Exit 77 means "skipped" to ctest; in CI (CI=true) a missing browser or package is a failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
const CI = process.env.CI === 'true' || process.env.CI === '1';

export function skip(why) {
  if (CI) {
    console.error(`FAIL (CI): ${why}`);
    process.exit(1);
  }
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

export function moodscopeBinary() {
  const bin = process.env.MOODSCOPE;
  if (!bin || !existsSync(bin)) {
    console.error(`FAIL: $MOODSCOPE (${bin}) is not a built binary`);
    process.exit(1);
  }
  return bin;
}

// playwright-core from tests/web/node_modules, installed by setup.sh when absent.
export async function loadPlaywright() {
  if (!existsSync(path.join(HERE, 'node_modules', 'playwright-core', 'package.json'))) {
    const r = spawnSync('bash', [path.join(HERE, 'setup.sh')], { stdio: 'inherit', timeout: 300000 });
    if (r.status !== 0) skip('tests/web/setup.sh could not install playwright-core');
  }
  const require = createRequire(path.join(HERE, 'package.json'));
  return require('playwright-core');
}

export function chromiumPath() {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && existsSync(p)) return p;
  }
  skip('Debian chromium is not installed (apt-get install chromium)');
  return null;
}

export async function launchBrowser(scratch) {
  const { chromium } = await loadPlaywright();
  const exe = chromiumPath();
  const profile = path.join(scratch, 'chromium-profile');
  rmSync(profile, { recursive: true, force: true });
  mkdirSync(profile, { recursive: true });
  // A fresh profile per run, nothing fetched from the network, no sandbox (containers).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      '--disable-dev-shm-usage'],
    timeout: 60000,
  });
  return context;
}

export function scratchDir(name) {
  const base = process.env.MOOD_TEST_TMP || path.join(HERE, '..', '..', 'build', 'test-tmp');
  const dir = path.join(base, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

// Servers started by this test process; killed if the test dies before stopping them.
const servers = new Set();
process.on('exit', () => { for (const p of servers) if (p.exitCode === null) p.kill('SIGKILL'); });

// Start `moodscope serve --port 0` and read the address it prints.
export function startServer(args) {
  const bin = moodscopeBinary();
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ['serve', '--port', '0', '--quiet', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    servers.add(proc);
    proc.on('exit', () => servers.delete(proc));
    let out = '', err = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`server did not start: ${err}`)); }, 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^(http:\/\/[^\s#]+)/m);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1], proc,
          stop: () => new Promise((res) => {
            if (proc.exitCode !== null) { res(proc.exitCode); return; }
            proc.on('exit', (code) => {
              if (code !== 0) console.error(`server stderr:\n${err.slice(-4000)}`);
              res(code);
            });
            proc.kill('SIGTERM');
            setTimeout(() => proc.kill('SIGKILL'), 10000).unref();
          }),
        });
      }
    });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${err}`)); });
  });
}

// Seeded Gaussian blobs (mulberry32 + Box-Muller): `groups` well separated centres in `dim`
// dimensions, with id/title/artist text columns and the true group as `true_group`.
export function blobsCSV(file, { n = 60, groups = 3, dim = 4, seed = 1, spread = 0.35, offset = 0 } = {}) {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = [];
  for (let g = 0; g < groups; g++) centres.push(Array.from({ length: dim }, (_, d) => ((g * 7 + d * 3) % 5) * 2.5 + (d === g % dim ? 6 : 0)));
  const names = Array.from({ length: dim }, (_, d) => ['energy', 'valence', 'tempo', 'acousticness', 'danceability', 'loudness'][d] || `f${d}`);
  const lines = [['id', 'title', 'artist', ...names, 'true_group'].join(',')];
  for (let i = 0; i < n; i++) {
    const g = i % groups;
    const v = centres[g].map((c) => (c + spread * gauss()).toFixed(4));
    lines.push([`t${offset + i}`, `"Song ${offset + i}, take ${g}"`, `Artist ${g}`, ...v, `g${g}`].join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}
