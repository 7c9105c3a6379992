/*
 * Snapshots: a frozen copy of a run's model and metadata under snapshots/<name>/, and
 * prediction of new rows with one.
 */
#define _POSIX_C_SOURCE 200809L
#include "../core/clock.h"
#include "../core/internal.h"
#include "../io/json_util.h"

#include <moodscope/csv.h>
#include <moodscope/fileio.h>
#include <moodscope/run.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static mood_status check_name(const char *what, const char *name)
{
    if (!name || !name[0] || name[0] == '.' || strchr(name, '/') || strchr(name, '\\') ||
        strlen(name) >= 120)
        return mood__error(MOOD_EINVAL,
                           "%s '%s' must be a plain name (no '/', not starting with '.', under "
                           "120 characters)",
                           what, name ? name : "");
    return MOOD_OK;
}

static mood_status copy_file(const char *from, const char *to)
{
    char *data;
    size_t len;
    mood_status s = mood_read_file(from, &data, &len);
    if (s != MOOD_OK)
        return s;
    s = mood_atomic_write(to, data, len);
    mood_free(data);
    return s;
}

mood_status mood_snapshot_save(const char *runs_dir, const char *run_id, const char *snapshots_dir,
                               const char *name)
{
    char src[4096], dst[4096], tmp[4096], final[4096];
    static const char *const files[] = {"model.json", "run_metadata.json", "profiles.csv"};
    mood_status s;
    mood_pipeline *check;
    s = check_name("run id", run_id);
    if (s == MOOD_OK)
        s = check_name("snapshot name", name);
    if (s != MOOD_OK)
        return s;
    snprintf(src, sizeof src, "%s/%s/model.json", runs_dir, run_id);
    if (!mood_path_exists(src))
        return mood__error(MOOD_ENOTFOUND, "run '%s' not found in %s", run_id, runs_dir);
    /* Refuse to freeze a model that would not load. */
    s = mood_pipeline_load(src, &check);
    if (s != MOOD_OK)
        return s;
    mood_pipeline_destroy(check);
    snprintf(final, sizeof final, "%s/%s", snapshots_dir, name);
    if (mood_path_exists(final))
        return mood__error(MOOD_EINVAL, "snapshot '%s' already exists in %s", name, snapshots_dir);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s-%ld", snapshots_dir, name, (long)getpid());
    mood_rmtree(tmp);
    s = mood_mkdirs(tmp);
    if (s != MOOD_OK)
        return s;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        snprintf(src, sizeof src, "%s/%s/%s", runs_dir, run_id, files[f]);
        snprintf(dst, sizeof dst, "%s/%s", tmp, files[f]);
        s = copy_file(src, dst);
        if (s != MOOD_OK)
            break;
    }
    if (s == MOOD_OK) {
        char iso[32];
        json_t *info;
        mood__utc_now(iso, sizeof iso, NULL, 0);
        info = json_pack("{s:s, s:s, s:s}", "name", name, "run_id", run_id, "created_utc", iso);
        snprintf(dst, sizeof dst, "%s/snapshot.json", tmp);
        s = info ? mood__json_write(dst, info, 9) : mood__enomem("snapshot");
        json_decref(info);
    }
    if (s == MOOD_OK)
        s = mood_dir_publish(tmp, final);
    if (s != MOOD_OK)
        mood_rmtree(tmp);
    return s;
}

static const char *str_or_empty(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const mood_snapshot_summary *)a)->name,
                  ((const mood_snapshot_summary *)b)->name);
}

