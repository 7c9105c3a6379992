/*
 * Human-readable summaries of runs for the terminal, formatted from run_metadata.json so that
 * `cluster`, `runs show` and the config-file ranking print the same way; and of a track's
 * tempo and key, so that `analyze`, `library show --format text` and `library set` agree.
 */
#include "cli_report.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

/* The release-metadata columns the default feature rule left out (popularity, duration, key...),
 * so that a user who expected them knows to name them in --features. */
static void print_metadata_left_out(FILE *fp, const json_t *skipped)
{
    size_t i, n = 0;
    const json_t *c;
    json_array_foreach(skipped, i, c)
    {
        const char *why = json_string_value(json_object_get(c, "reason"));
        if (!why || strcmp(why, "metadata") != 0)
            continue;
        fprintf(fp, "%s%s (metadata)",
                n++ ? ", " : "  left out:    ", json_string_value(json_object_get(c, "column")));
    }
    if (n)
        fprintf(fp, "; name them in --features to use them\n");
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : (double)NAN;
}

int mood_cli_print_run(FILE *fp, const char *meta_text, const char *runs_dir)
{
    json_error_t err;
    json_t *m = json_loads(meta_text, 0, &err);
    const json_t *cfg, *met, *data, *ks, *groups, *g, *lab;
    size_t i;
    if (!m)
        return -1;
    cfg = json_object_get(m, "config");
    met = json_object_get(m, "metrics");
    data = json_object_get(m, "data");
    ks = json_object_get(m, "k_selection");
    groups = json_object_get(m, "groups");
    lab = json_object_get(m, "labels");
    const char *id = json_string_value(json_object_get(m, "run_id"));
    fprintf(fp, "run %s\n", id ? id : "(not written)");
    if (json_string_value(json_object_get(cfg, "name")))
        fprintf(fp, "  name:        %s\n", json_string_value(json_object_get(cfg, "name")));
    fprintf(fp, "  rows:        %lld",
            (long long)json_integer_value(json_object_get(data, "rows")));
    if (json_integer_value(json_object_get(data, "missing_imputed_total")) > 0)
        fprintf(fp, " (%lld missing cells imputed with the training median)",
                (long long)json_integer_value(json_object_get(data, "missing_imputed_total")));
    fputc('\n', fp);
    fprintf(fp, "  features:    ");
    json_array_foreach(json_object_get(cfg, "features_used"), i, g)
        fprintf(fp, "%s%s", i ? ", " : "", json_string_value(g));
    fputc('\n', fp);
    print_metadata_left_out(fp, json_object_get(data, "skipped_columns"));
    {
        const json_t *seed = json_object_get(cfg, "seed");
        char seedbuf[32];
        if (json_is_string(seed))
            snprintf(seedbuf, sizeof seedbuf, "%s", json_string_value(seed));
        else
            snprintf(seedbuf, sizeof seedbuf, "%lld", (long long)json_integer_value(seed));
        fprintf(fp, "  model:       %s, scaler %s, seed %s%s\n",
                json_string_value(json_object_get(cfg, "algorithm")),
                json_string_value(json_object_get(cfg, "scaler")), seedbuf,
                json_is_true(json_object_get(cfg, "search")) ? " (chosen by --search)" : "");
    }
    if (json_is_object(ks)) {
        fprintf(fp, "  k selection: %s chose k=%lld",
                json_string_value(json_object_get(ks, "criterion")),
                (long long)json_integer_value(json_object_get(ks, "k_best")));
        if (json_is_integer(json_object_get(ks, "k_elbow")))
            fprintf(fp, " (elbow: k=%lld)",
                    (long long)json_integer_value(json_object_get(ks, "k_elbow")));
        fputc('\n', fp);
    }
    fprintf(fp, "  silhouette:  %.4f, %s\n", num(met, "silhouette"),
            json_string_value(json_object_get(met, "silhouette_method")));
    fprintf(fp, "  Calinski-Harabasz %.1f, Davies-Bouldin %.4f, inertia %.6g\n",
            num(met, "calinski_harabasz"), num(met, "davies_bouldin"), num(met, "inertia"));
    fprintf(fp, "  composite score %.4f (0..1, higher is better)\n", num(met, "composite_score"));
    if (json_integer_value(json_object_get(met, "n_noise")) > 0)
        fprintf(fp, "  noise rows:  %lld\n",
                (long long)json_integer_value(json_object_get(met, "n_noise")));
    if (json_is_object(lab))
        fprintf(fp, "  against '%s': purity %.3f, NMI %.3f, ARI %.3f\n",
                json_string_value(json_object_get(lab, "column")), num(lab, "purity"),
                num(lab, "nmi"), num(lab, "ari"));
    fprintf(fp, "  groups:\n");
    json_array_foreach(groups, i, g)
    {
        fprintf(fp, "    %2lld  %-34s %7lld rows (%4.1f%%)  %s\n",
                (long long)json_integer_value(json_object_get(g, "id")),
                json_string_value(json_object_get(g, "name")),
                (long long)json_integer_value(json_object_get(g, "size")), 100 * num(g, "share"),
                json_string_value(json_object_get(g, "traits")));
    }
    if (id && runs_dir) {
        fprintf(fp, "  plot:        %s/%s/clusters_plot.png\n", runs_dir, id);
        if (json_is_object(ks))
            fprintf(fp, "  k curve:     %s/%s/k_selection.png\n", runs_dir, id);
        fprintf(fp, "  files:       %s/%s/\n", runs_dir, id);
    }
    json_decref(m);
    return 0;
}

