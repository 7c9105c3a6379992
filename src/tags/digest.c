/*
 * The audio payload's fingerprint: MD5 over the data of every audio packet, in demuxing
 * order, as FFmpeg's md5 muxer computes it for `ffmpeg -i F -map 0:a -c copy -f md5 -`. Tags,
 * cover art and container framing (Ogg pages, MP4 chunk offsets, ID3 padding) do not enter
 * it, so a tag write must leave it unchanged; mood_tags_write() checks that before it renames.
 */
#include "tags_internal.h"

#include "../core/internal.h"

#include <libavformat/avformat.h>
#include <libavutil/md5.h>

#include <string.h>

/* Mark the audio streams (attached pictures are video streams, so they are left out). */
static int mark_audio(const AVFormatContext *fc, unsigned char *audio)
{
    int any = 0;
    for (unsigned i = 0; i < fc->nb_streams; i++) {
        const AVStream *st = fc->streams[i];
        audio[i] = st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO &&
                   !(st->disposition & AV_DISPOSITION_ATTACHED_PIC);
        any |= audio[i];
    }
    return any;
}

static mood_status hash_packets(AVFormatContext *fc, const unsigned char *audio, const char *path,
                                unsigned char out[16])
{
    struct AVMD5 *md5 = av_md5_alloc();
    AVPacket *pkt = av_packet_alloc();
    mood_status s = MOOD_OK;
    int rc;
    if (!md5 || !pkt) {
        av_free(md5);
        av_packet_free(&pkt);
        return mood__enomem("audio digest");
    }
    av_md5_init(md5);
    for (;;) {
        rc = av_read_frame(fc, pkt);
        if (rc < 0)
            break;
        if ((unsigned)pkt->stream_index < fc->nb_streams && audio[pkt->stream_index])
            av_md5_update(md5, pkt->data, (size_t)pkt->size);
        av_packet_unref(pkt);
    }
    if (rc != AVERROR_EOF) {
        char msg[128];
        av_strerror(rc, msg, sizeof msg);
        s = mood__error(MOOD_EFORMAT, "%s: cannot read the audio: %s", path, msg);
    }
    av_md5_final(md5, out);
    av_free(md5);
    av_packet_free(&pkt);
    return s;
}

mood_status mood_tags_audio_digest(const char *path, unsigned char out[16])
{
    AVFormatContext *fc = NULL;
    char msg[128];
    memset(out, 0, 16);
    int rc = avformat_open_input(&fc, path, NULL, NULL);
    if (rc < 0) {
        av_strerror(rc, msg, sizeof msg);
        return mood__error(MOOD_EFORMAT, "%s: FFmpeg cannot open it: %s", path, msg);
    }
    rc = avformat_find_stream_info(fc, NULL);
    unsigned char *audio = mood__calloc(fc->nb_streams ? fc->nb_streams : 1, 1);
    mood_status s = MOOD_OK;
    if (!audio)
        s = mood__enomem("audio digest");
    else if (rc < 0 || !mark_audio(fc, audio))
        s = mood__error(MOOD_EFORMAT, "%s: no audio stream", path);
    else
        s = hash_packets(fc, audio, path, out);
    mood__free(audio);
    avformat_close_input(&fc);
    return s;
}
