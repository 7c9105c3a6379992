/*
 * libFuzzer target for saved models (model.json: format, version, checksum, features,
 * imputation, scaler, reduction, the cluster model, group names; src/store/pipeline.c and the
 * cluster model reader). When the first byte is odd and the rest is a JSON object, the harness
 * re-seals it (recomputes the checksum) so that mutations get past the checksum to the field
 * readers; otherwise the bytes are loaded as they are. An accepted model must predict a small
 * table that has its features: labels in -1..k-1, finite distances, and the same labels when
 * predicted twice.
 */
#include "fuzz_util.h"

#include "store/pipeline_internal.h"

#include <moodscope/run.h>
#include <moodscope/table.h>

#include <jansson.h>
#include <math.h>

/* The model text to write for @p data: sealed when asked and possible. */
static char *model_text(const uint8_t *data, size_t size, size_t *out_len)
{
    char *text = NULL;
    if (size > 0 && (data[0] & 1)) {
        json_t *j = json_loadb((const char *)data + 1, size - 1, 0, NULL);
        if (json_is_object(j)) {
            mood__model_json_seal(j);
            text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
        }
        json_decref(j);
    }
    if (text) {
        *out_len = strlen(text);
        return text;
    }
    text = malloc(size ? size : 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    *out_len = size;
    return text;
}

static void predict_small(const mood_pipeline *p, const uint8_t *data, size_t size)
{
    size_t nf = 0, n = 6;
    const char *const *names = mood_pipeline_features(p, &nf);
    mood_table *t = NULL;
    int32_t lab[6], lab2[6];
    float dist[6], *col;
    mood_status s;
    fuzz_check(mood_table_create(n, &t) == MOOD_OK, "table");
    col = calloc(n, sizeof *col);
    for (size_t j = 0; j < nf && col; j++) {
        for (size_t i = 0; i < n; i++)
            col[i] = size ? (float)data[(i * 7 + j * 13) % size] / 32.0f - 4.0f : 0.0f;
        if (mood_table_find(t, names[j], &(size_t){0}) == MOOD_OK)
            continue; /* a repeated feature name */
        if (mood_table_add_num(t, names[j], col) != MOOD_OK)
            break;
    }
    free(col);
    s = mood_pipeline_predict(p, t, lab, dist);
    fuzz_error_named(s);
    if (s == MOOD_OK) {
        size_t k = mood_pipeline_k(p);
        for (size_t i = 0; i < n; i++) {
            fuzz_check(lab[i] >= -1 && (lab[i] < 0 || (size_t)lab[i] < k), "label in range");
            if (lab[i] >= 0)
                fuzz_check(mood_pipeline_group_name(p, (size_t)lab[i]) != NULL, "group name");
        }
        fuzz_check(mood_pipeline_predict(p, t, lab2, NULL) == MOOD_OK, "second predict");
        fuzz_check(memcmp(lab, lab2, sizeof lab) == 0, "same labels twice");
    }
    mood_table_destroy(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600];
    size_t len;
    char *text = model_text(data, size, &len);
    mood_pipeline *p = NULL;
    mood_status s;
    snprintf(path, sizeof path, "%s/model.json", fuzz_dir());
    fuzz_write(path, text, len);
    free(text);
    s = mood_pipeline_load(path, &p);
    fuzz_error_named(s);
    if (s != MOOD_OK) {
        fuzz_check(p == NULL, "no model on failure");
        return 0;
    }
    predict_small(p, data, size);
    mood_pipeline_destroy(p);
    return 0;
}
