/* `moodscope compare RUN_A RUN_B` (old spelling: compare_runs). */
#include "cli.h"

#include <moodscope/run.h>

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char mood_cmd_compare_summary[] = "compare two runs: metrics, config, ARI, contingency";

static void help(FILE *fp)
{
    fprintf(fp, "Usage: moodscope compare RUN_A RUN_B\n\n"
                "Metrics side by side, configuration differences, the adjusted Rand index on\n"
                "the rows both runs clustered, and the group-by-group contingency table.\n"
                "--format json prints the comparison as JSON.\n\n" MOOD_CLI_COMMON_HELP);
}

static double num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : (double)NAN;
}

static void print_text(const json_t *c)
{
    const json_t *a = json_object_get(c, "a"), *b = json_object_get(c, "b");
    const json_t *ma = json_object_get(a, "metrics"), *mb = json_object_get(b, "metrics");
    static const char *const keys[] = {
        "k", "silhouette", "calinski_harabasz", "davies_bouldin", "inertia", "composite_score"};
    const json_t *cont = json_object_get(c, "contingency"), *d;
    size_t i, j;
    printf("%-20s %28s %28s\n", "", json_string_value(json_object_get(a, "run_id")),
           json_string_value(json_object_get(b, "run_id")));
    for (i = 0; i < sizeof keys / sizeof *keys; i++)
        printf("%-20s %28.6g %28.6g\n", keys[i], num(ma, keys[i]), num(mb, keys[i]));
    printf("\nconfiguration differences:\n");
    if (json_array_size(json_object_get(c, "config_diff")) == 0)
        printf("  (none)\n");
    json_array_foreach(json_object_get(c, "config_diff"), i, d)
    {
        char *va = json_dumps(json_object_get(d, "a"), JSON_ENCODE_ANY | JSON_COMPACT);
        char *vb = json_dumps(json_object_get(d, "b"), JSON_ENCODE_ANY | JSON_COMPACT);
        printf("  %-16s %s -> %s\n", json_string_value(json_object_get(d, "key")), va ? va : "",
               vb ? vb : "");
        free(va);
        free(vb);
    }
    printf("\nadjusted Rand index: %.4f on %lld common rows (matched by %s)\n", num(c, "ari"),
           (long long)json_integer_value(json_object_get(c, "common_rows")),
           json_string_value(json_object_get(c, "matched_by")));
    printf("\ncontingency (rows: groups of A, columns: groups of B)\n%-30s", "");
    for (j = 0; j < json_array_size(json_object_get(cont, "cols")); j++)
        printf(" %7zu", j);
    printf("\n");
    json_array_foreach(json_object_get(cont, "counts"), i, d)
    {
        const char *name = json_string_value(json_array_get(json_object_get(cont, "rows"), i));
        printf("%2zu %-27.27s", i, name ? name : "");
        for (j = 0; j < json_array_size(d); j++)
            printf(" %7lld", (long long)json_integer_value(json_array_get(d, j)));
        printf("\n");
    }
    printf("columns: ");
    json_array_foreach(json_object_get(cont, "cols"), j, d)
        printf("%s%zu=%s", j ? ", " : "", j, json_string_value(d));
    printf("\n");
}

int mood_cmd_compare(int argc, char **argv)
{
    mood_cli_common com;
    char *text;
    int rc = mood_cli_parse_common_only(argc, argv, "compare", help, &com);
    if (rc >= 0)
        return rc;
    if (argc - optind != 2)
        return mood_cli_usage("compare", "compare needs two run ids");
    if (mood_runs_compare(com.runs_dir, argv[optind], argv[optind + 1], &text) != MOOD_OK)
        return mood_cli_fail("compare");
    if (com.format && strcmp(com.format, "json") == 0) {
        printf("%s\n", text);
    } else {
        json_error_t err;
        json_t *c = json_loads(text, 0, &err);
        if (c)
            print_text(c);
        json_decref(c);
    }
    mood_free(text);
    return MOOD_EXIT_OK;
}
