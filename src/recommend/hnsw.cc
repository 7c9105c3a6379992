/*
 * The HNSW graph of ann.h, a thin C interface over Debian's header-only hnswlib (libhnswlib-dev),
 * the implementation python3-hnswlib wraps, so that the graph is the well-tested one and the
 * speed comparison in bench/similar is like for like. hnswlib is compiled twice (hnsw_base.cc,
 * hnsw_avx2.cc) and the AVX2 build is chosen at run time when the processor has it;
 * MOOD_HNSW_BASELINE=1 in the environment forces the baseline (tests compare the two).
 * Exceptions never cross into C: every entry point catches them and returns a mood_status.
 */
#include "hnsw_backend.h"

#include <moodscope/ann.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

extern "C" {
mood_status mood__error(mood_status s, const char *fmt, ...);
}

struct mood_hnsw {
    size_t d;
    mood_metric metric;
    mood__hnsw_backend *g;
};

static bool use_avx2()
{
    const char *force = std::getenv("MOOD_HNSW_BASELINE");
    if (force && force[0] == '1')
        return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static mood__hnsw_backend *make(size_t d, mood_metric metric, const char *path, size_t capacity,
                                const mood_hnsw_params *p)
{
    bool cosine = metric == MOOD_METRIC_COSINE;
    if (use_avx2())
        return mood_hnsw_avx2::make_backend(d, cosine, path, capacity, p->m, p->ef_construction,
                                            p->seed);
    return mood_hnsw_base::make_backend(d, cosine, path, capacity, p->m, p->ef_construction,
                                        p->seed);
}

extern "C" void mood_hnsw_params_default(mood_hnsw_params *p)
{
    p->m = 16;
    p->ef_construction = 200;
    p->ef_search = 64;
    p->seed = 100;
}

extern "C" mood_status mood_hnsw_create(size_t d, mood_metric metric, size_t capacity,
                                        const mood_hnsw_params *p, mood_hnsw **out)
{
    mood_hnsw_params def;
    *out = nullptr;
    if (!p) {
        mood_hnsw_params_default(&def);
        p = &def;
    }
    if (d == 0 || p->m < 2)
        return mood__error(MOOD_EINVAL, "hnsw: d=%zu and M=%zu must be positive", d, p->m);
    mood_hnsw *h = new (std::nothrow) mood_hnsw();
    if (!h)
        return mood__error(MOOD_ENOMEM, "hnsw: out of memory");
    h->d = d;
    h->metric = metric == MOOD_METRIC_COSINE ? MOOD_METRIC_COSINE : MOOD_METRIC_EUCLIDEAN;
    try {
        h->g = make(d, h->metric, nullptr, std::max<size_t>(capacity, 16), p);
        h->g->set_ef(p->ef_search);
    } catch (const std::exception &e) {
        mood_hnsw_destroy(h);
        return mood__error(MOOD_ENOMEM, "hnsw: %s", e.what());
    }
    *out = h;
    return MOOD_OK;
}

extern "C" mood_status mood_hnsw_load(const char *path, size_t d, mood_metric metric,
                                      const mood_hnsw_params *p, mood_hnsw **out)
{
    mood_hnsw_params def;
    *out = nullptr;
    if (!p) {
        mood_hnsw_params_default(&def);
        p = &def;
    }
    FILE *f = std::fopen(path, "rb");
    if (!f)
        return mood__error(MOOD_EIO, "%s: cannot open: %s", path, std::strerror(errno));
    std::fclose(f);
    mood_hnsw *h = new (std::nothrow) mood_hnsw();
    if (!h)
        return mood__error(MOOD_ENOMEM, "hnsw: out of memory");
    h->d = d;
    h->metric = metric == MOOD_METRIC_COSINE ? MOOD_METRIC_COSINE : MOOD_METRIC_EUCLIDEAN;
    try {
        h->g = make(d, h->metric, path, 0, p);
        if (h->g->data_size() != d * sizeof(float)) {
            mood_hnsw_destroy(h);
            return mood__error(MOOD_EFORMAT, "%s: HNSW graph of another dimension", path);
        }
        h->g->set_ef(p->ef_search);
    } catch (const std::exception &e) {
        mood_hnsw_destroy(h);
        return mood__error(MOOD_EFORMAT, "%s: not a readable HNSW graph: %s", path, e.what());
    }
    *out = h;
    return MOOD_OK;
}

extern "C" mood_status mood_hnsw_save(const mood_hnsw *h, const char *path)
{
    /* hnswlib writes in place; write beside and rename so a crash never leaves half a graph */
    std::string tmp = std::string(path) + ".tmp";
    try {
        h->g->save(tmp);
    } catch (const std::exception &e) {
        std::remove(tmp.c_str());
        return mood__error(MOOD_EIO, "%s: cannot write: %s", path, e.what());
    }
    if (std::rename(tmp.c_str(), path) != 0) {
        std::remove(tmp.c_str());
        return mood__error(MOOD_EIO, "%s: cannot rename: %s", path, std::strerror(errno));
    }
    return MOOD_OK;
}

extern "C" void mood_hnsw_destroy(mood_hnsw *h)
{
    if (!h)
        return;
    delete h->g;
    delete h;
}

extern "C" size_t mood_hnsw_size(const mood_hnsw *h)
{
    return h->g->size();
}

extern "C" mood_status mood_hnsw_add(mood_hnsw *h, const float *x, size_t n, const uint64_t *labels,
                                     int threads, mood_progress_fn progress, void *user)
{
    size_t base = h->g->size();
    try {
        if (base + n > h->g->capacity())
            h->g->resize(std::max(base + n, h->g->capacity() * 2));
        if (threads < 1)
            threads = 1;
        /* Chunks keep cancellation and progress responsive without per-point overhead. */
        const size_t chunk = 32768;
        for (size_t c0 = 0; c0 < n; c0 += chunk) {
            size_t c1 = std::min(n, c0 + chunk);
            if (threads == 1 || c1 - c0 < 64) {
                for (size_t i = c0; i < c1; i++)
                    h->g->add(x + i * h->d, labels ? labels[i] : base + i);
            } else {
                std::vector<std::thread> pool;
                for (int t = 0; t < threads; t++)
                    pool.emplace_back([=]() {
                        for (size_t i = c0 + (size_t)t; i < c1; i += (size_t)threads)
                            h->g->add(x + i * h->d, labels ? labels[i] : base + i);
                    });
                for (auto &th : pool)
                    th.join();
            }
            if (mood_cancel_requested() ||
                (progress && progress(user, "hnsw", (double)c1, (double)n)))
                return mood__error(MOOD_ECANCELED, "hnsw: canceled after %zu of %zu points", c1, n);
        }
    } catch (const std::exception &e) {
        return mood__error(MOOD_ENOMEM, "hnsw: add failed: %s", e.what());
    }
    return MOOD_OK;
}

extern "C" mood_status mood_hnsw_get(const mood_hnsw *h, uint64_t label, float *out)
{
    try {
        h->g->get(label, out, h->d);
    } catch (const std::exception &) {
        return mood__error(MOOD_ENOTFOUND, "hnsw: no point labelled %llu",
                           (unsigned long long)label);
    }
    return MOOD_OK;
}

extern "C" mood_status mood_hnsw_mark_deleted(mood_hnsw *h, uint64_t label)
{
    try {
        h->g->mark_deleted(label);
    } catch (const std::exception &e) {
        return mood__error(MOOD_ENOTFOUND, "hnsw: %s", e.what());
    }
    return MOOD_OK;
}

extern "C" void mood_hnsw_set_ef(mood_hnsw *h, size_t ef)
{
    h->g->set_ef(ef);
}

extern "C" mood_status mood_hnsw_search(const mood_hnsw *h, const float *q, size_t k,
                                        uint64_t *out_labels, float *out_dist, size_t *out_found)
{
    *out_found = 0;
    try {
        size_t m = h->g->search(q, k, out_labels, out_dist);
        /* hnswlib's L2 is squared and its inner-product distance is already 1 − dot */
        if (h->metric == MOOD_METRIC_EUCLIDEAN)
            for (size_t i = 0; i < m; i++)
                out_dist[i] = std::sqrt(std::max(out_dist[i], 0.0f));
        *out_found = m;
    } catch (const std::exception &e) {
        return mood__error(MOOD_ENOMEM, "hnsw: search failed: %s", e.what());
    }
    return MOOD_OK;
}
