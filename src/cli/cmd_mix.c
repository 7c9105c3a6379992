/* `moodscope mix A B --beats 16 --out mix.wav`: a tempo-matched, beat-aligned crossfade. */
#include "cli.h"

#include <moodscope/fileio.h>
#include <moodscope/mix.h>
#include <moodscope/recommend.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_mix_summary[] = "render a tempo-matched, beat-aligned crossfade from A into B";

static void help(FILE *fp)
{
    fprintf(fp,
            "Usage: moodscope mix A B --out FILE.wav|.flac|.mp3 [--beats 16] [options]\n\n"
            "Renders the end of A crossfading into B: B is time-stretched to A's tempo (or\n"
            "half/double it) with Rubber Band, the crossfade starts on one of A's beats and B\n"
            "enters on its first beat, with equal-power gains over --beats beats of A. A and B\n"
            "are audio files, or tracks of the catalog / --table (by id or \"artist - title\"),\n"
            "whose analysed tempo is then used. The transition point and the tempo change are\n"
            "printed.\n\n"
            "Options:\n"
            "  -o, --out FILE       output; the type follows the extension (required)\n"
            "  -b, --beats N        crossfade length in beats of A (default 16)\n"
            "      --tempo-a BPM    A's tempo (default: the catalog's, else estimated)\n"
            "      --tempo-b BPM    B's tempo\n"
            "      --no-stretch     keep B's tempo\n"
            "      --rate HZ        output sample rate (default 44100)\n"
            "      --table FILE     resolve A and B in a CSV track table (path, tempo "
            "columns)\n\n" MOOD_CLI_COMMON_HELP
            "\nOutput: one line of key=value facts on stdout. Exit codes: 0 success, 1 data or\n"
            "runtime error, 2 usage.\n");
}

enum { OPT_TEMPO_A = MOOD_OPT_FIRST_FREE, OPT_TEMPO_B, OPT_NOSTRETCH, OPT_RATE, OPT_TABLE };

/* A file path as given, else the track's path (and tempo) from the table or catalog. */
static int locate(const char *arg, const mood_tracks_source *src, mood_space **s,
                  const char **out_path, float *tempo)
{
    size_t row;
    if (mood_path_exists(arg) && !src->table_csv) {
        *out_path = arg;
        return MOOD_EXIT_OK;
    }
    if (!*s) {
        mood_table *t;
        if (mood_tracks_load(src->table_csv, src->catalog_path, &t) != MOOD_OK)
            return mood_path_exists(arg) ? (*out_path = arg, MOOD_EXIT_OK)
                                         : mood_cli_fail("%s", arg);
        if (mood_space_create(t, NULL, s) != MOOD_OK) {
            mood_table_destroy(t);
            return mood_cli_fail("tracks");
        }
        mood_table_destroy(t);
    }
    if (mood_space_resolve(*s, arg, &row) != MOOD_OK) {
        if (mood_path_exists(arg)) {
            *out_path = arg;
            return MOOD_EXIT_OK;
        }
        return mood_cli_fail("track");
    }
    *out_path = mood_space_path(*s, row);
    if (!(*out_path)[0]) {
        mood_cli_warn("%s has no audio file", arg);
        return MOOD_EXIT_ERROR;
    }
    if (isnan(*tempo))
        *tempo = mood_space_tempo(*s, row);
    return MOOD_EXIT_OK;
}

