/*
 * Server definitions: the subsonic_* catalog schema, the 0600 credentials file, and `server add`
 * (ping, authentication negotiation, OpenSubsonic extensions). The definition lives in the
 * catalog, which users copy and share; the secret lives only in the credentials file, so a
 * catalog or a run directory never carries it.
 */
#define _POSIX_C_SOURCE 200809L
#include "subsonic_internal.h"

#include "../core/internal.h"
#include "../store/catalog_internal.h"

#include <moodscope/fileio.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const sub_steps[] = {
    /* v1 */
    "CREATE TABLE subsonic_servers ("
    "  name TEXT PRIMARY KEY, url TEXT NOT NULL, username TEXT NOT NULL, auth TEXT NOT NULL,"
    "  api_version TEXT, server_type TEXT, extensions TEXT, added_utc TEXT NOT NULL,"
    "  last_sync_utc TEXT);"
    "CREATE TABLE subsonic_artists ("
    "  server TEXT NOT NULL, artist_id TEXT NOT NULL, name TEXT, album_count INTEGER,"
    "  PRIMARY KEY (server, artist_id));"
    "CREATE TABLE subsonic_albums ("
    "  server TEXT NOT NULL, album_id TEXT NOT NULL, name TEXT, artist TEXT, artist_id TEXT,"
    "  song_count INTEGER, duration_s REAL, created TEXT, changed TEXT, year INTEGER,"
    "  genre TEXT, signature TEXT, frequent_rank INTEGER, recent_rank INTEGER,"
    "  seen_utc TEXT, PRIMARY KEY (server, album_id));"
    "CREATE TABLE subsonic_songs ("
    "  server TEXT NOT NULL, song_id TEXT NOT NULL, album_id TEXT, artist_id TEXT, title TEXT,"
    "  artist TEXT, album TEXT, path TEXT, duration_s REAL, track_no INTEGER, disc_no INTEGER,"
    "  year INTEGER, genre TEXT, suffix TEXT, size_bytes INTEGER, bit_rate INTEGER,"
    "  created TEXT, play_count INTEGER, plays_synced INTEGER NOT NULL DEFAULT 0,"
    "  last_played TEXT, starred TEXT, track_id INTEGER,"
    "  PRIMARY KEY (server, song_id));"
    "CREATE INDEX subsonic_songs_track ON subsonic_songs(track_id);"
    "CREATE INDEX subsonic_songs_album ON subsonic_songs(server, album_id);"
    "CREATE TABLE subsonic_playlists ("
    "  server TEXT NOT NULL, name TEXT NOT NULL, remote_id TEXT NOT NULL, songs TEXT,"
    "  comment TEXT, pushed_utc TEXT, PRIMARY KEY (server, name));",
};

