/*
 * bench_audio: accuracy of tempo and key on synthesised fixtures (tests/unit/audio/synth.h).
 *   bench_audio tempo [WAVDIR]   drum patterns 60..200 BPM step 5, 3 styles: one line per pattern
 *                             "style bpm estimate ok"; with WAVDIR also writes each as 16-bit
 *                             WAV so that bench/audio/run.sh can run `aubio tempo` on them
 *   bench_audio key              12 keys x 2 modes (24 progressions): "key mode est_key est_mode
 * ok" Built by bench/CMakeLists.txt (MOOD_BUILD_BENCH) as bench_audio.
 */
#include "../../tests/unit/audio/synth.h"

#include <moodscope/audio.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    mood_audio_analyzer *az;
    const int rate = 22050;
    if (argc < 2 || mood_audio_analyzer_create(NULL, &az) != MOOD_OK) {
        fprintf(stderr, "usage: bench_audio tempo [WAVDIR] | key\n");
        return 2;
    }
    int good = 0, total = 0;
    if (strcmp(argv[1], "tempo") == 0) {
        for (int style = 0; style < 3; style++)
            for (int bpm = 60; bpm <= 200; bpm += 5) {
                size_t n;
                float *x = synth_drums(bpm, style, 20.0, rate, &n);
                mood_audio_result *r;
                if (!x || mood_audio_analyze_pcm(az, x, n, 1, rate, NULL, &r) != MOOD_OK) {
                    fprintf(stderr, "analysis failed: %s\n", mood_last_error());
                    return 1;
                }
                double est = mood_audio_result_values(r)[MOOD_AF_TEMPO_BPM];
                int ok = fabs(est - bpm) <= 0.04 * bpm;
                good += ok;
                total++;
                printf("%d %d %.2f %d\n", style, bpm, est, ok);
                if (argc > 2) {
                    char path[4096];
                    snprintf(path, sizeof path, "%s/drums_s%d_%03d.wav", argv[2], style, bpm);
                    synth_write_wav(path, x, n, 1, rate);
                }
                mood_audio_result_destroy(r);
                free(x);
            }
    } else {
        for (int key = 0; key < 12; key++)
            for (int major = 1; major >= 0; major--) {
                size_t n;
                float *x = synth_progression(key, major, 16.0, rate, &n);
                mood_audio_result *r;
                if (!x || mood_audio_analyze_pcm(az, x, n, 1, rate, NULL, &r) != MOOD_OK)
                    return 1;
                const float *v = mood_audio_result_values(r);
                int ek = (int)v[MOOD_AF_KEY_INDEX], em = (int)v[MOOD_AF_MODE];
                int ok = ek == key && em == major;
                good += ok;
                total++;
                printf("%d %d %d %d %d\n", key, major, ek, em, ok);
                mood_audio_result_destroy(r);
                free(x);
            }
    }
    fprintf(stderr, "%s: %d/%d correct (%.1f%%)\n", argv[1], good, total, 100.0 * good / total);
    mood_audio_analyzer_destroy(az);
    return 0;
}