mood_status mood_snapshots_list(const char *snapshots_dir, mood_snapshot_summary **out, size_t *n)
{
    DIR *dir = opendir(snapshots_dir);
    struct dirent *e;
    size_t cap = 16;
    mood_snapshot_summary *v;
    *out = NULL;
    *n = 0;
    if (!dir)
        return MOOD_OK;
    v = mood__calloc(cap, sizeof *v);
    if (!v) {
        closedir(dir);
        return mood__enomem("snapshots");
    }
    for (;;) {
        e = readdir(dir);
        if (!e)
            break;
        char path[4096];
        json_t *info, *model;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s/snapshot.json", snapshots_dir, e->d_name);
        if (mood__json_load(path, &info) != MOOD_OK)
            continue;
        if (*n == cap) {
            mood_snapshot_summary *nv = mood__realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                json_decref(info);
                closedir(dir);
                mood__free(v);
                return mood__enomem("snapshots");
            }
            v = nv;
            cap *= 2;
        }
        memset(&v[*n], 0, sizeof *v);
        snprintf(v[*n].name, sizeof v[*n].name, "%s", e->d_name);
        snprintf(v[*n].run_id, sizeof v[*n].run_id, "%s",
                 str_or_empty(json_object_get(info, "run_id")));
        snprintf(v[*n].created_utc, sizeof v[*n].created_utc, "%s",
                 str_or_empty(json_object_get(info, "created_utc")));
        json_decref(info);
        snprintf(path, sizeof path, "%s/%s/model.json", snapshots_dir, e->d_name);
        if (mood__json_load(path, &model) == MOOD_OK) {
            v[*n].k = json_array_size(json_object_get(model, "groups"));
            v[*n].n_features = json_array_size(json_object_get(model, "features"));
            json_decref(model);
        }
        (*n)++;
    }
    closedir(dir);
    mood_clear_error();
    qsort(v, *n, sizeof *v, by_name);
    *out = v;
    return MOOD_OK;
}

mood_status mood_snapshot_model_path(const char *snapshots_dir, const char *name, char *buf,
                                     size_t cap)
{
    mood_status s = check_name("snapshot name", name);
    if (s != MOOD_OK)
        return s;
    snprintf(buf, cap, "%s/%s/model.json", snapshots_dir, name);
    if (!mood_path_exists(buf))
        return mood__error(MOOD_ENOTFOUND, "snapshot '%s' not found in %s", name, snapshots_dir);
    return MOOD_OK;
}

mood_status mood_snapshot_predict(const char *snapshots_dir, const char *name, const mood_table *t,
                                  const char *output_path)
{
    char path[4096];
    mood_pipeline *p;
    mood_table *outt = NULL;
    size_t n = mood_table_rows(t), j;
    int32_t *labels = NULL;
    float *dist = NULL, *cl = NULL;
    const char **names = NULL;
    mood_status s = mood_snapshot_model_path(snapshots_dir, name, path, sizeof path);
    if (s != MOOD_OK)
        return s;
    s = mood_pipeline_load(path, &p);
    if (s != MOOD_OK)
        return s;
    labels = mood__malloc_array(n + 1, sizeof(int32_t));
    dist = mood__malloc_array(n + 1, sizeof(float));
    cl = mood__malloc_array(n + 1, sizeof(float));
    names = mood__calloc(n + 1, sizeof(char *));
    if (!labels || !dist || !cl || !names) {
        s = mood__enomem("predict");
        goto done;
    }
    s = mood_pipeline_predict(p, t, labels, dist);
    if (s != MOOD_OK) {
        mood__error_context(s, "snapshot '%s'", name);
        goto done;
    }
    s = mood_table_clone(t, &outt);
    if (s != MOOD_OK)
        goto done;
    static const char *const added[] = {"cluster", "cluster_name", "distance"};
    for (size_t a = 0; a < 3; a++)
        if (mood_table_find(outt, added[a], &j) == MOOD_OK)
            mood_table_drop(outt, j);
    mood_clear_error();
    for (size_t i = 0; i < n; i++) {
        cl[i] = (float)labels[i];
        names[i] = labels[i] >= 0 ? mood_pipeline_group_name(p, (size_t)labels[i]) : "noise";
    }
    s = mood_table_add_num(outt, "cluster", cl);
    if (s == MOOD_OK)
        s = mood_table_add_str(outt, "cluster_name", names);
    if (s == MOOD_OK)
        s = mood_table_add_num(outt, "distance", dist);
    if (s == MOOD_OK) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", output_path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            s = mood_mkdirs(dir);
        }
        if (s == MOOD_OK)
            s = mood_csv_write(output_path, outt, NULL);
    }
done:
    mood_table_destroy(outt);
    mood_pipeline_destroy(p);
    mood__free(labels);
    mood__free(dist);
    mood__free(cl);
    mood__free(names);
    return s;
}