/* The same tables in PostgreSQL types (byte-order text keys, as SQLite compares). */
static const char *const sub_steps_pg[] = {
    /* v1 */
    "CREATE TABLE subsonic_servers ("
    "  name TEXT COLLATE \"C\" PRIMARY KEY, url TEXT NOT NULL, username TEXT NOT NULL,"
    "  auth TEXT NOT NULL, api_version TEXT, server_type TEXT, extensions TEXT,"
    "  added_utc TEXT NOT NULL, last_sync_utc TEXT);"
    "CREATE TABLE subsonic_artists ("
    "  server TEXT COLLATE \"C\" NOT NULL, artist_id TEXT COLLATE \"C\" NOT NULL, name TEXT,"
    "  album_count BIGINT, PRIMARY KEY (server, artist_id));"
    "CREATE TABLE subsonic_albums ("
    "  server TEXT COLLATE \"C\" NOT NULL, album_id TEXT COLLATE \"C\" NOT NULL, name TEXT,"
    "  artist TEXT, artist_id TEXT, song_count BIGINT, duration_s DOUBLE PRECISION,"
    "  created TEXT, changed TEXT, year BIGINT, genre TEXT, signature TEXT,"
    "  frequent_rank BIGINT, recent_rank BIGINT, seen_utc TEXT,"
    "  PRIMARY KEY (server, album_id));"
    "CREATE TABLE subsonic_songs ("
    "  server TEXT COLLATE \"C\" NOT NULL, song_id TEXT COLLATE \"C\" NOT NULL,"
    "  album_id TEXT COLLATE \"C\", artist_id TEXT, title TEXT, artist TEXT, album TEXT,"
    "  path TEXT, duration_s DOUBLE PRECISION, track_no BIGINT, disc_no BIGINT, year BIGINT,"
    "  genre TEXT, suffix TEXT, size_bytes BIGINT, bit_rate BIGINT, created TEXT,"
    "  play_count BIGINT, plays_synced BIGINT NOT NULL DEFAULT 0, last_played TEXT,"
    "  starred TEXT, track_id BIGINT, PRIMARY KEY (server, song_id));"
    "CREATE INDEX subsonic_songs_track ON subsonic_songs(track_id);"
    "CREATE INDEX subsonic_songs_album ON subsonic_songs(server, album_id);"
    "CREATE TABLE subsonic_playlists ("
    "  server TEXT COLLATE \"C\" NOT NULL, name TEXT COLLATE \"C\" NOT NULL,"
    "  remote_id TEXT NOT NULL, songs TEXT, comment TEXT, pushed_utc TEXT,"
    "  PRIMARY KEY (server, name));",
};

mood_status mood__sub_migrate(mood_catalog *cat)
{
    return mood__catalog_migrate_any(cat, "subsonic", sub_steps, sub_steps_pg,
                                     sizeof sub_steps / sizeof *sub_steps);
}

static const mood_catalog_table sub_tables[] = {
    {"subsonic_servers",
     "name, url, username, auth, api_version, server_type, extensions, added_utc, last_sync_utc",
     "ttttttttt", "name", NULL},
    {"subsonic_artists", "server, artist_id, name, album_count", "ttti", "server, artist_id", NULL},
    {"subsonic_albums",
     "server, album_id, name, artist, artist_id, song_count, duration_s, created, changed, year, "
     "genre, signature, frequent_rank, recent_rank, seen_utc",
     "tttttidttittiit", "server, album_id", NULL},
    {"subsonic_songs",
     "server, song_id, album_id, artist_id, title, artist, album, path, duration_s, track_no, "
     "disc_no, year, genre, suffix, size_bytes, bit_rate, created, play_count, plays_synced, "
     "last_played, starred, track_id",
     "ttttttttdiiittiitiitti", "server, song_id", NULL},
    {"subsonic_playlists", "server, name, remote_id, songs, comment, pushed_utc", "tttttt",
     "server, name", NULL},
};

static const mood_catalog_part sub_part = {"Subsonic servers", mood__sub_migrate, sub_tables,
                                           sizeof sub_tables / sizeof *sub_tables};

const mood_catalog_part *mood_subsonic_catalog_part(void)
{
    return &sub_part;
}

/* ---- credentials file --------------------------------------------------------------------- */

mood_status mood_subsonic_credentials_path(char *buf, size_t cap)
{
    const char *env = getenv("MOODSCOPE_SUBSONIC_CREDENTIALS"), *xdg = getenv("XDG_CONFIG_HOME"),
               *home = getenv("HOME");
    int n;
    if (env && env[0])
        n = snprintf(buf, cap, "%s", env);
    else if (xdg && xdg[0])
        n = snprintf(buf, cap, "%s/moodscope/subsonic-credentials", xdg);
    else if (home && home[0])
        n = snprintf(buf, cap, "%s/.config/moodscope/subsonic-credentials", home);
    else
        return mood__error(MOOD_EINVAL, "subsonic: no HOME for the credentials file");
    if (n < 0 || (size_t)n >= cap)
        return mood__error(MOOD_EINVAL, "subsonic: credentials path too long");
    return MOOD_OK;
}

