/*
 * The TagLib bridge: reads and writes the moodscope fields through TagLib's C++ classes, one
 * container at a time. TagLib 1.13's C API (tag_c.h) only reaches title, artist, album,
 * comment, genre, year and track, so TBPM, TKEY, TXXX frames, free Vorbis fields and MP4
 * freeform atoms need the C++ API. Each format's own tag object is edited field by field
 * (never through setProperties(), which rewrites the whole tag from a map and can drop frames
 * it does not understand), so everything moodscope does not write stays as it was.
 */
#include "tags_internal.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <taglib/flacfile.h>
#include <taglib/id3v2tag.h>
#include <taglib/mp4atom.h>
#include <taglib/mp4file.h>
#include <taglib/mp4tag.h>
#include <taglib/mpegfile.h>
#include <taglib/opusfile.h>
#include <taglib/textidentificationframe.h>
#include <taglib/tfilestream.h>
#include <taglib/vorbisfile.h>
#include <taglib/xiphcomment.h>

namespace
{

/* ID3v2 frame per field: a text frame id, or a TXXX description when the id is "TXXX". */
struct id3_field {
    const char *frame;
    const char *description;
};
const id3_field id3_fields[MOOD_TAG_FIELD_COUNT] = {
    {"TBPM", nullptr},
    {"TKEY", nullptr},
    {"TMOO", nullptr},
    {"TXXX", "MOODSCOPE_MOOD"},
    {"TXXX", "MOODSCOPE_ENERGY"},
    {"TXXX", "MOODSCOPE_VALENCE"},
};

/* MP4 item per field (BPM is the integer atom tmpo, the others iTunes freeform atoms). */
const char *const mp4_fields[MOOD_TAG_FIELD_COUNT] = {
    "tmpo",
    "----:com.apple.iTunes:initialkey",
    "----:com.apple.iTunes:MOOD",
    "----:com.apple.iTunes:MOODSCOPE_MOOD",
    "----:com.apple.iTunes:MOODSCOPE_ENERGY",
    "----:com.apple.iTunes:MOODSCOPE_VALENCE",
};

void put(char *dst, const TagLib::String &s)
{
    std::snprintf(dst, MOOD_TAG_VALUE_MAX, "%s", s.to8Bit(true).c_str());
}

void set_err(char *err, size_t cap, const char *msg)
{
    if (err && cap)
        std::snprintf(err, cap, "%s", msg);
}

TagLib::String utf8(const char *s)
{
    return TagLib::String(s, TagLib::String::UTF8);
}

/* ---- ID3v2 (MP3) ---------------------------------------------------------------------- */

void id3_read(TagLib::ID3v2::Tag *t, mood_tag_set *out)
{
    if (!t)
        return;
    for (int f = 0; f < MOOD_TAG_FIELD_COUNT; f++) {
        const id3_field &d = id3_fields[f];
        if (d.description) {
            TagLib::ID3v2::UserTextIdentificationFrame *fr =
                TagLib::ID3v2::UserTextIdentificationFrame::find(t, d.description);
            if (fr && fr->fieldList().size() > 1)
                put(out->value[f], fr->fieldList()[1]);
            continue;
        }
        TagLib::ID3v2::FrameListMap::ConstIterator it = t->frameListMap().find(d.frame);
        if (it != t->frameListMap().end() && !it->second.isEmpty())
            put(out->value[f], it->second.front()->toString());
    }
}

/* Edit the frame in place when it exists, so that its position and encoding stay. */
void id3_set(TagLib::ID3v2::Tag *t, const id3_field &d, const char *value)
{
    if (d.description) {
        TagLib::ID3v2::UserTextIdentificationFrame *fr =
            TagLib::ID3v2::UserTextIdentificationFrame::find(t, d.description);
        if (!fr) {
            fr = new TagLib::ID3v2::UserTextIdentificationFrame(TagLib::String::UTF8);
            fr->setDescription(d.description);
            t->addFrame(fr);
        }
        fr->setText(utf8(value));
        return;
    }
    TagLib::ID3v2::FrameListMap::ConstIterator it = t->frameListMap().find(d.frame);
    if (it != t->frameListMap().end() && !it->second.isEmpty()) {
        it->second.front()->setText(utf8(value));
        return;
    }
    TagLib::ID3v2::TextIdentificationFrame *fr =
        new TagLib::ID3v2::TextIdentificationFrame(d.frame, TagLib::String::UTF8);
    fr->setText(utf8(value));
    t->addFrame(fr);
}

int mp3_io(TagLib::IOStream *path, mood_tag_set *out, const mood_tag_set *in, char *err, size_t cap)
{
    TagLib::MPEG::File f(path, TagLib::ID3v2::FrameFactory::instance(), false);
    if (!f.isValid()) {
        set_err(err, cap, "not a valid MPEG audio file");
        return MOOD__TAGLIB_INVALID;
    }
    if (out) {
        id3_read(f.hasID3v2Tag() ? f.ID3v2Tag(false) : nullptr, out);
        return MOOD__TAGLIB_OK;
    }
    if (!in)
        return MOOD__TAGLIB_OK;
    TagLib::ID3v2::Tag *t = f.ID3v2Tag(true);
    for (int i = 0; i < MOOD_TAG_FIELD_COUNT; i++)
        if (in->value[i][0])
            id3_set(t, id3_fields[i], in->value[i]);
    /* Only the ID3v2 tag is saved; ID3v1 and APE tags stay as they are, nothing is copied. */
    if (!f.save(TagLib::MPEG::File::ID3v2, TagLib::File::StripNone, TagLib::ID3v2::v4,
                TagLib::File::DoNotDuplicate)) {
        set_err(err, cap, "TagLib could not save the ID3v2 tag");
        return MOOD__TAGLIB_SAVE;
    }
    return MOOD__TAGLIB_OK;
}

/* ---- Vorbis comments (FLAC, Ogg Vorbis, Opus) ---------------------------------------- */

void xiph_read(TagLib::Ogg::XiphComment *x, mood_tag_set *out)
{
    if (!x)
        return;
    const TagLib::Ogg::FieldListMap &m = x->fieldListMap();
    for (int f = 0; f < MOOD_TAG_FIELD_COUNT; f++) {
        TagLib::Ogg::FieldListMap::ConstIterator it =
            m.find(mood_tag_field_name(static_cast<mood_tag_field>(f)));
        if (it != m.end() && !it->second.isEmpty())
            put(out->value[f], it->second.front());
    }
}

void xiph_write(TagLib::Ogg::XiphComment *x, const mood_tag_set *in)
{
    for (int f = 0; f < MOOD_TAG_FIELD_COUNT; f++)
        if (in->value[f][0])
            x->addField(mood_tag_field_name(static_cast<mood_tag_field>(f)), utf8(in->value[f]),
                        true);
}

/* Ogg Vorbis and Opus share everything but the class. */
template <class F>
int ogg_io(TagLib::IOStream *path, mood_tag_set *out, const mood_tag_set *in, char *err, size_t cap)
{
    F f(path, false);
    if (!f.isValid() || !f.tag()) {
        set_err(err, cap, "not a valid Ogg stream");
        return MOOD__TAGLIB_INVALID;
    }
    if (out) {
        xiph_read(f.tag(), out);
        return MOOD__TAGLIB_OK;
    }
    if (!in)
        return MOOD__TAGLIB_OK;
    xiph_write(f.tag(), in);
    if (!f.save()) {
        set_err(err, cap, "TagLib could not save the Vorbis comment");
        return MOOD__TAGLIB_SAVE;
    }
    return MOOD__TAGLIB_OK;
}

int flac_io(TagLib::IOStream *path, mood_tag_set *out, const mood_tag_set *in, char *err,
            size_t cap)
{
    TagLib::FLAC::File f(path, TagLib::ID3v2::FrameFactory::instance(), false);
    if (!f.isValid()) {
        set_err(err, cap, "not a valid FLAC file");
        return MOOD__TAGLIB_INVALID;
    }
    if (out) {
        xiph_read(f.hasXiphComment() ? f.xiphComment(false) : nullptr, out);
        return MOOD__TAGLIB_OK;
    }
    if (!in)
        return MOOD__TAGLIB_OK;
    xiph_write(f.xiphComment(true), in);
    if (!f.save()) {
        set_err(err, cap, "TagLib could not save the Vorbis comment");
        return MOOD__TAGLIB_SAVE;
    }
    return MOOD__TAGLIB_OK;
}

/* ---- MP4 atoms --------------------------------------------------------------------------- */

void mp4_read(TagLib::MP4::Tag *t, mood_tag_set *out)
{
    for (int f = 0; f < MOOD_TAG_FIELD_COUNT; f++) {
        if (!t->contains(mp4_fields[f]))
            continue;
        TagLib::MP4::Item it = t->item(mp4_fields[f]);
        if (f == MOOD_TAG_BPM)
            std::snprintf(out->value[f], MOOD_TAG_VALUE_MAX, "%d", it.toInt());
        else if (!it.toStringList().isEmpty())
            put(out->value[f], it.toStringList().front());
    }
}

void mp4_write(TagLib::MP4::Tag *t, const mood_tag_set *in)
{
    for (int f = 0; f < MOOD_TAG_FIELD_COUNT; f++) {
        if (!in->value[f][0])
            continue;
        if (f == MOOD_TAG_BPM)
            t->setItem(mp4_fields[f], TagLib::MP4::Item(std::atoi(in->value[f])));
        else
            t->setItem(mp4_fields[f], TagLib::MP4::Item(TagLib::StringList(utf8(in->value[f]))));
    }
}

int mp4_io(TagLib::IOStream *path, mood_tag_set *out, const mood_tag_set *in, char *err, size_t cap)
{
    TagLib::MP4::File f(path, false);
    if (!f.isValid() || !f.tag()) {
        set_err(err, cap, "not a valid MP4 file");
        return MOOD__TAGLIB_INVALID;
    }
    if (out) {
        mp4_read(f.tag(), out);
        return MOOD__TAGLIB_OK;
    }
    /* QuickTime-style metadata (ffmpeg -movflags use_metadata_tags: an ilst indexed by a keys
     * atom) is dropped by TagLib 1.13 when it rewrites the ilst, so such files are refused. */
    TagLib::MP4::Atoms atoms(&f);
    if (atoms.find("moov", "udta", "meta", "keys")) {
        set_err(err, cap,
                "QuickTime 'mdta' metadata (a keys atom) that TagLib would drop; not supported");
        return MOOD__TAGLIB_UNSUPPORTED;
    }
    if (!in)
        return MOOD__TAGLIB_OK; /* only the check was asked for */
    mp4_write(f.tag(), in);
    if (!f.save()) {
        set_err(err, cap, "TagLib could not save the MP4 atoms");
        return MOOD__TAGLIB_SAVE;
    }
    return MOOD__TAGLIB_OK;
}

int dispatch(TagLib::IOStream *path, mood_tag_format fmt, mood_tag_set *out, const mood_tag_set *in,
             char *err, size_t cap)
{
    switch (fmt) {
    case MOOD_TAG_FORMAT_MP3:
        return mp3_io(path, out, in, err, cap);
    case MOOD_TAG_FORMAT_FLAC:
        return flac_io(path, out, in, err, cap);
    case MOOD_TAG_FORMAT_OGG_VORBIS:
        return ogg_io<TagLib::Ogg::Vorbis::File>(path, out, in, err, cap);
    case MOOD_TAG_FORMAT_OPUS:
        return ogg_io<TagLib::Ogg::Opus::File>(path, out, in, err, cap);
    case MOOD_TAG_FORMAT_MP4:
        return mp4_io(path, out, in, err, cap);
    default:
        set_err(err, cap, "unsupported container");
        return MOOD__TAGLIB_INVALID;
    }
}

int guarded(TagLib::IOStream *path, mood_tag_format fmt, mood_tag_set *out, const mood_tag_set *in,
            char *err, size_t cap)
{
    try {
        return dispatch(path, fmt, out, in, err, cap);
    } catch (const std::bad_alloc &) {
        set_err(err, cap, "out of memory");
        return MOOD__TAGLIB_NOMEM;
    } catch (...) {
        set_err(err, cap, "TagLib failed");
        return MOOD__TAGLIB_INVALID;
    }
}

} // namespace

