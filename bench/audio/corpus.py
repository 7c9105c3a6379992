#!/usr/bin/env python3
"""Labelled evaluation corpus for tempo, meter, beats and key (issue #11, "musical truth").

Every song is generated here as a General MIDI file whose tempo map, meter and key are known by
construction, rendered with FluidSynth and the FluidR3 GM soundfont, and encoded with ffmpeg
to MP3, Ogg Vorbis, FLAC or M4A (AAC) in rotation. The labels (DIR/labels.jsonl, one JSON
object per song) come from the same tempo map the MIDI file carries, so beat times are exact
up to FluidSynth's scheduling (about 1 ms; `--case verify` measures it).

    python3 bench/audio/corpus.py --out DIR [--set tune|heldout|ci|all] [--limit N] [--jobs 2]
    python3 bench/audio/corpus.py --out DIR --case click 60 120 ... | keys24 | tuned435 |
                                                   modulate | fast | swing | drumless | verify

Sets (seeds; see bench/audio/SPLIT.md): tune = 1000+i (120 songs, for tuning), heldout =
21000+i (320 songs, never used for tuning), ci = 9000+i (16 songs, a fixed slice for CI).
A song is a pure function of its set and index: the set's seed draws the balanced plan
(style, tempo band, key, format, which songs change tempo, modulate or are tuned off 440 Hz),
the song's own seed draws everything else (programs, progression, melody, humanisation).
Only the Python standard library is used.
"""
import argparse
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool

TPQ = 480  # MIDI ticks per quarter note
SAMPLE_RATE = 44100
TAIL_S = 1.5  # rendered release after the last note, kept in the file
GAIN = 0.5  # FluidSynth master gain (its default 0.2 leaves most songs near -30 LUFS)
# FluidSynth starts a note this many seconds after its MIDI time (measured with `--case
# verify`, see SPLIT.md); labels are shifted by it so they describe the audio.
RENDER_OFFSET_S = 0.004
SF2_PATHS = ["/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/soundfonts/FluidR3_GM.sf2"]
NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
FORMATS = ["mp3", "ogg", "flac", "m4a"]
SETS = {"tune": (1000, 120), "heldout": (21000, 320), "ci": (9000, 16)}
BANDS = [(50, 80), (80, 120), (120, 160), (160, 210)]
BAND_WEIGHTS = [0.20, 0.25, 0.25, 0.30]

# Style table: meter, beat-level tempo range, how often (relative) the planner picks it.
STYLES = {
    "rock": ("4/4", 72, 200, 1.0),
    "pop": ("4/4", 70, 150, 1.0),
    "dance": ("4/4", 110, 180, 1.0),
    "ballad": ("4/4", 50, 88, 0.8),
    "waltz": ("3/4", 72, 200, 1.0),
    "folk68": ("6/8", 50, 130, 1.0),
    "swing": ("4/4", 70, 210, 1.7),
    "funk": ("4/4", 84, 128, 0.8),
    "piano": ("4/4", 52, 170, 1.0),
    "strings": ("4/4", 50, 110, 0.8),
    "latin": ("4/4", 88, 200, 1.0),
}
# meter -> (beats per bar, ticks per beat, time-signature numerator, denominator power,
# MIDI clocks per metronome click)
METERS = {"4/4": (4, TPQ, 4, 2, 24), "3/4": (3, TPQ, 3, 2, 24), "6/8": (2, TPQ * 3 // 2, 6, 3, 36)}

MAJOR = [0, 2, 4, 5, 7, 9, 11]
MINOR = [0, 2, 3, 5, 7, 8, 10]  # natural minor; V and the leading tone are raised below
PROG_MAJOR = [[0, 4, 5, 3], [0, 3, 4, 0], [0, 5, 1, 4], [0, 3, 0, 4], [5, 3, 0, 4],
              [0, 1, 4, 0], [0, 2, 3, 4], [0, 5, 3, 4]]
PROG_MINOR = [[0, 3, 4, 0], [0, 5, 3, 4], [0, 6, 5, 4], [0, 3, 6, 2], [0, 5, 2, 4],
              [0, 1, 4, 0], [0, 3, 0, 4]]

# GM drum notes (channel 10).
KICK, SIDE, SNARE, CLAP, CHH, PHH, OHH, CRASH, RIDE, BELL = 36, 37, 38, 39, 42, 44, 46, 49, 51, 53
TAMB, COWBELL, MHCONGA, OHCONGA, LCONGA, SHAKER, CLAVES, WOOD = 54, 56, 62, 63, 64, 70, 75, 76


def key_name(tonic, mode):
    return f"{NAMES[tonic % 12]} {'major' if mode else 'minor'}"


def key_sf(tonic, mode):
    """Sharps (>0) or flats (<0) of the key signature."""
    major_pc = tonic if mode else (tonic + 3) % 12
    sf = {0: 0, 7: 1, 2: 2, 9: 3, 4: 4, 11: 5, 6: 6, 5: -1, 10: -2, 3: -3, 8: -4, 1: -5}
    return sf[major_pc]


# ------------------------------------------------------------------------ MIDI writer
def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


class Track:
    """Events of one MTrk chunk; at equal ticks lower priority goes first (setup, offs, ons)."""

    def __init__(self, name):
        self.ev = []
        self.meta(0, 0x03, name.encode("ascii"), prio=0)

    def add(self, tick, data, prio=5):
        self.ev.append((max(0, int(round(tick))), prio, len(self.ev), bytes(data)))

    def meta(self, tick, kind, payload, prio=1):
        self.add(tick, bytes([0xFF, kind]) + vlq(len(payload)) + payload, prio)

    def encode(self):
        out = bytearray()
        last = 0
        for t, _, _, d in sorted(self.ev):
            out += vlq(t - last) + d
            last = t
        out += vlq(0) + b"\xff\x2f\x00"
        return b"MTrk" + struct.pack(">I", len(out)) + bytes(out)


def midi_file(tracks):
    head = b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks), TPQ)
    return head + b"".join(t.encode() for t in tracks)


