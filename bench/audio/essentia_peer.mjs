// bench/audio/essentia_peer.mjs: Essentia (essentia.js, the WebAssembly build) as the peer of
// `moodscope analyze` for tempo, beats and key.
//
//   node bench/audio/essentia_peer.mjs [--rhythm multifeature,degara]
//        [--key temperley,bgate,edma,krumhansl] FILE... > out.jsonl
//
// Each file is decoded by ffmpeg to mono float32 at 44.1 kHz (the channels averaged, as
// Essentia's MonoLoader does), then RhythmExtractor2013 runs once per method and KeyExtractor
// once per profile, everything else at Essentia's defaults except maxTempo, which is raised
// from 208 to 210 BPM so that the corpus's whole tempo range can be reached. One JSON line per
// file: {"file", "duration_s", "decode_s", "rhythm": {method: {bpm, beats, confidence,
// cpu_s}}, "key": {profile: {key, scale, strength, cpu_s}}}; cpu_s is this process's CPU time
// for that one call. Every vector handed to or returned by the WASM module is deleted, so
// memory stays flat over a long file list.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { basename } from "node:path";

const require = createRequire(import.meta.url);
const { EssentiaWASM, Essentia } = require("essentia.js");

const SAMPLE_RATE = 44100;
const args = process.argv.slice(2);
let rhythmMethods = ["multifeature", "degara"];
let keyProfiles = ["temperley", "bgate", "edma", "krumhansl"];
const files = [];
for (let i = 0; i < args.length; i++) {
    if (args[i] === "--rhythm") rhythmMethods = args[++i].split(",").filter(Boolean);
    else if (args[i] === "--key") keyProfiles = args[++i].split(",").filter(Boolean);
    else files.push(args[i]);
}

// The decoded file as a Float32Array: ffmpeg writes raw little-endian float32 to its stdout.
function decode(path) {
    const r = spawnSync("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", path,
                                   "-f", "f32le", "-ac", "1", "-ar", String(SAMPLE_RATE), "-"],
                        { maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`ffmpeg failed on ${path}: ${r.stderr}`);
    const b = r.stdout;
    return new Float32Array(b.buffer, b.byteOffset, Math.floor(b.length / 4));
}

function cpuSeconds() {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
}

const essentia = new Essentia(EssentiaWASM);
const tStart = cpuSeconds();
for (const file of files) {
    const w0 = Date.now();
    let samples;
    const rec = { file: basename(file), path: file };
    try {
        samples = decode(file);
    } catch (e) {
        rec.error = String(e.message || e);
        process.stdout.write(JSON.stringify(rec) + "\n");
        continue;
    }
    rec.duration_s = samples.length / SAMPLE_RATE;
    rec.decode_s = (Date.now() - w0) / 1000;
    const signal = essentia.arrayToVector(samples);
    rec.rhythm = {};
    for (const method of rhythmMethods) {
        const c0 = cpuSeconds();
        const out = essentia.RhythmExtractor2013(signal, 210, method, 40);
        const beats = Array.from(essentia.vectorToArray(out.ticks));
        rec.rhythm[method] = { bpm: out.bpm, beats: beats.map((t) => Math.round(t * 1e4) / 1e4),
                               confidence: out.confidence, cpu_s: cpuSeconds() - c0 };
        for (const k of ["ticks", "estimates", "bpmIntervals"])
            if (out[k] && typeof out[k].delete === "function") out[k].delete();
    }
    rec.key = {};
    for (const profile of keyProfiles) {
        const c0 = cpuSeconds();
        // Parameter order (core_api.d.ts): audio, averageDetuningCorrection, frameSize, hopSize,
        // hpcpSize, maxFrequency, maximumSpectralPeaks, minFrequency, pcpThreshold,
        // profileType, sampleRate, ...
        const out = essentia.KeyExtractor(signal, true, 4096, 4096, 12, 3500, 60, 25, 0.2, profile,
                                          SAMPLE_RATE);
        rec.key[profile] = { key: out.key, scale: out.scale, strength: out.strength,
                             cpu_s: cpuSeconds() - c0 };
    }
    signal.delete();
    process.stdout.write(JSON.stringify(rec) + "\n");
}
const cpuTotal = (cpuSeconds() - tStart).toFixed(1);
process.stderr.write(`essentia_peer: ${files.length} files, ${cpuTotal} CPU s ` +
                     `(node process; ffmpeg decoding not included)\n`);
