/*
 * The HNSW graph of ann.h, a thin C interface over Debian's header-only hnswlib (libhnswlib-dev),
 * the implementation python3-hnswlib wraps, so that the graph is the well-tested one and the
 * speed comparison in bench/similar is like for like. Exceptions never cross into C: every
 * entry point catches them and turns them into a mood_status.
 */
#include <moodscope/ann.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <hnswlib/hnswlib.h>

extern "C" {
mood_status mood__error(mood_status s, const char *fmt, ...);
}

struct mood_hnsw {
    size_t d;
    mood_metric metric;
    hnswlib::SpaceInterface<float> *space;
    hnswlib::HierarchicalNSW<float> *g;
};

static hnswlib::SpaceInterface<float> *make_space(size_t d, mood_metric metric)
{
    if (metric == MOOD_METRIC_COSINE)
        return new hnswlib::InnerProductSpace(d);
    return new hnswlib::L2Space(d);
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
    try {
        h->d = d;
        h->metric = metric == MOOD_METRIC_COSINE ? MOOD_METRIC_COSINE : MOOD_METRIC_EUCLIDEAN;
        h->space = make_space(d, h->metric);
        h->g = new hnswlib::HierarchicalNSW<float>(h->space, std::max<size_t>(capacity, 16), p->m,
                                                   p->ef_construction, p->seed);
        h->g->setEf(p->ef_search);
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
    try {
        h->d = d;
        h->metric = metric == MOOD_METRIC_COSINE ? MOOD_METRIC_COSINE : MOOD_METRIC_EUCLIDEAN;
        h->space = make_space(d, h->metric);
        h->g = new hnswlib::HierarchicalNSW<float>(h->space, std::string(path), false, 0);
        if (h->g->data_size_ != d * sizeof(float)) {
            mood_hnsw_destroy(h);
            return mood__error(MOOD_EFORMAT, "%s: HNSW graph of another dimension", path);
        }
        h->g->setEf(p->ef_search);
        /* hnswlib 0.6.2's loading constructor counts deletions into an uninitialised counter:
         * recount them so that searches take the right path (valgrind shows the read) */
        size_t deleted = 0;
        for (size_t i = 0; i < h->g->cur_element_count; i++)
            deleted += h->g->isMarkedDeleted((hnswlib::tableint)i);
        h->g->num_deleted_ = deleted;
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
        h->g->saveIndex(tmp);
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
    delete h->space;
    delete h;
}

extern "C" size_t mood_hnsw_size(const mood_hnsw *h)
{
    return h->g->cur_element_count;
}

extern "C" mood_status mood_hnsw_add(mood_hnsw *h, const float *x, size_t n, const uint64_t *labels,
                                     int threads, mood_progress_fn progress, void *user)
{
    size_t base = h->g->cur_element_count;
    try {
        if (base + n > h->g->max_elements_)
            h->g->resizeIndex(std::max(base + n, h->g->max_elements_ * 2));
        if (threads < 1)
            threads = 1;
        /* Chunks keep cancellation and progress responsive without per-point overhead. */
        const size_t chunk = 32768;
        for (size_t c0 = 0; c0 < n; c0 += chunk) {
            size_t c1 = std::min(n, c0 + chunk);
            if (threads == 1 || c1 - c0 < 64) {
                for (size_t i = c0; i < c1; i++)
                    h->g->addPoint(x + i * h->d, labels ? labels[i] : base + i);
            } else {
                std::vector<std::thread> pool;
                for (int t = 0; t < threads; t++)
                    pool.emplace_back([=]() {
                        for (size_t i = c0 + (size_t)t; i < c1; i += (size_t)threads)
                            h->g->addPoint(x + i * h->d, labels ? labels[i] : base + i);
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
        std::vector<float> v = h->g->getDataByLabel<float>(label);
        std::memcpy(out, v.data(), h->d * sizeof(float));
    } catch (const std::exception &) {
        return mood__error(MOOD_ENOTFOUND, "hnsw: no point labelled %llu",
                           (unsigned long long)label);
    }
    return MOOD_OK;
}

extern "C" mood_status mood_hnsw_mark_deleted(mood_hnsw *h, uint64_t label)
{
    try {
        h->g->markDelete(label);
    } catch (const std::exception &e) {
        return mood__error(MOOD_ENOTFOUND, "hnsw: %s", e.what());
    }
    return MOOD_OK;
}

extern "C" void mood_hnsw_set_ef(mood_hnsw *h, size_t ef)
{
    h->g->setEf(ef);
}

extern "C" mood_status mood_hnsw_search(const mood_hnsw *h, const float *q, size_t k,
                                        uint64_t *out_labels, float *out_dist, size_t *out_found)
{
    *out_found = 0;
    try {
        auto top = h->g->searchKnn(q, k);
        size_t m = top.size();
        for (size_t i = m; i-- > 0;) {
            float d = top.top().first;
            /* hnswlib's L2 is squared and its inner-product distance is already 1 − dot */
            out_dist[i] = h->metric == MOOD_METRIC_EUCLIDEAN ? std::sqrt(std::max(d, 0.0f)) : d;
            out_labels[i] = top.top().second;
            top.pop();
        }
        *out_found = m;
    } catch (const std::exception &e) {
        return mood__error(MOOD_ENOMEM, "hnsw: search failed: %s", e.what());
    }
    return MOOD_OK;
}