class Part:
    """One instrument on one channel: notes are collected, then overlaps of one pitch are cut."""

    def __init__(self, song, name, channel, program, volume=100, pan=64, jitter_ms=6.0):
        self.song, self.name, self.channel, self.program = song, name, channel, program
        self.volume, self.pan, self.jitter_ms = volume, pan, jitter_ms
        self.notes = []

    def note(self, tick, dur, pitch, vel):
        s = self.song
        jit = max(-2.0, min(2.0, s.rng.gauss(0.0, 1.0))) * self.jitter_ms * s.ticks_per_ms
        v = int(round(vel + s.rng.gauss(0.0, 5.0)))
        start = max(0, int(round(tick + jit)))
        self.notes.append((start, max(20, int(round(dur))), int(pitch), max(1, min(127, v))))

    def track(self, bend):
        ch = self.channel
        t = Track(self.name)
        if ch != 9:
            t.add(0, [0xC0 | ch, self.program], 0)
        t.add(0, [0xB0 | ch, 7, self.volume], 0)
        t.add(0, [0xB0 | ch, 10, self.pan], 0)
        if ch != 9:
            # Pitch-bend range RPN 0,0 = 2 semitones, then the null RPN, then the fixed bend
            # that tunes the whole song (8192 = none).
            for cc, val in ((101, 0), (100, 0), (6, 2), (38, 0), (101, 127), (100, 127)):
                t.add(0, [0xB0 | ch, cc, val], 0)
            t.add(0, [0xE0 | ch, bend & 0x7F, bend >> 7], 0)
        by_pitch = {}
        for n in self.notes:
            by_pitch.setdefault(n[2], []).append(n)
        for pitch, ns in by_pitch.items():
            ns.sort()
            for i, (start, dur, _, vel) in enumerate(ns):
                end = start + dur
                if i + 1 < len(ns):
                    end = min(end, ns[i + 1][0] - 1)
                if end <= start:
                    continue
                t.add(start, [0x90 | ch, pitch, vel], 5)
                t.add(end, [0x80 | ch, pitch, 0], 2)
        return t


# ------------------------------------------------------------------------ song model
class Song:
    """Bars, tempo map and harmony of one piece; the style functions add the notes."""

    def __init__(self, spec):
        self.spec = spec
        self.rng = random.Random(spec["seed"])
        self.meter = spec["meter"]
        self.bpb, self.beat_ticks, self.ts_num, self.ts_den, self.ts_clocks = METERS[self.meter]
        self.bar_ticks = self.bpb * self.beat_ticks
        self.swing = spec["swing"]
        q_per_beat = self.beat_ticks / TPQ
        self.ticks_per_ms = TPQ * spec["bpm"] * q_per_beat / 60000.0
        self.parts = []
        self._tempo_map(spec)
        self._harmony(spec)

    # -- tempo: a list of (tick, microseconds per quarter), bars until the target length.
    def _tempo_map(self, spec):
        target = spec.get("duration", 30.0) - TAIL_S
        q_per_beat = self.beat_ticks / TPQ
        change = spec.get("change")  # None | ("step", ratio) | ("ramp", ratio, bars)
        bpm0 = spec["bpm"]
        events = []  # (tick, usec per quarter)
        t_s, tick, bar = 0.0, 0, 0
        state, ramp_bar = "pre", None
        bpm_now = bpm0
        while True:
            if change and state == "pre" and t_s >= 0.45 * target:
                state, ramp_bar = "in", bar
            for b in range(self.bpb):
                if change and state == "in":
                    if change[0] == "step":
                        bpm_now = bpm0 * change[1]
                        state = "post"
                    else:
                        nb = change[2] * self.bpb
                        k = (bar - ramp_bar) * self.bpb + b + 1
                        bpm_now = bpm0 * (1.0 + (change[1] - 1.0) * min(1.0, k / nb))
                        if k >= nb:
                            state = "post"
                usec = int(round(60e6 / (bpm_now * q_per_beat)))
                if not events or events[-1][1] != usec:
                    events.append((tick, usec))
                t_s += usec * 1e-6 * q_per_beat
                tick += self.beat_ticks
            bar += 1
            if t_s >= target - 0.5 * self.bar_ticks / TPQ * events[-1][1] * 1e-6 and bar >= 4:
                break
        self.n_bars = bar
        self.end_tick = tick
        self.tempo_events = events
        self.beat_bpm = [60e6 / (u * q_per_beat) for _, u in events]

    def seconds(self, tick):
        """Seconds at @p tick under the tempo map (the same arithmetic as the MIDI file)."""
        s, ev = 0.0, self.tempo_events
        for i, (t0, usec) in enumerate(ev):
            t1 = ev[i + 1][0] if i + 1 < len(ev) else None
            if t1 is None or tick <= t1:
                return s + (tick - t0) * usec * 1e-6 / TPQ
            s += (t1 - t0) * usec * 1e-6 / TPQ
        return s

    # -- harmony: a chord (scale degree) and key per bar; phrases end on V-I cadences.
    def _harmony(self, spec):
        r = self.rng
        n = self.n_bars
        keys = [(spec["tonic"], spec["mode"])] * n
        self.mod_bar = None
        if spec.get("modulate"):
            self.mod_bar = n // 2
            for b in range(self.mod_bar, n):
                keys[b] = spec["modulate"]
        self.keys = keys
        chords = [0] * n
        segs = [(0, self.mod_bar or n)] + ([(self.mod_bar, n)] if self.mod_bar else [])
        for a, z in segs:
            mode = keys[a][1]
            prog = r.choice(PROG_MAJOR if mode else PROG_MINOR)
            for b in range(a, z):
                chords[b] = prog[(b - a) % 4]
            if z - a >= 4:
                # A full cadence, (ii or IV)-V-I: the subdominant carries the scale's fourth
                # degree, which tells the key apart from its dominant.
                chords[z - 3] = r.choice([1, 3]) if mode else 3
            if z - a >= 3:
                chords[z - 2], chords[z - 1] = 4, 0  # authentic cadence V-I
            if z - a >= 8 and (z - a) % 4 == 0:
                chords[a + 3] = 4  # half cadence at the end of the first phrase
        self.chords = chords

    def chord_pcs(self, bar, seventh=False):
        tonic, mode = self.keys[bar]
        return chord_pcs(tonic, mode, self.chords[min(bar, self.n_bars - 1)], seventh)

    def scale_pcs(self, bar):
        tonic, mode = self.keys[bar]
        sc = list(MAJOR if mode else MINOR)
        if not mode and self.chords[bar] == 4:
            sc[6] = 11
        return [(tonic + x) % 12 for x in sc]

    def pos(self, bar, beat):
        """Tick of @p beat (in beats, may be fractional) in @p bar; swing moves off-beat 8ths."""
        if self.swing and self.meter != "6/8":
            whole = math.floor(beat + 1e-9)
            frac = beat - whole
            if abs(frac - 0.5) < 1e-6:
                frac = 2.0 / 3.0
            elif abs(frac - 0.25) < 1e-6:
                frac = 1.0 / 3.0
            elif abs(frac - 0.75) < 1e-6:
                frac = 5.0 / 6.0
            beat = whole + frac
        return bar * self.bar_ticks + beat * self.beat_ticks

    def part(self, *a, **kw):
        p = Part(self, *a, **kw)
        self.parts.append(p)
        return p

    # -- labels and the MIDI file.
    def labels(self):
        spec, off = self.spec, RENDER_OFFSET_S
        beats = [round(self.seconds(t) + off, 6) for t in range(0, self.end_tick, self.beat_ticks)]
        downs = [round(self.seconds(t) + off, 6) for t in range(0, self.end_tick, self.bar_ticks)]
        changes = [[round(self.seconds(t) + off, 6), round(b, 4)]
                   for (t, _), b in zip(self.tempo_events, self.beat_bpm)]
        end_s = self.seconds(self.end_tick)
        # The beat-level tempo of the longest constant-tempo stretch.
        spans = {}
        for i, (t, _) in enumerate(self.tempo_events):
            t1 = self.tempo_events[i + 1][0] if i + 1 < len(self.tempo_events) else self.end_tick
            k = round(self.beat_bpm[i], 4)
            spans[k] = spans.get(k, 0.0) + self.seconds(t1) - self.seconds(t)
        bpm = max(spans, key=lambda k: spans[k])
        ksegs = [[0.0, key_name(*self.keys[0])]]
        key_len = {key_name(*self.keys[0]): self.seconds(self.mod_bar * self.bar_ticks)
                   if self.mod_bar else end_s}
        if self.mod_bar:
            t = round(self.seconds(self.mod_bar * self.bar_ticks) + off, 6)
            ksegs.append([t, key_name(*self.keys[-1])])
            key_len[key_name(*self.keys[-1])] = end_s - t
        main = max(ksegs, key=lambda ks: (key_len[ks[1]], -ks[0]))[1]
        tonic = NAMES.index(main.split()[0])
        return {
            "id": spec["id"], "file": spec["id"] + "." + spec["format"], "split": spec["split"],
            "seed": spec["seed"], "style": spec["style"], "meter": self.meter,
            "swing": int(self.swing), "bpm": bpm, "tempo_changes": changes,
            "key": main, "tonic": tonic, "mode": int(main.endswith("major")),
            "key_segments": ksegs, "tuning_hz": spec["tuning"], "beats": beats,
            "downbeats": downs, "duration_s": round(end_s + TAIL_S, 3),
            "format": spec["format"],
        }

    def midi(self):
        cond = Track("conductor")
        cond.meta(0, 0x58, bytes([self.ts_num, self.ts_den, self.ts_clocks, 8]), prio=0)
        for t, usec in self.tempo_events:
            cond.meta(t, 0x51, usec.to_bytes(3, "big"), prio=0)
        sf, mode = key_sf(*self.keys[0]), self.keys[0][1]
        cond.meta(0, 0x59, bytes([sf & 0xFF, 0 if mode else 1]), prio=0)
        if self.mod_bar:
            sf, mode = key_sf(*self.keys[-1]), self.keys[-1][1]
            cond.meta(self.mod_bar * self.bar_ticks, 0x59, bytes([sf & 0xFF, 0 if mode else 1]))
        cents = 1200.0 * math.log2(self.spec["tuning"] / 440.0)
        bend = max(0, min(16383, int(round(8192 + cents / 200.0 * 8192))))
        return midi_file([cond] + [p.track(bend) for p in self.parts if p.notes])


