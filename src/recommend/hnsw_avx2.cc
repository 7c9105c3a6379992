/*
 * hnswlib built with AVX2 and FMA for its distance kernels (its USE_AVX path), used by hnsw.cc
 * only when __builtin_cpu_supports says the processor has them. The standard headers are
 * included before the target pragma so that their code, shared with the baseline build, stays
 * baseline; only the namespaced hnswlib code below it is compiled for AVX2.
 */
#include "hnsw_backend.h"

#include <algorithm>
#include <assert.h>
#include <atomic>
#include <cassert>
#include <cmath>
#include <cpuid.h>
#include <cstring>
#include <deque>
#include <fstream>
#include <immintrin.h>
#include <iostream>
#include <list>
#include <mutex>
#include <queue>
#include <random>
#include <stdexcept>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#include <x86intrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define USE_AVX
#define MOOD_HNSW_NS mood_hnsw_avx2
#include "hnsw_impl.inc"
#pragma GCC pop_options
