/*
 * Transitional forwarder: the JSON helpers live in src/io/json_util.h, the hash and clock in
 * src/core. Kept only for src/history (being rewritten on another branch), which still includes
 * this path; new code includes the io and core headers directly. Remove with the last user.
 */
#ifndef MOOD_STORE_JSON_UTIL_H
#define MOOD_STORE_JSON_UTIL_H

#include "../core/clock.h"
#include "../core/hash.h"
#include "../io/json_util.h"

#endif
