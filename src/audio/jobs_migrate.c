/*
 * The audio library's, the job queue's and the analysis runs' tables as `library migrate` copies
 * them (mood_catalog_copy in the store does the copying and the verification).
 */
#define _POSIX_C_SOURCE 200809L
#include "library_internal.h"

#include "../core/internal.h"
#include "../store/catalog_internal.h"

static const mood_catalog_table library_tables[] = {
    {"tracks",
     "id, path, size_bytes, mtime_ns, status, error, analysis_version, analyzed_utc, title, "
     "artist, album, genre, year, track_no, duration_s, codec, sample_rate_hz, channels, "
     "bitrate_bps, report_path",
     "itiittittttttidtiiit", "id", "id"},
    {"analyses", "track_id, analysis_version, key_name, camelot, mood_label, report_json", "iitttt",
     "track_id", NULL},
    {"feature_vectors", "track_id, kind, analysis_version, dims, data", "itiib", "track_id, kind",
     NULL},
    {"overrides", "track_id, field, value, set_at", "ittt", "track_id, field", NULL},
    {"jobs",
     "id, path, state, worker, lease_until, heartbeat, attempts, error, enqueued, started, "
     "finished",
     "ittdddidddd", "id", "id"},
    {"analysis_runs",
     "id, mode, worker, host, pid, started, finished, status, moodscope_version, "
     "analysis_version, jobs, nice, max_load, max_duration_s, long_files, sample_windows, "
     "sample_window_s, max_memory_mb, path_map, lease_s, poll_s, waiting, files, analysed, "
     "failed, skipped, sampled, limited, audio_s, cpu_s, elapsed_s",
     "itttiddttiiiddtiddtddtiiiiiiddd", "id", "id"},
};

/* Both components' migrations (tracks first: jobs refer to paths only). */
static mood_status library_migrate_all(mood_catalog *cat)
{
    mood_status s = mood__library_migrate(cat);
    if (s == MOOD_OK)
        s = mood__jobs_migrate(cat);
    return s == MOOD_OK ? mood__runs_migrate(cat) : s;
}

static const mood_catalog_part library_part = {"tracks, jobs or analysis runs", library_migrate_all,
                                               library_tables,
                                               sizeof library_tables / sizeof *library_tables};

const mood_catalog_part *mood_library_catalog_part(void)
{
    return &library_part;
}

mood_status mood_library_migrate_catalog(const char *from, const char *to,
                                         void (*report)(void *, const char *), void *user)
{
    const mood_catalog_part *parts[1] = {&library_part};
    return mood_catalog_copy(from, to, parts, 1, report, user);
}