/* The credentials file's text, or "" when it does not exist (mood__free() it). */
static mood_status cred_read(const char *path, char **out)
{
    size_t len;
    *out = NULL;
    if (!mood_path_exists(path)) {
        *out = mood__strdup("");
        return *out ? MOOD_OK : mood__enomem("subsonic: credentials");
    }
    return mood_read_file(path, out, &len);
}

/* Write @p text to @p path as a new 0600 file, then rename it over the old one. */
static mood_status cred_write(const char *path, const char *text)
{
    char tmp[4200], dir[4096], *slash;
    size_t n = strlen(text);
    int fd;
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mood_mkdirs(dir) != MOOD_OK)
            return mood__error(MOOD_EIO, "subsonic: cannot create %s", dir);
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return mood__error(MOOD_EIO, "subsonic: %s: %s", tmp, strerror(errno));
    if (fchmod(fd, 0600) != 0 || write(fd, text, n) != (ssize_t)n || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return mood__error(MOOD_EIO, "subsonic: writing %s: %s", path, strerror(e));
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return mood__error(MOOD_EIO, "subsonic: %s: %s", path, strerror(e));
    }
    return MOOD_OK;
}

/*
 * Replace (or with @p secret NULL, drop) the line of server @p name. The secret is written as
 * hex so that the file never holds a line break or a tab from it; the protection is the file's
 * mode, as for ~/.netrc.
 */
static mood_status cred_set(const char *name, const char *secret)
{
    char path[4096], *old = NULL, *out = NULL;
    size_t cap, o = 0, nl = strlen(name);
    mood_status s = mood_subsonic_credentials_path(path, sizeof path);
    if (s == MOOD_OK)
        s = cred_read(path, &old);
    if (s != MOOD_OK)
        return s;
    cap = strlen(old) + nl + (secret ? 2 * strlen(secret) : 0) + 4;
    out = mood__malloc(cap);
    if (!out) {
        mood__free(old);
        return mood__enomem("subsonic: credentials");
    }
    for (char *line = old, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        size_t len = next ? (size_t)(next - line) : strlen(line);
        if (next)
            next++;
        if (len > nl && strncmp(line, name, nl) == 0 && line[nl] == '\t')
            continue;
        memcpy(out + o, line, len);
        o += len;
        out[o++] = '\n';
    }
    if (secret) {
        o += (size_t)snprintf(out + o, cap - o, "%s\t", name);
        for (const unsigned char *p = (const unsigned char *)secret; *p; p++)
            o += (size_t)snprintf(out + o, cap - o, "%02x", *p);
        out[o++] = '\n';
    }
    out[o] = '\0';
    s = cred_write(path, out);
    memset(out, 0, o);
    memset(old, 0, strlen(old));
    mood__free(out);
    mood__free(old);
    return s;
}

/* The secret of @p name: MOODSCOPE_SUBSONIC_PASSWORD, else the credentials file. */
static mood_status cred_get(const char *name, char *out, size_t cap)
{
    const char *env = getenv("MOODSCOPE_SUBSONIC_PASSWORD");
    char path[4096], *text = NULL;
    size_t nl = strlen(name);
    mood_status s;
    if (env && env[0]) {
        snprintf(out, cap, "%s", env);
        return MOOD_OK;
    }
    if ((s = mood_subsonic_credentials_path(path, sizeof path)) != MOOD_OK ||
        (s = cred_read(path, &text)) != MOOD_OK)
        return s;
    s = mood__error(MOOD_ENOTFOUND,
                    "%s: no password: set MOODSCOPE_SUBSONIC_PASSWORD or run `moodscope server "
                    "add` again (%s has none)",
                    name, path);
    for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : 0) {
        if (strncmp(line, name, nl) != 0 || line[nl] != '\t')
            continue;
        size_t o = 0;
        for (const char *h = line + nl + 1;
             isxdigit((unsigned char)h[0]) && isxdigit((unsigned char)h[1]) && o + 1 < cap;
             h += 2) {
            unsigned v;
            sscanf(h, "%2x", &v);
            out[o++] = (char)v;
        }
        out[o] = '\0';
        s = o ? MOOD_OK : s;
        break;
    }
    if (text)
        memset(text, 0, strlen(text));
    mood__free(text);
    return s;
}