extern "C" int mood__open_noatime(const char *path)
{
    /* O_NOATIME is refused (EPERM) on files of other users: then read normally. */
    int fd = open(path, O_RDONLY | O_NOATIME | O_CLOEXEC);
    if (fd < 0 && errno == EPERM)
        fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd;
}

/* Reading goes through a descriptor opened with O_NOATIME, so that a dry run leaves even the
 * access time of the files as it was. */
extern "C" int mood__taglib_read(const char *path, mood_tag_format fmt, mood_tag_set *out,
                                 char *err, size_t cap)
{
    std::memset(out, 0, sizeof *out);
    int fd = mood__open_noatime(path);
    if (fd < 0) {
        set_err(err, cap, std::strerror(errno));
        return MOOD__TAGLIB_OPEN;
    }
    try {
        TagLib::FileStream stream(fd, true);
        if (!stream.isOpen()) {
            close(fd);
            set_err(err, cap, "cannot open");
            return MOOD__TAGLIB_OPEN;
        }
        return guarded(&stream, fmt, out, nullptr, err, cap);
    } catch (...) {
        set_err(err, cap, "out of memory");
        return MOOD__TAGLIB_NOMEM;
    }
}

extern "C" int mood__taglib_write(const char *path, mood_tag_format fmt,
                                  const mood_tag_set *changes, char *err, size_t cap)
{
    if (!changes) { /* a check reads only: like mood__taglib_read, without touching atime */
        int fd = mood__open_noatime(path);
        if (fd < 0) {
            set_err(err, cap, std::strerror(errno));
            return MOOD__TAGLIB_OPEN;
        }
        try {
            TagLib::FileStream stream(fd, true);
            return guarded(&stream, fmt, nullptr, nullptr, err, cap);
        } catch (...) {
            set_err(err, cap, "out of memory");
            return MOOD__TAGLIB_NOMEM;
        }
    }
    try {
        TagLib::FileStream stream(path, false);
        if (!stream.isOpen() || stream.readOnly()) {
            set_err(err, cap, "cannot open for writing");
            return MOOD__TAGLIB_OPEN;
        }
        return guarded(&stream, fmt, nullptr, changes, err, cap);
    } catch (...) {
        set_err(err, cap, "out of memory");
        return MOOD__TAGLIB_NOMEM;
    }
}