int mood_cmd_mix(int argc, char **argv)
{
    static const struct option longopts[] = {{"out", required_argument, NULL, 'o'},
                                             {"beats", required_argument, NULL, 'b'},
                                             {"tempo-a", required_argument, NULL, OPT_TEMPO_A},
                                             {"tempo-b", required_argument, NULL, OPT_TEMPO_B},
                                             {"no-stretch", no_argument, NULL, OPT_NOSTRETCH},
                                             {"rate", required_argument, NULL, OPT_RATE},
                                             {"table", required_argument, NULL, OPT_TABLE},
                                             MOOD_CLI_COMMON_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    mood_cli_common com;
    mood_mix_options mo;
    mood_mix_info info;
    mood_tracks_source src;
    mood_space *s = NULL;
    const char *out = NULL, *pa = NULL, *pb = NULL;
    int opt, rc;
    char *end;
    mood_cli_common_init(&com);
    mood_mix_options_default(&mo);
    memset(&src, 0, sizeof src);
    for (;;) {
        opt = mood_cli_next_option(&com, argc, argv, "o:b:vh", longopts);
        if (opt == -1)
            break;
        switch (opt) {
        case 'h':
            help(stdout);
            return MOOD_EXIT_OK;
        case 'o':
            out = optarg;
            break;
        case 'b':
            errno = 0;
            mo.beats = (size_t)strtoull(optarg, &end, 10);
            if (errno || *end || mo.beats == 0 || optarg[0] == '-')
                return mood_cli_usage(argv[0], "--beats expects a positive integer, got '%s'",
                                      optarg);
            break;
        case OPT_TEMPO_A:
        case OPT_TEMPO_B: {
            float v = strtof(optarg, &end);
            if (*end || !(v >= 30.0f && v <= 300.0f))
                return mood_cli_usage(argv[0], "tempo expects 30..300 BPM, got '%s'", optarg);
            if (opt == OPT_TEMPO_A)
                mo.tempo_a_bpm = v;
            else
                mo.tempo_b_bpm = v;
            break;
        }
        case OPT_NOSTRETCH:
            mo.match_tempo = 0;
            break;
        case OPT_RATE:
            mo.sample_rate_hz = (int)strtol(optarg, &end, 10);
            if (*end || mo.sample_rate_hz < 8000 || mo.sample_rate_hz > 192000)
                return mood_cli_usage(argv[0], "--rate expects 8000..192000, got '%s'", optarg);
            break;
        case OPT_TABLE:
            src.table_csv = optarg;
            break;
        default:
            return mood_cli_usage(argv[0], "unknown option");
        }
    }
    mood_cli_set_verbosity(com.quiet, com.verbose);
    if (optind != argc - 2)
        return mood_cli_usage(argv[0], "expected two tracks, A and B");
    if (!out)
        return mood_cli_usage(argv[0], "--out FILE.wav|.flac|.mp3 is required");
    {
        const char *ext = strrchr(out, '.');
        if (!ext ||
            (strcmp(ext, ".wav") != 0 && strcmp(ext, ".flac") != 0 && strcmp(ext, ".mp3") != 0))
            return mood_cli_usage(argv[0], "--out must end in .wav, .flac or .mp3");
    }
    src.catalog_path = com.catalog;
    rc = locate(argv[optind], &src, &s, &pa, &mo.tempo_a_bpm);
    if (rc == MOOD_EXIT_OK)
        rc = locate(argv[optind + 1], &src, &s, &pb, &mo.tempo_b_bpm);
    if (rc == MOOD_EXIT_OK) {
        if (mood_mix_render(pa, pb, &mo, out, &info) != MOOD_OK) {
            rc = mood_cli_fail("mix");
        } else {
            mood_cli_info("transition at %.3f s of A: %zu beats (%.3f s) at %.2f BPM; B %.2f -> "
                          "%.2f BPM (stretch x%.4f), enters at its first beat (%.3f s)",
                          info.transition_s, mo.beats, info.crossfade_s, info.tempo_a_bpm,
                          info.tempo_b_bpm, info.tempo_b_out_bpm, info.stretch, info.b_offset_s);
            printf("out=%s transition_s=%.3f crossfade_s=%.3f tempo_a_bpm=%.2f tempo_b_bpm=%.2f "
                   "tempo_b_out_bpm=%.2f stretch=%.5f b_offset_s=%.3f duration_s=%.3f\n",
                   out, info.transition_s, info.crossfade_s, info.tempo_a_bpm, info.tempo_b_bpm,
                   info.tempo_b_out_bpm, info.stretch, info.b_offset_s, info.duration_s);
        }
    }
    mood_space_destroy(s);
    return rc;
}