/* ---- definitions in the catalog ----------------------------------------------------------- */

static mood_status check_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= sizeof((mood_subsonic_server_info *)0)->name)
        return mood__error(MOOD_EINVAL, "server name: expected 1 to 63 characters");
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return mood__error(MOOD_EINVAL,
                               "server name '%s': expected letters, digits, '-', '_' or '.'", name);
    return MOOD_OK;
}

static void read_row(mood_db_stmt *st, mood_subsonic_server_info *o)
{
    const char *v[8];
    for (int i = 0; i < 8; i++) {
        v[i] = mood__db_col_text(st, i);
        if (!v[i])
            v[i] = "";
    }
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", v[0]);
    snprintf(o->url, sizeof o->url, "%s", v[1]);
    snprintf(o->user, sizeof o->user, "%s", v[2]);
    snprintf(o->auth, sizeof o->auth, "%s", v[3]);
    snprintf(o->api_version, sizeof o->api_version, "%s", v[4]);
    snprintf(o->server_type, sizeof o->server_type, "%s", v[5]);
    snprintf(o->extensions, sizeof o->extensions, "%s", v[6]);
    snprintf(o->last_sync_utc, sizeof o->last_sync_utc, "%s", v[7]);
}

#define SERVER_COLS "name, url, username, auth, api_version, server_type, extensions, last_sync_utc"

mood_status mood_subsonic_server_get(mood_catalog *cat, const char *name,
                                     mood_subsonic_server_info *out)
{
    mood_db_stmt *st;
    mood_status s = mood__sub_migrate(cat);
    if (s != MOOD_OK)
        return s;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "SELECT " SERVER_COLS " FROM subsonic_servers WHERE name = ?",
                         &st) != MOOD_OK)
        return mood__catalog_error(cat, "subsonic servers");
    mood__db_bind_text(st, 1, name);
    if (mood__db_step_rc(st) == MOOD_DB_ROW)
        read_row(st, out);
    else
        s = mood__error(MOOD_ENOTFOUND, "server '%s': not defined (see `moodscope server list`)",
                        name);
    mood__db_finalize(st);
    return s;
}

mood_status mood_subsonic_server_list(mood_catalog *cat, mood_subsonic_server_info **out,
                                      size_t *out_n)
{
    mood_db_stmt *st;
    size_t n = 0, cap = 0;
    mood_subsonic_server_info *a = NULL;
    mood_status s = mood__sub_migrate(cat);
    *out = NULL;
    *out_n = 0;
    if (s != MOOD_OK)
        return s;
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "SELECT " SERVER_COLS " FROM subsonic_servers ORDER BY name",
                         &st) != MOOD_OK)
        return mood__catalog_error(cat, "subsonic servers");
    while (s == MOOD_OK && mood__db_step_rc(st) == MOOD_DB_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4;
            mood_subsonic_server_info *b = mood__realloc(a, cap * sizeof *a);
            if (!b) {
                s = mood__enomem("subsonic servers");
                break;
            }
            a = b;
        }
        read_row(st, &a[n++]);
    }
    mood__db_finalize(st);
    if (s != MOOD_OK) {
        mood__free(a);
        return s;
    }
    *out = a;
    *out_n = n;
    return MOOD_OK;
}

static mood_status store_server(mood_catalog *cat, const mood_subsonic_server_info *in)
{
    mood_db_stmt *st;
    char now[32];
    mood_status s = MOOD_OK;
    mood__utc_now(now, sizeof now, NULL, 0);
    if (mood__db_prepare(mood__catalog_dbh(cat),
                         "INSERT INTO subsonic_servers(name, url, username, auth, api_version, "
                         "server_type, extensions, added_utc) VALUES(?,?,?,?,?,?,?,?) "
                         "ON CONFLICT(name) DO UPDATE SET url=excluded.url, "
                         "username=excluded.username, auth=excluded.auth, "
                         "api_version=excluded.api_version, server_type=excluded.server_type, "
                         "extensions=excluded.extensions",
                         &st) != MOOD_OK)
        return mood__catalog_error(cat, "store server");
    mood__db_bind_text(st, 1, in->name);
    mood__db_bind_text(st, 2, in->url);
    mood__db_bind_text(st, 3, in->user);
    mood__db_bind_text(st, 4, in->auth);
    mood__db_bind_text(st, 5, in->api_version);
    mood__db_bind_text(st, 6, in->server_type);
    mood__db_bind_text(st, 7, in->extensions);
    mood__db_bind_text(st, 8, now);
    if (mood__db_step_rc(st) != MOOD_DB_DONE)
        s = mood__catalog_error(cat, "store server");
    mood__db_finalize(st);
    return s;
}

