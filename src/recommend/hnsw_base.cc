/*
 * hnswlib built for the baseline x86-64 instruction set (SSE), the fallback of hnsw.cc.
 * Every header hnswlib includes comes first, outside the namespace hnswlib is wrapped in.
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

#define MOOD_HNSW_NS mood_hnsw_base
#include "hnsw_impl.inc"