def chord_pcs(tonic, mode, degree, seventh=False):
    sc = list(MAJOR if mode else MINOR)
    if not mode and degree == 4:
        sc[6] = 11  # harmonic minor: V is major, V7 has the leading tone
    tones = [sc[(degree + k) % 7] for k in ((0, 2, 4, 6) if seventh else (0, 2, 4))]
    return [(tonic + x) % 12 for x in tones]


def voice(pcs, lo, hi, center):
    """One note per pitch class, each the one nearest @p center inside [lo, hi]."""
    out = []
    for pc in pcs:
        cands = [m for m in range(lo, hi + 1) if m % 12 == pc]
        out.append(min(cands, key=lambda m: abs(m - center)))
    return sorted(set(out))


def bass_note(pc, lo=33):
    return lo + (pc - lo) % 12


# ------------------------------------------------------------------------ building blocks
def drums(song, pattern, bars=None, vel_scale=1.0, crash_every=8):
    """pattern: {drum note: [(beat, velocity), ...]} repeated every bar."""
    d = song.part("drums", 9, 0, volume=100, jitter_ms=3.0)
    for bar in range(song.n_bars if bars is None else bars):
        for note, hits in pattern.items():
            for beat, vel in hits:
                d.note(song.pos(bar, beat), song.beat_ticks // 4, note, vel * vel_scale)
        if crash_every and bar % crash_every == 0 and bar > 0:
            d.note(song.pos(bar, 0), TPQ, CRASH, 95 * vel_scale)
    # Final hit on the downbeat after the last bar.
    d.note(song.n_bars * song.bar_ticks, TPQ, CRASH, 90 * vel_scale)
    d.note(song.n_bars * song.bar_ticks, TPQ, KICK, 100 * vel_scale)
    return d


def comp(song, name, ch, prog, rhythm, lo=52, hi=76, center=64, vel=72, seventh=False,
         volume=90, pan=64):
    """Block chords on the given (beat, length) rhythm, one chord per bar."""
    p = song.part(name, ch, prog, volume=volume, pan=pan)
    for bar in range(song.n_bars):
        notes = voice(song.chord_pcs(bar, seventh), lo, hi, center)
        for beat, ln in rhythm:
            t0 = song.pos(bar, beat)
            for m in notes:
                p.note(t0, ln * song.beat_ticks * 0.95, m, vel)
    final_chord(song, p, lo, hi, center, vel)
    return p


def final_chord(song, p, lo, hi, center, vel, length_beats=None):
    tonic, mode = song.keys[-1]
    ln = (length_beats or song.bpb) * song.beat_ticks
    for m in voice(chord_pcs(tonic, mode, 0), lo, hi, center):
        p.note(song.n_bars * song.bar_ticks, ln, m, vel)


def arpeggio(song, name, ch, prog, order, step, lo=48, hi=79, center=62, vel=70, volume=90,
             pan=64, hold=1.0):
    """Broken chords: chord tones in @p order (indices into a 4-note voicing), every @p step beats."""
    p = song.part(name, ch, prog, volume=volume, pan=pan)
    for bar in range(song.n_bars):
        pcs = song.chord_pcs(bar)
        notes = voice(pcs, lo, hi, center)
        notes = notes + [notes[0] + 12]
        k, beat = 0, 0.0
        while beat < song.bpb - 1e-9:
            m = notes[order[k % len(order)] % len(notes)]
            p.note(song.pos(bar, beat), step * song.beat_ticks * hold, m, vel - 6 * (k % 2))
            k += 1
            beat += step
    final_chord(song, p, lo, hi, center, vel)
    return p


def bass(song, prog, pattern, lo=33, vel=92, volume=100):
    """pattern: [(beat, length, what)] with what in root/fifth/octave/third/approach."""
    p = song.part("bass", 1, prog, volume=volume)
    for bar in range(song.n_bars):
        pcs = song.chord_pcs(bar)
        nxt = song.chord_pcs(min(bar + 1, song.n_bars - 1))
        root = bass_note(pcs[0], lo)
        for beat, ln, what in pattern:
            if what == "root":
                m = root
            elif what == "octave":
                m = root + 12
            elif what == "fifth":
                m = bass_note(pcs[2], lo)
                m = m if m >= root else m + 12
            elif what == "third":
                m = bass_note(pcs[1], lo)
                m = m if m >= root else m + 12
            else:  # chromatic approach to the next bar's root
                n = bass_note(nxt[0], lo)
                m = n + (1 if song.rng.random() < 0.5 else -1)
            p.note(song.pos(bar, beat), ln * song.beat_ticks * 0.9, m, vel)
    tonic, _ = song.keys[-1]
    p.note(song.n_bars * song.bar_ticks, song.bar_ticks, bass_note(tonic, lo), vel)
    return p


def walking_bass(song, prog=32, lo=28, vel=90):
    p = song.part("bass", 1, prog, volume=105)
    for bar in range(song.n_bars):
        pcs = song.chord_pcs(bar, True)
        sc = song.scale_pcs(bar)
        nxt = song.chord_pcs(min(bar + 1, song.n_bars - 1))
        root = bass_note(pcs[0], lo)
        line = [root]
        for b in range(1, 4):
            if b == 3:
                n = bass_note(nxt[0], lo)
                line.append(n + song.rng.choice((-1, 1, -2 if n - 2 >= lo else 2)))
            else:
                prev = line[-1]
                cands = [m for m in range(prev - 5, prev + 6)
                         if m % 12 in (pcs if b == 2 else sc) and m != prev and lo <= m <= lo + 24]
                line.append(song.rng.choice(cands) if cands else prev + 7)
        for b, m in enumerate(line):
            p.note(song.pos(bar, b), song.beat_ticks * 0.92, m, vel - (6 if b % 2 else 0))
    tonic, _ = song.keys[-1]
    p.note(song.n_bars * song.bar_ticks, song.bar_ticks, bass_note(tonic, lo), vel)
    return p


def melody(song, prog, rhythms, lo=65, hi=86, vel=88, volume=100, ch=4, pan=64, rest_prob=0.15):
    """A random walk over the scale: chord tones on each rhythm's first note, steps between."""
    r = song.rng
    p = song.part("melody", ch, prog, volume=volume, pan=pan)
    tonic0 = song.keys[0][0]
    prev = lo + (tonic0 - lo) % 12 + (12 if lo + (tonic0 - lo) % 12 + 12 <= hi - 5 else 0)
    for bar in range(song.n_bars):
        if r.random() < rest_prob and bar % 4 == 3:
            continue
        rh = r.choice(rhythms)
        pcs, sc = song.chord_pcs(bar), song.scale_pcs(bar)
        for k, (beat, ln) in enumerate(rh):
            pool = pcs if (k == 0 or beat == int(beat) and r.random() < 0.5) else sc
            cands = [m for m in range(max(lo, prev - 7), min(hi, prev + 7) + 1)
                     if m % 12 in pool and m != prev]
            if not cands:
                cands = [m for m in range(lo, hi + 1) if m % 12 in pool]
            w = [1.0 / (1 + abs(m - prev)) ** 1.5 for m in cands]
            m = r.choices(cands, w)[0]
            p.note(song.pos(bar, beat), ln * song.beat_ticks * 0.9, m, vel + (6 if k == 0 else 0))
            prev = m
    tonic, _ = song.keys[-1]
    end = min((m for m in range(lo, hi + 1) if m % 12 == tonic), key=lambda m: abs(m - prev))
    p.note(song.n_bars * song.bar_ticks, song.bar_ticks, end, vel)
    return p


R44 = [[(0, 1), (1, 0.5), (1.5, 0.5), (2, 1.5), (3.5, 0.5)],
       [(0, 2), (2, 1), (3, 1)],
       [(0, 0.5), (0.5, 0.5), (1, 1), (2, 0.5), (2.5, 0.5), (3, 1)],
       [(0, 1.5), (1.5, 0.5), (2, 2)],
       [(0, 1), (1, 1), (2, 1), (3, 1)]]
R44_SLOW = [[(0, 4)], [(0, 2), (2, 2)], [(0, 3), (3, 1)], [(0, 1), (1, 1), (2, 2)]]
R34 = [[(0, 1), (1, 1), (2, 1)], [(0, 2), (2, 1)], [(0, 1.5), (1.5, 0.5), (2, 1)], [(0, 3)]]
R68 = [[(0, 2 / 3), (2 / 3, 1 / 3), (1, 2 / 3), (5 / 3, 1 / 3)], [(0, 1), (1, 1)],
       [(0, 1 / 3), (1 / 3, 1 / 3), (2 / 3, 1 / 3), (1, 1)], [(0, 2)]]


def fast(song):
    return song.spec["bpm"] >= 150


# ------------------------------------------------------------------------ styles
def style_rock(s):
    r = s.rng
    pat = {KICK: [(0, 110), (2, 105)] + ([(2.5, 90)] if r.random() < 0.5 else []),
           SNARE: [(1, 105), (3, 108)]}
    pat[CHH if r.random() < 0.7 else RIDE] = [(b / 2, 78 if b % 2 else 92) for b in range(8)]
    drums(s, pat)
    bass(s, r.choice([33, 34, 29 if False else 33]),
         [(b / 2, 0.5, "root") for b in range(8)] if not fast(s) else
         [(0, 1, "root"), (1, 1, "root"), (2, 1, "fifth"), (3, 1, "root")])
    gprog = r.choice([29, 30, 27, 25, 16])
    rh = r.choice([[(0, 2), (2, 2)], [(0, 1.5), (1.5, 2.5)], [(0, 1), (1, 1), (2, 1), (3, 1)]])
    comp(s, "chords", 2, gprog, rh, vel=74, pan=40)
    if r.random() < 0.6:
        comp(s, "keys", 3, r.choice([0, 4, 16, 18]), [(0, 4)], lo=60, hi=84, center=70, vel=58,
             volume=70, pan=90)
    melody(s, r.choice([29, 30, 56, 65, 80, 22]), R44 if not fast(s) else R44[1:2] + R44[3:],
           vel=92)


def style_pop(s):
    r = s.rng
    pat = {KICK: [(0, 108), (1.5, 92), (2, 104)], SNARE: [(1, 100), (3, 104)],
           CHH: [(b / 2, 70 if b % 2 else 86) for b in range(8)]}
    if r.random() < 0.5:
        pat[TAMB] = [(1, 70), (3, 70)]
    drums(s, pat)
    bass(s, r.choice([33, 34, 38]), [(0, 1.5, "root"), (1.5, 0.5, "root"), (2, 1, "fifth"),
                                     (3, 1, "octave")])
    comp(s, "piano", 2, r.choice([0, 1, 4, 25]),
         r.choice([[(0, 1), (1, 1), (2, 1), (3, 1)], [(0, 1.5), (1.5, 1), (2.5, 1.5)]]), vel=70)
    if r.random() < 0.5:
        comp(s, "pad", 3, r.choice([48, 49, 89, 91]), [(0, 4)], lo=55, hi=79, center=67, vel=55,
             volume=70)
    melody(s, r.choice([73, 0, 53, 80, 65, 11]), R44, vel=90)


def style_dance(s):
    r = s.rng
    pat = {KICK: [(b, 115) for b in range(4)], CLAP if r.random() < 0.5 else SNARE: [(1, 96), (3, 96)],
           OHH: [(b + 0.5, 84) for b in range(4)]}
    if r.random() < 0.6:
        pat[CHH] = [(b / 4, 55) for b in range(16) if b % 2]
    drums(s, pat)
    bass(s, r.choice([38, 39, 81]), [(b + 0.5, 0.45, "root") for b in range(4)], lo=33)
    comp(s, "pad", 2, r.choice([89, 90, 50, 91]), [(0, 4)], vel=60, volume=80)
    comp(s, "stabs", 3, r.choice([81, 80, 62, 87]),
         r.choice([[(b + 0.5, 0.3) for b in range(4)], [(0, 0.5), (0.75, 0.5), (2.5, 0.5)]]),
         lo=60, hi=84, center=70, vel=70, volume=75)
    melody(s, r.choice([80, 81, 84, 85, 98]), R44[1:] if not fast(s) else [R44[1], R44[3]], vel=86)


def style_ballad(s):
    r = s.rng
    if r.random() < 0.5:
        drums(s, {KICK: [(0, 70), (2.5, 60)], SIDE: [(1, 62), (3, 62)],
                  CHH: [(b, 45) for b in range(4)]}, vel_scale=0.8, crash_every=0)
    arpeggio(s, "piano", 2, r.choice([0, 4, 5, 1]), [0, 1, 2, 3, 2, 1, 2, 3], 0.5, vel=66)
    bass(s, r.choice([32, 33, 35, 43]), [(0, 2, "root"), (2, 2, "fifth")], vel=80)
    if r.random() < 0.6:
        comp(s, "strings", 3, r.choice([48, 49, 52, 89]), [(0, 4)], lo=55, hi=79, center=66,
             vel=52, volume=72)
    melody(s, r.choice([73, 68, 40, 71, 0, 65]), R44_SLOW + R44[:2], vel=84)


def style_waltz(s):
    r = s.rng
    if r.random() < 0.5:
        drums(s, {KICK: [(0, 100)], SNARE if r.random() < 0.5 else SIDE: [(1, 70), (2, 70)],
                  CHH: [(0, 70), (1, 60), (2, 60)]}, crash_every=0)
    bass(s, r.choice([32, 33, 58, 43]), [(0, 1, "root")], vel=96)
    comp(s, "oompah", 2, r.choice([21, 0, 48, 24, 6]), [(1, 0.8), (2, 0.8)], vel=66)
    melody(s, r.choice([40, 21, 73, 71, 0, 22]), R34, vel=90)


def style_folk68(s):
    r = s.rng
    third = 1.0 / 3.0
    if r.random() < 0.6:
        drums(s, {KICK: [(0, 100)], SNARE if r.random() < 0.5 else SIDE: [(1, 88)],
                  TAMB if r.random() < 0.5 else CHH: [(k * third, 78 if k % 3 == 0 else 56)
                                                      for k in range(6)]}, crash_every=0)
    bass(s, r.choice([32, 33, 43]), [(0, 2 * third, "root"), (1, 2 * third, "fifth")], vel=90)
    arpeggio(s, "guitar", 2, r.choice([24, 25, 46, 105]), [0, 1, 2, 3, 2, 1], third, vel=68)
    melody(s, r.choice([73, 40, 74, 22, 109, 71]), R68, vel=88)


def style_swing(s):
    r = s.rng
    drums(s, {RIDE: [(0, 92), (1, 90), (1.5, 70), (2, 92), (3, 90), (3.5, 70)],
              PHH: [(1, 80), (3, 80)], KICK: [(b, 38) for b in range(4)]}, crash_every=0)
    walking_bass(s, prog=r.choice([32, 33]))
    comp(s, "comp", 2, r.choice([0, 4, 26, 11]),
         r.choice([[(0, 0.5), (1.5, 0.5)], [(1, 0.5), (3, 0.5)], [(0, 0.75), (2.5, 0.5)]]),
         lo=52, hi=74, center=62, vel=64, seventh=True)
    lines = [[(0, 0.5), (0.5, 0.5), (1, 0.5), (1.5, 0.5), (2, 1), (3, 0.5), (3.5, 0.5)],
             [(0, 1), (1.5, 0.5), (2, 0.5), (2.5, 0.5), (3, 1)],
             [(0, 0.5), (0.5, 0.5), (1, 0.5), (1.5, 0.5), (2, 0.5), (2.5, 0.5), (3, 0.5),
              (3.5, 0.5)],
             [(0.5, 0.5), (1, 1), (2.5, 0.5), (3, 1)]]
    if fast(s):
        lines = [[(0, 1), (1, 0.5), (1.5, 0.5), (2, 2)], [(0, 2), (2.5, 0.5), (3, 1)]] + lines[1:2]
    melody(s, r.choice([65, 66, 56, 64, 11, 57]), lines, vel=90)


def style_funk(s):
    r = s.rng
    drums(s, {KICK: [(0, 112), (0.75, 90), (2.5, 100), (2.75, 88)], SNARE: [(1, 108), (3, 108),
              (1.75, 45), (3.25, 45)], CHH: [(b / 4, 80 if b % 4 == 0 else 58) for b in range(16)]})
    bass(s, r.choice([36, 37, 33]), [(0, 0.5, "root"), (0.75, 0.25, "octave"), (1.5, 0.25, "fifth"),
                                     (2, 0.5, "root"), (2.5, 0.25, "root"), (2.75, 0.25, "octave"),
                                     (3.5, 0.25, "third")], vel=98)
    comp(s, "clav", 2, r.choice([7, 28, 4]),
         [(0.5, 0.2), (1.25, 0.2), (2.5, 0.2), (3.25, 0.2), (3.75, 0.2)], vel=72, seventh=True)
    if r.random() < 0.5:
        comp(s, "brass", 3, r.choice([61, 62, 56]), [(0, 0.4), (2.75, 0.4)], lo=60, hi=84,
             center=70, vel=78, volume=80)
    melody(s, r.choice([65, 66, 80, 56, 4]), R44[2:], vel=88)


def style_piano(s):
    r = s.rng
    if s.meter == "3/4":
        bass(s, 0, [(0, 1, "root")], lo=36, vel=78)
        comp(s, "lh", 2, 0, [(1, 0.8), (2, 0.8)], lo=50, hi=67, center=58, vel=58)
        melody(s, 0, R34, lo=65, hi=88, vel=82, ch=4)
    else:
        arpeggio(s, "lh", 2, 0, r.choice([[0, 2, 1, 2], [0, 1, 2, 3], [0, 2, 3, 2]]),
                 0.5 if s.spec["bpm"] < 120 else 1.0, lo=40, hi=64, center=52, vel=62)
        melody(s, 0, R44 if s.spec["bpm"] < 120 else R44[1:], lo=65, hi=88, vel=84, ch=4)


def style_strings(s):
    r = s.rng
    bass(s, r.choice([43, 42, 32]), [(0, 4, "root")], lo=28, vel=78)
    comp(s, "pad", 2, r.choice([48, 49, 50, 52, 88, 89, 94]), [(0, 4)], lo=52, hi=76, center=63,
         vel=62)
    if r.random() < 0.6:
        arpeggio(s, "pulse", 3, r.choice([45, 46, 11, 12]), [0, 1, 2, 3], 1.0, lo=55, hi=79,
                 center=66, vel=60, volume=80)
    melody(s, r.choice([40, 73, 68, 71, 52, 60]), R44_SLOW, vel=80)


def style_latin(s):
    r = s.rng
    bossa = r.random() < 0.5
    if bossa:
        pat = {KICK: [(0, 90), (1.5, 70), (2, 90), (3.5, 70)], SIDE: [(0, 72), (1.5, 72), (3, 72)],
               SHAKER: [(b / 4, 60 if b % 2 else 72) for b in range(16)]}
    else:  # samba / salsa feel
        pat = {KICK: [(0, 100), (1, 96), (2, 100), (3, 96)], CLAVES: [(0, 82), (1.5, 82), (3, 82)],
               OHCONGA: [(1.5, 84), (3.5, 84)], LCONGA: [(3, 80)], MHCONGA: [(1, 70), (2, 70)],
               COWBELL if r.random() < 0.5 else SHAKER: [(b / 2, 66) for b in range(8)]}
    drums(s, pat, crash_every=0)
    bass(s, r.choice([32, 33, 35]), [(0, 1.5, "root"), (1.5, 0.5, "fifth"), (2, 1.5, "root"),
                                     (3.5, 0.5, "fifth")], vel=92)
    if bossa:
        comp(s, "guitar", 2, 24, [(0, 0.75), (1.5, 1), (2.5, 0.5), (3, 1)], lo=50, hi=72, center=60,
             vel=68, seventh=True)
    else:
        arpeggio(s, "montuno", 2, r.choice([0, 1, 24]), [0, 2, 1, 3, 2, 1, 0, 2], 0.5, lo=58, hi=82,
                 center=68, vel=70)
    if r.random() < 0.5:
        comp(s, "brass", 3, r.choice([61, 56, 57]), [(0, 0.5), (2.5, 0.5)], lo=60, hi=84, center=70,
             vel=74, volume=80)
    melody(s, r.choice([73, 56, 65, 11, 24, 22]), R44 if not fast(s) else R44[1:], vel=88)


def style_click(s):
    """A click track: a woodblock on every beat, the downbeat accented."""
    d = s.part("click", 9, 0, volume=110, jitter_ms=0.0)
    for bar in range(s.n_bars):
        for b in range(s.bpb):
            d.note(s.pos(bar, b), s.beat_ticks // 4, WOOD if b else CLAVES, 118 if b == 0 else 100)


STYLE_FUNCS = {"rock": style_rock, "pop": style_pop, "dance": style_dance, "ballad": style_ballad,
               "waltz": style_waltz, "folk68": style_folk68, "swing": style_swing,
               "funk": style_funk, "piano": style_piano, "strings": style_strings,
               "latin": style_latin, "click": style_click}


def build(spec):
    song = Song(spec)
    STYLE_FUNCS[spec["style"]](song)
    return song


# ------------------------------------------------------------------------ plans
def spec_base(split, i, seed, style, bpm, tonic, mode, fmt, **kw):
    meter = kw.pop("meter", STYLES[style][0] if style in STYLES else "4/4")
    spec = {"id": kw.pop("id", f"{split}_{i:03d}"), "split": split, "seed": seed, "style": style,
            "meter": meter, "swing": kw.pop("swing", int(style == "swing")), "bpm": float(bpm),
            "tonic": tonic, "mode": mode, "format": fmt, "tuning": kw.pop("tuning", 440.0),
            "change": kw.pop("change", None), "modulate": kw.pop("modulate", None)}
    spec.update(kw)
    return spec


def modulation_target(r, tonic, mode):
    """Dominant, relative, or up a whole tone (same mode)."""
    kind = r.choice(["dominant", "relative", "tone"])
    if kind == "dominant":
        return ((tonic + 7) % 12, mode)
    if kind == "relative":
        return ((tonic + 9) % 12, 0) if mode else ((tonic + 3) % 12, 1)
    return ((tonic + 2) % 12, mode)


def plan_set(split, base=None, n=None):
    """The balanced plan of a set; @p base and @p n override SETS (the tuning draws of
    bench/audio/SPLIT.md are sets of this kind under other seeds)."""
    if base is None:
        base, n = SETS[split]
    if split == "ci":
        return plan_ci(base)
    r = random.Random(base)
    keys = []
    while len(keys) < n:
        block = [(t, m) for t in range(12) for m in (1, 0)]
        r.shuffle(block)
        keys += block
    bands = []
    for b, w in enumerate(BAND_WEIGHTS):
        bands += [b] * int(round(w * n))
    while len(bands) < n:
        bands.append(3)
    bands = bands[:n]
    r.shuffle(bands)
    flags = [""] * n
    k = max(1, round(0.1 * n))
    idx = list(range(n))
    r.shuffle(idx)
    for j in idx[:k]:
        flags[j] += "c"
    for j in idx[k:2 * k]:
        flags[j] += "m"
    for j in idx[2 * k:2 * k + max(2, n // 25)]:
        flags[j] += "t"
    used = {s: 0 for s in STYLES}
    specs = []
    tuned = 0
    for i in range(n):
        lo, hi = BANDS[bands[i]]
        ok = [s for s, (_, a, z, _) in STYLES.items() if a < hi and z > lo]
        best = min(used[s] / STYLES[s][3] for s in ok)
        style = r.choice(sorted(s for s in ok if used[s] / STYLES[s][3] <= best + 1e-9))
        used[style] += 1
        a, z = max(lo, STYLES[style][1]), min(hi, STYLES[style][2])
        bpm = round(r.uniform(a, z - 0.1), 1)
        meter = STYLES[style][0]
        if style == "piano" and r.random() < 0.3:
            meter = "3/4"
        swing = int(style == "swing" or (style in ("rock", "pop") and r.random() < 0.2))
        tonic, mode = keys[i]
        kw = {"meter": meter, "swing": swing}
        if "c" in flags[i]:
            ratio = r.choice([0.82, 0.88, 1.12, 1.2])
            if not 50 <= bpm * ratio <= 210:
                ratio = 1.0 / ratio
            kw["change"] = ("step", ratio) if r.random() < 0.5 else ("ramp", ratio, r.choice([2, 4]))
        if "m" in flags[i]:
            kw["modulate"] = modulation_target(r, tonic, mode)
        if "t" in flags[i]:
            kw["tuning"] = (435.0, 445.0)[tuned % 2]
            tuned += 1
        specs.append(spec_base(split, i, base + i, style, bpm, tonic, mode, FORMATS[i % 4], **kw))
    return specs


def plan_ci(base):
    """A fixed slice: fast 170-190, swing, 3/4, 6/8, minor keys, a modulation, 435 Hz."""
    rows = [("rock", 174, 4, 0, {}), ("dance", 178, 9, 0, {}), ("rock", 186, 2, 1, {}),
            ("latin", 190, 7, 1, {}), ("swing", 132, 10, 1, {}), ("swing", 184, 5, 0, {}),
            ("swing", 96, 0, 1, {}), ("waltz", 150, 3, 1, {}), ("waltz", 96, 11, 0, {}),
            ("folk68", 72, 6, 0, {}), ("folk68", 104, 1, 1, {}), ("pop", 112, 8, 0, {}),
            ("ballad", 64, 4, 1, {}), ("funk", 104, 2, 0, {}),
            ("piano", 120, 0, 1, {"modulate": (4, 1)}), ("strings", 84, 9, 0, {"tuning": 435.0})]
    return [spec_base("ci", i, base + i, st, bpm, t, m, FORMATS[i % 4], **kw)
            for i, (st, bpm, t, m, kw) in enumerate(rows)]


def plan_case(case, arg):
    fmt = "flac"
    if case == "click":  # one click track per BPM given
        return [spec_base("case", i, 1 + i, "click", float(b), 0, 1, fmt, id=f"click_{float(b):g}",
                          duration=20.0) for i, b in enumerate(arg or ["120"])]
    if case == "verify":  # clicks under a step, a ramp and in 6/8: the render-offset check
        return [spec_base("case", 0, 2, "click", 100, 0, 1, "wav", id="verify_step",
                          change=("step", 1.3), duration=16.0),
                spec_base("case", 1, 3, "click", 90, 0, 1, "wav", id="verify_ramp",
                          change=("ramp", 1.5, 4), duration=16.0),
                spec_base("case", 2, 4, "click", 70, 0, 1, "wav", id="verify_68", meter="6/8",
                          duration=12.0)]
    if case == "keys24":
        out = []
        for t in range(12):
            for m in (1, 0):
                st = ["piano", "pop", "strings", "waltz"][(2 * t + m) % 4]
                out.append(spec_base("case", 2 * t + m, 100 + 2 * t + m, st, 110, t, m, fmt,
                                     id=f"key_{NAMES[t].replace('#', 's')}_{'maj' if m else 'min'}",
                                     duration=12.0))
        return out
    if case == "tuned435":
        return [spec_base("case", 0, 200, "pop", 100, 5, 1, fmt, id="tuned435_F_major",
                          tuning=435.0),
                spec_base("case", 1, 201, "strings", 80, 4, 0, fmt, id="tuned435_E_minor",
                          tuning=435.0)]
    if case == "modulate":
        return [spec_base("case", 0, 300, "pop", 96, 0, 1, fmt, id="modulate_C_to_E",
                          modulate=(4, 1), duration=31.0)]
    if case == "fast":
        return [spec_base("case", i, 400 + i, st, bpm, t, m, fmt, id=f"fast_{st}_{bpm}")
                for i, (st, bpm, t, m) in enumerate([("rock", 170, 7, 1), ("dance", 180, 9, 0),
                                                     ("rock", 190, 2, 1)])]
    if case == "swing":
        return [spec_base("case", i, 500 + i, "swing", bpm, t, m, fmt, id=f"swing_{bpm}")
                for i, (bpm, t, m) in enumerate([(110, 5, 1), (150, 10, 1), (190, 0, 0)])]
    if case == "drumless":  # three drumless string pieces of the tuning draws (weak pulse)
        out = []
        for base, n, i in [(7000, 160, 121), (7000, 160, 149), (13000, 320, 158), (13000, 320, 314), (15000, 320, 78)]:
            spec = dict(plan_set(f"t{base}", base, n)[i])
            spec.update(id=f"drumless_{base}_{i:03d}", format=fmt)
            out.append(spec)
        return out
    raise SystemExit(f"corpus.py: unknown case {case!r}")


# ------------------------------------------------------------------------ rendering
def soundfont():
    for p in SF2_PATHS:
        if os.path.exists(p):
            return p
    raise SystemExit("corpus.py: FluidR3_GM.sf2 not found (apt-get install fluid-soundfont-gm)")


ENCODE = {"mp3": ["-c:a", "libmp3lame", "-b:a", "192k"], "ogg": ["-c:a", "libvorbis", "-q:a", "5"],
          "flac": ["-c:a", "flac"], "m4a": ["-c:a", "aac", "-b:a", "192k"],
          "wav": ["-c:a", "pcm_s16le"]}


def render(job):
    spec, out, sf2 = job
    song = build(spec)
    lab = song.labels()
    mid = os.path.join(out, "midi", spec["id"] + ".mid")
    with open(mid, "wb") as f:
        f.write(song.midi())
    with tempfile.TemporaryDirectory(dir=out) as td:
        wav = os.path.join(td, "r.wav")
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", str(GAIN), "-F", wav, "-r",
                        str(SAMPLE_RATE), sf2, mid],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dst = os.path.join(out, lab["file"])
        subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", wav,
                        "-t", f"{lab['duration_s']:.3f}", "-af", "apad", "-ar", str(SAMPLE_RATE)]
                       + ENCODE[spec["format"]] + [dst], check=True)
    return lab


def generate(specs, out, jobs):
    os.makedirs(os.path.join(out, "midi"), exist_ok=True)
    sf2 = soundfont()
    work = [(s, out, sf2) for s in specs]
    if jobs > 1 and len(work) > 1:
        with Pool(jobs) as pool:
            labels = pool.map(render, work, chunksize=1)
    else:
        labels = [render(w) for w in work]
    with open(os.path.join(out, "labels.jsonl"), "w") as f:
        for lab in labels:
            f.write(json.dumps(lab) + "\n")
    return labels


# ------------------------------------------------------------------------ render check
def onsets_wav(path, thresh=0.02):
    """Onset times of a click track: first sample over @p thresh after 50 ms of quiet."""
    import wave
    import array
    with wave.open(path) as w:
        ch, n = w.getnchannels(), w.getnframes()
        a = array.array("h", w.readframes(n))
    mono = [abs(a[i]) for i in range(0, len(a), ch)]
    lim = thresh * 32768
    out, quiet = [], SAMPLE_RATE
    for i, v in enumerate(mono):
        if v > lim:
            if quiet > SAMPLE_RATE // 20:
                out.append(i / SAMPLE_RATE)
            quiet = 0
        else:
            quiet += 1
    return out


def verify(out, labels):
    """Compare rendered click onsets with the labelled beats (wav files from `--case verify`)."""
    worst = 0.0
    for lab in labels:
        on = onsets_wav(os.path.join(out, lab["file"]))
        d = [min(abs(o - b) for o in on) for b in lab["beats"]]
        sd = [min((o - b for o in on), key=abs) for b in lab["beats"]]
        worst = max(worst, max(d))
        print(f"{lab['id']}: {len(lab['beats'])} beats, {len(on)} onsets, mean offset "
              f"{1000 * sum(sd) / len(sd):+.2f} ms, max |error| {1000 * max(d):.2f} ms")
    print(f"worst |onset - label| {1000 * worst:.2f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--set", default="all", choices=["tune", "heldout", "ci", "all"])
    ap.add_argument("--case", nargs="+", metavar="CASE [ARG...]",
                    help="click BPM... | keys24 | tuned435 | modulate | fast | swing | drumless | "
                         "verify")
    ap.add_argument("--limit", type=int, default=0, help="only the first N songs of each set")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--plan", action="store_true", help="print the plan as JSON, render nothing")
    a = ap.parse_args()
    t0 = time.time()
    if a.case:
        specs = plan_case(a.case[0], a.case[1:])
        groups = [(a.out, specs)]
    else:
        names = ["tune", "heldout", "ci"] if a.set == "all" else [a.set]
        groups = []
        for nm in names:
            specs = plan_set(nm)
            if a.limit:
                specs = specs[:a.limit]
            groups.append((os.path.join(a.out, nm) if a.set == "all" else a.out, specs))
    if a.plan:
        for _, specs in groups:
            for s in specs:
                print(json.dumps(s))
        return
    total = 0
    for out, specs in groups:
        labels = generate(specs, out, a.jobs)
        total += len(labels)
        if a.case and a.case[0] == "verify":
            verify(out, labels)
    print(f"corpus.py: {total} songs in {time.time() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