mood_status mood_subsonic_server_remove(mood_catalog *cat, const char *name)
{
    static const char *const tables[] = {"subsonic_songs", "subsonic_albums", "subsonic_artists",
                                         "subsonic_playlists"};
    mood_db_stmt *st;
    char sql[128];
    mood_subsonic_server_info info;
    mood_status s = mood_subsonic_server_get(cat, name, &info);
    if (s != MOOD_OK)
        return s;
    for (size_t i = 0; i < sizeof tables / sizeof *tables && s == MOOD_OK; i++) {
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE server = ?", tables[i]);
        if (mood__db_prepare(mood__catalog_dbh(cat), sql, &st) != MOOD_OK)
            return mood__catalog_error(cat, "remove server");
        mood__db_bind_text(st, 1, name);
        if (mood__db_step_rc(st) != MOOD_DB_DONE)
            s = mood__catalog_error(cat, "remove server");
        mood__db_finalize(st);
    }
    if (s == MOOD_OK &&
        mood__db_prepare(mood__catalog_dbh(cat), "DELETE FROM subsonic_servers WHERE name = ?",
                         &st) == MOOD_OK) {
        mood__db_bind_text(st, 1, name);
        if (mood__db_step_rc(st) != MOOD_DB_DONE)
            s = mood__catalog_error(cat, "remove server");
        mood__db_finalize(st);
    }
    return s == MOOD_OK ? cred_set(name, NULL) : s;
}

/* ---- connecting and negotiating ----------------------------------------------------------- */

mood_status mood_subsonic_open(mood_catalog *cat, const char *name, mood_subsonic **out)
{
    mood_subsonic *c = mood__calloc(1, sizeof *c);
    mood_status s;
    *out = NULL;
    if (!c)
        return mood__enomem("subsonic");
    s = mood_subsonic_server_get(cat, name, &c->info);
    if (s == MOOD_OK)
        s = cred_get(name, c->secret, sizeof c->secret);
    if (s != MOOD_OK) {
        mood_subsonic_close(c);
        return s;
    }
    *out = c;
    return MOOD_OK;
}

/* Ping with the current auth; *out_code receives the server's error code (0 when none). */
static mood_status ping(mood_subsonic *c, int *out_code, json_t **out_resp)
{
    json_t *resp = NULL;
    mood_status s = mood__sub_call(c, "ping", NULL, &resp);
    *out_code = 0;
    if (resp && s != MOOD_OK)
        *out_code = (int)mood__sub_jnum(json_object_get(resp, "error"), "code", 0);
    *out_resp = resp;
    return s;
}

mood_status mood_subsonic_ping(mood_subsonic *c)
{
    json_t *resp = NULL;
    int code;
    mood_status s = ping(c, &code, &resp);
    json_decref(resp);
    if (s != MOOD_OK && code == 40)
        s = mood__error(MOOD_EIO, "%s: wrong user name or password (server error 40)",
                        c->info.name);
    return s;
}

