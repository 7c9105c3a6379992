/*
 * The two builds of the HNSW graph code (baseline and AVX2, see hnsw_impl.inc) behind one
 * abstract interface. Private to the recommend subsystem; C++ only.
 */
#ifndef MOOD_HNSW_BACKEND_H
#define MOOD_HNSW_BACKEND_H

#include <cstddef>
#include <cstdint>
#include <string>

class mood__hnsw_backend
{
  public:
    virtual ~mood__hnsw_backend() = default;
    virtual size_t data_size() const = 0;
    virtual size_t size() const = 0;
    virtual size_t capacity() const = 0;
    virtual void resize(size_t n) = 0;
    virtual void add(const float *x, uint64_t label) = 0;
    virtual void save(const std::string &path) const = 0;
    virtual void get(uint64_t label, float *out, size_t d) const = 0;
    virtual void mark_deleted(uint64_t label) = 0;
    virtual void set_ef(size_t ef) = 0;
    /* closest first; squared L2 or 1 - dot; returns the count */
    virtual size_t search(const float *q, size_t k, uint64_t *labels, float *dist) const = 0;
};

/* Create (path NULL) or load a graph; throws std::exception on failure. */
namespace mood_hnsw_base
{
mood__hnsw_backend *make_backend(size_t d, bool cosine, const char *path, size_t capacity, size_t m,
                                 size_t efc, size_t seed);
}
namespace mood_hnsw_avx2
{
mood__hnsw_backend *make_backend(size_t d, bool cosine, const char *path, size_t capacity, size_t m,
                                 size_t efc, size_t seed);
}

#endif
