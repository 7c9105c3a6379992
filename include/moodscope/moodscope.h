/**
 * @file moodscope.h
 * @brief The whole public API of libmoodscope in one include.
 *
 * @code
 * #include <moodscope/moodscope.h>
 *
 * mood_kmeans_params p;
 * mood_kmeans_params_default(&p);
 * p.k = 3;
 * p.seed = 1;
 * if (mood_kmeans_fit(&p, x, n, d, centres, labels, NULL) != MOOD_OK)
 *     fprintf(stderr, "moodscope: %s\n", mood_last_error());
 * @endcode
 * Build with `pkg-config --cflags --libs moodscope` (add `--static` for libmoodscope.a).
 *
 * The headers of optional components (audio analysis, tags, recommendations, listening
 * histories, media servers, the web server) are included only when this libmoodscope was built
 * with them: moodscope/build.h, generated at configure time, says which (MOOD_BUILD_WITH_<NAME>
 * is 1 or 0). Each header can also be included on its own.
 */
#ifndef MOODSCOPE_MOODSCOPE_H
#define MOODSCOPE_MOODSCOPE_H

#include <moodscope/build.h>

#include "catalog.h"
#include "cluster.h"
#include "csv.h"
#include "demo.h"
#include "describe.h"
#include "features.h"
#include "fileio.h"
#include "kmeans.h"
#include "metrics.h"
#include "mpi.h"
#include "plot.h"
#include "prep.h"
#include "rng.h"
#include "run.h"
#include "search.h"
#include "status.h"
#include "table.h"

#if MOOD_BUILD_WITH_AUDIO
#include "audio.h"
#include "library.h"
#endif
#if MOOD_BUILD_WITH_TAGS
#include "tags.h"
#endif
#if MOOD_BUILD_WITH_RECOMMEND
#include "ann.h"
#include "mix.h"
#include "playlist.h"
#include "recommend.h"
#endif
#if MOOD_BUILD_WITH_HISTORY
#include "history.h"
#endif
#if MOOD_BUILD_WITH_SUBSONIC
#include "subsonic.h"
#endif
#if MOOD_BUILD_WITH_SERVER
#include "server.h"
#endif

#endif