/* The OpenSubsonic extensions as "name,name"; absent or failing means none. */
static void read_extensions(mood_subsonic *c)
{
    json_t *resp = NULL, *list;
    size_t i, o = 0;
    json_t *e;
    c->info.extensions[0] = '\0';
    if (mood__sub_call(c, "getOpenSubsonicExtensions", NULL, &resp) != MOOD_OK) {
        json_decref(resp);
        return;
    }
    list = mood__sub_jarray(resp, "openSubsonicExtensions");
    json_array_foreach(list, i, e)
    {
        const char *nm = mood__sub_jstr(e, "name");
        if (nm[0] && o + strlen(nm) + 2 < sizeof c->info.extensions)
            o += (size_t)snprintf(c->info.extensions + o, sizeof c->info.extensions - o, "%s%s",
                                  o ? "," : "", nm);
    }
    json_decref(list);
    json_decref(resp);
}

/*
 * Choose the authentication: token + salt first (API 1.13.0 and later); the password as
 * enc:hex when the server's version is older or it answers that it cannot check tokens (41:
 * token authentication not supported, 42: mechanism not supported, 10: a parameter (p) is
 * missing). Error 40 is a wrong user or password and stops here.
 */
static mood_status negotiate(mood_subsonic *c)
{
    json_t *resp = NULL;
    int code;
    mood_status s = ping(c, &code, &resp);
    const char *version = resp ? mood__sub_jstr(resp, "version") : "";
    snprintf(c->info.api_version, sizeof c->info.api_version, "%s", version);
    if (s != MOOD_OK && strcmp(c->info.auth, "token") == 0 &&
        (code == 41 || code == 42 || code == 10 ||
         (version[0] && !mood__sub_version_at_least(version, "1.13.0")))) {
        json_decref(resp);
        snprintf(c->info.auth, sizeof c->info.auth, "password");
        s = ping(c, &code, &resp);
    }
    if (s == MOOD_OK && json_is_true(json_object_get(resp, "openSubsonic"))) {
        snprintf(c->info.server_type, sizeof c->info.server_type, "%s",
                 mood__sub_jstr(resp, "type"));
        read_extensions(c);
    }
    if (s != MOOD_OK && code == 40)
        s = mood__error(MOOD_EIO, "%s: wrong user name or password (server error 40)",
                        c->info.name);
    json_decref(resp);
    return s;
}

static mood_status normalise_url(const char *url, char *out, size_t cap)
{
    size_t n;
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return mood__error(MOOD_EINVAL, "server URL '%s': expected http://HOST[:PORT][/PATH]",
                           url ? url : "");
    snprintf(out, cap, "%s", url);
    n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
    if (n >= 5 && strcmp(out + n - 5, "/rest") == 0)
        out[n - 5] = '\0';
    return MOOD_OK;
}

mood_status mood_subsonic_server_add(mood_catalog *cat, const char *name, const char *url,
                                     const char *user, const char *secret, int api_key,
                                     mood_subsonic_server_info *out)
{
    mood_subsonic *c;
    mood_status s = check_name(name);
    if (s != MOOD_OK)
        return s;
    if (!secret || !secret[0] || strlen(secret) >= sizeof c->secret)
        return mood__error(MOOD_EINVAL,
                           "server %s: expected a password or API key of 1 to 511 "
                           "bytes",
                           name);
    if (!api_key && (!user || !user[0]))
        return mood__error(MOOD_EINVAL, "server %s: expected a user name (--user)", name);
    s = mood__sub_migrate(cat);
    if (s != MOOD_OK)
        return s;
    c = mood__calloc(1, sizeof *c);
    if (!c)
        return mood__enomem("subsonic");
    snprintf(c->info.name, sizeof c->info.name, "%s", name);
    snprintf(c->info.user, sizeof c->info.user, "%s", user ? user : "");
    snprintf(c->info.auth, sizeof c->info.auth, "%s", api_key ? "apikey" : "token");
    snprintf(c->secret, sizeof c->secret, "%s", secret);
    s = normalise_url(url, c->info.url, sizeof c->info.url);
    if (s == MOOD_OK)
        s = negotiate(c);
    if (s == MOOD_OK)
        s = store_server(cat, &c->info);
    if (s == MOOD_OK)
        s = cred_set(name, secret);
    if (s == MOOD_OK && out)
        *out = c->info;
    mood_subsonic_close(c);
    return s;
}
