/* Private audio buffers of the mix renderer. Never installed. */
#ifndef MOOD_MIX_INTERNAL_H
#define MOOD_MIX_INTERNAL_H

#include <moodscope/status.h>

/* Interleaved float stereo. */
typedef struct mood__audio {
    float *x;      /* frames*2 */
    size_t frames; /* samples per channel */
    size_t cap;
    int rate;
} mood__audio;

/* Decode @p path to stereo float at @p rate Hz. */
mood_status mood__audio_decode(const char *path, int rate, mood__audio *out);
/* Encode to @p path, the type chosen by its extension (.wav, .flac, .mp3), atomically. */
mood_status mood__audio_encode(const mood__audio *a, const char *path);
void mood__audio_free(mood__audio *a);

#endif