/* "  tempo:  128.0 BPM (confidence 0.82, octave 0.90); alternative 64.0 BPM (0.31); metre 4/4". */
static void print_tempo(FILE *fp, const mood_library_musical *m)
{
    fprintf(fp, "  tempo:  %.1f BPM", (double)m->tempo_bpm);
    if (m->user & MOOD_FIX_TEMPO) {
        fprintf(fp, " (set by user; analysed %.1f BPM)", (double)m->analysed_tempo_bpm);
    } else {
        fprintf(fp, " (confidence %.2f", (double)m->tempo_confidence);
        if (m->tempo_alt_bpm > 0)
            fprintf(fp, ", octave %.2f); alternative %.1f BPM (%.2f)",
                    (double)m->tempo_octave_confidence, (double)m->tempo_alt_bpm,
                    (double)m->tempo_alt_confidence);
        else
            fputs("); no alternative", fp);
    }
    if (m->meter[0])
        fprintf(fp, "; metre %s%s", m->meter, m->user & MOOD_FIX_METER ? " (set by user)" : "");
    if (m->tempo_changes > 0)
        fprintf(fp, "; %d tempo change%s", m->tempo_changes, m->tempo_changes > 1 ? "s" : "");
    fputc('\n', fp);
}

/* "  key:    A minor (8A, 1m), confidence 0.74; alternative C major (8B) 0.70; 2 segments". */
static void print_key(FILE *fp, const mood_library_musical *m)
{
    fprintf(fp, "  key:    %s (%s, %s)", m->key, m->camelot, m->open_key);
    if (m->user & MOOD_FIX_KEY) {
        fprintf(fp, ", set by user (analysed %s)", m->analysed_key);
    } else {
        fprintf(fp, ", confidence %.2f", (double)m->key_confidence);
        if (m->key_alt_index >= 0)
            fprintf(fp, "; alternative %s (%s) %.2f", m->key_alt, m->key_alt_camelot,
                    (double)m->key_alt_confidence);
        else
            fputs("; no alternative", fp);
    }
    fprintf(fp, "; %d key segment%s", m->key_segments, m->key_segments == 1 ? "" : "s");
    if (m->tuning_hz > 0)
        fprintf(fp, "; tuning %.1f Hz", (double)m->tuning_hz);
    fputc('\n', fp);
}

void mood_cli_print_musical(FILE *fp, const mood_library_musical *m)
{
    fprintf(fp, "track %lld: %s\n", (long long)m->track_id, m->path);
    print_tempo(fp, m);
    print_key(fp, m);
}
