/*
 * Decoding through FFmpeg: libavformat demuxes, libavcodec decodes the best audio stream,
 * libswresample interleaves to float (downmixing more than two channels to stereo) at the
 * native rate. Frames are pushed to the analyser as they come, so a file is never held whole.
 */
#include "audio_internal.h"

#include "../core/internal.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tag(AVDictionary *a, AVDictionary *b, const char *key, char *dst, size_t cap)
{
    AVDictionaryEntry *e = av_dict_get(a, key, NULL, 0);
    if (!e)
        e = av_dict_get(b, key, NULL, 0);
    if (e && e->value && !dst[0])
        snprintf(dst, cap, "%s", e->value);
}

static void read_tags(AVFormatContext *fmt, AVStream *st, mood_audio_info *info)
{
    char buf[64] = "";
    tag(fmt->metadata, st->metadata, "title", info->title, sizeof info->title);
    tag(fmt->metadata, st->metadata, "artist", info->artist, sizeof info->artist);
    tag(fmt->metadata, st->metadata, "album_artist", info->artist, sizeof info->artist);
    tag(fmt->metadata, st->metadata, "album", info->album, sizeof info->album);
    tag(fmt->metadata, st->metadata, "genre", info->genre, sizeof info->genre);
    tag(fmt->metadata, st->metadata, "date", buf, sizeof buf);
    tag(fmt->metadata, st->metadata, "year", buf, sizeof buf);
    /* Dates come as "1999", "1999-05-01" or "1999/05": the year is the first 4 digits. */
    if (buf[0] >= '0' && buf[0] <= '9')
        info->year = atoi(buf);
    buf[0] = '\0';
    tag(fmt->metadata, st->metadata, "track", buf, sizeof buf);
    if (buf[0])
        info->track_no = atoi(buf); /* "3/12" reads as 3 */
}

/* Convert the decoded frame to interleaved float and push it; @p conv grows as needed. */
static mood_status push_frame(mood_audio_analyzer *az, SwrContext *swr, AVFrame *fr, float **conv,
                              int *conv_cap, int out_ch)
{
    int want = swr_get_out_samples(swr, fr->nb_samples);
    if (want > *conv_cap) {
        float *p = mood__realloc(*conv, (size_t)want * (size_t)out_ch * sizeof(float));
        if (!p)
            return mood__enomem("decode: conversion buffer");
        *conv = p;
        *conv_cap = want;
    }
    uint8_t *out[1] = {(uint8_t *)*conv};
    int got = swr_convert(swr, out, want, (const uint8_t **)fr->extended_data, fr->nb_samples);
    if (got < 0)
        return mood__error(MOOD_EINTERNAL, "decode: sample conversion failed");
    return mood__frames_push(az, *conv, (size_t)got);
}

/* One file being decoded: FFmpeg's objects and the packet counts. */
typedef struct dec_state {
    const char *path;
    AVFormatContext *fmt;
    AVCodecContext *ctx;
    SwrContext *swr;
    AVPacket *pkt;
    AVFrame *fr;
    AVStream *st;
    float *conv;
    int conv_cap, si, out_ch, read_error;
    long bad_packets, packets;
} dec_state;

/* Open @p path: an http(s) URL (a media server's download endpoint) is streamed by FFmpeg's
 * own protocol straight into the decoder, limited to network protocols; anything else is a
 * file. */
static mood_status dec_open_input(dec_state *d)
{
    char err[AV_ERROR_MAX_STRING_SIZE];
    const char *path = d->path;
    int is_url = strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0;
    AVDictionary *open_opts = NULL;
    FILE *probe = is_url ? NULL : fopen(path, "rb");
    if (!is_url && !probe)
        return mood__error(MOOD_EIO, "%s: %s", path, strerror(errno));
    if (probe)
        fclose(probe);
    if (is_url)
        av_dict_set(&open_opts, "protocol_whitelist", "http,https,tcp,tls", 0);
    int rc = avformat_open_input(&d->fmt, path, NULL, &open_opts);
    av_dict_free(&open_opts);
    if (rc < 0) {
        av_strerror(rc, err, sizeof err);
        return mood__error(MOOD_EFORMAT, "%s: not a readable audio file (%s)", path, err);
    }
    rc = avformat_find_stream_info(d->fmt, NULL);
    if (rc < 0) {
        av_strerror(rc, err, sizeof err);
        return mood__error(MOOD_EFORMAT, "%s: cannot read stream information (%s)", path, err);
    }
    return MOOD_OK;
}

/* The best audio stream and its decoder (single-threaded: parallelism is across files), and
 * what @p info says about it. */
static mood_status dec_open_decoder(dec_state *d, mood_audio_info *info)
{
    char err[AV_ERROR_MAX_STRING_SIZE];
    const AVCodec *codec = NULL;
    AVFormatContext *fmt = d->fmt;
    d->si = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (d->si < 0 || !codec)
        return mood__error(MOOD_EFORMAT, "%s: no decodable audio stream", d->path);
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if ((int)i != d->si)
            fmt->streams[i]->discard = AVDISCARD_ALL; /* cover art, video, subtitles */
    d->st = fmt->streams[d->si];
    d->ctx = avcodec_alloc_context3(codec);
    if (!d->ctx)
        return mood__enomem("decode");
    avcodec_parameters_to_context(d->ctx, d->st->codecpar);
    d->ctx->thread_count = 1;
    int rc = avcodec_open2(d->ctx, codec, NULL);
    if (rc < 0) {
        av_strerror(rc, err, sizeof err);
        return mood__error(MOOD_EFORMAT, "%s: cannot open the %s decoder (%s)", d->path,
                           codec->name, err);
    }
    if (d->ctx->sample_rate < 1000 || d->ctx->ch_layout.nb_channels < 1)
        return mood__error(MOOD_EFORMAT, "%s: stream without sample rate or channels", d->path);
    read_tags(fmt, d->st, info);
    snprintf(info->codec, sizeof info->codec, "%s", codec->name);
    info->sample_rate_hz = d->ctx->sample_rate;
    info->channels = d->ctx->ch_layout.nb_channels;
    info->bitrate_bps = d->st->codecpar->bit_rate ? d->st->codecpar->bit_rate : fmt->bit_rate;
    d->out_ch = info->channels >= 2 ? 2 : 1;
    return MOOD_OK;
}

/* The converter to interleaved float with at most two channels (downmix). */
static mood_status dec_open_converter(dec_state *d, int channels)
{
    AVCodecContext *ctx = d->ctx;
    AVChannelLayout out_layout, in_layout;
    av_channel_layout_default(&out_layout, d->out_ch);
    if (ctx->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_default(&in_layout, ctx->ch_layout.nb_channels);
    else
        av_channel_layout_copy(&in_layout, &ctx->ch_layout);
    int rc = swr_alloc_set_opts2(&d->swr, &out_layout, AV_SAMPLE_FMT_FLT, ctx->sample_rate,
                                 &in_layout, ctx->sample_fmt, ctx->sample_rate, 0, NULL);
    av_channel_layout_uninit(&in_layout);
    if (rc < 0 || !d->swr || swr_init(d->swr) < 0)
        return mood__error(MOOD_EFORMAT, "%s: cannot convert %d-channel %s samples", d->path,
                           channels, av_get_sample_fmt_name(ctx->sample_fmt));
    return MOOD_OK;
}

/* Read, decode and push every packet of the stream; damaged packets are counted, not fatal. */
static mood_status dec_run(mood_audio_analyzer *az, dec_state *d)
{
    int eof = 0, rc;
    mood_status s;
    while (!eof) {
        rc = av_read_frame(d->fmt, d->pkt);
        if (rc == AVERROR_EOF) {
            eof = 1;
            rc = avcodec_send_packet(d->ctx, NULL);
        } else if (rc < 0) {
            /* A read error that is not EOF: the file is cut short or damaged. */
            d->read_error = rc;
            eof = 1;
            rc = avcodec_send_packet(d->ctx, NULL);
        } else {
            if (d->pkt->stream_index != d->si) {
                av_packet_unref(d->pkt);
                continue;
            }
            d->packets++;
            rc = avcodec_send_packet(d->ctx, d->pkt);
            av_packet_unref(d->pkt);
            if (rc < 0 && rc != AVERROR(EAGAIN)) {
                d->bad_packets++;
                continue;
            }
        }
        for (;;) {
            rc = avcodec_receive_frame(d->ctx, d->fr);
            if (rc < 0)
                break;
            s = push_frame(az, d->swr, d->fr, &d->conv, &d->conv_cap, d->out_ch);
            av_frame_unref(d->fr);
            if (s != MOOD_OK)
                return s;
        }
        if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF) {
            d->bad_packets++;
        }
    }
    return MOOD_OK;
}

/* Refuse what decoded badly: mostly damaged packets, a truncated file, under a second. */
static mood_status dec_check(const mood_audio_analyzer *az, const dec_state *d)
{
    char err[AV_ERROR_MAX_STRING_SIZE];
    const AVStream *st = d->st;
    double decoded = (double)az->t.n_in / d->ctx->sample_rate;
    double declared = 0;
    if (st->duration > 0 && st->time_base.den > 0)
        declared = (double)st->duration * av_q2d(st->time_base);
    else if (d->fmt->duration > 0)
        declared = (double)d->fmt->duration / AV_TIME_BASE;
    if (d->packets > 0 && d->bad_packets * 2 > d->packets)
        return mood__error(MOOD_EFORMAT, "%s: %ld of %ld packets could not be decoded", d->path,
                           d->bad_packets, d->packets);
    if (declared > 0 && decoded < 0.9 * declared)
        return mood__error(MOOD_EFORMAT, "%s: truncated: decoded %.1f s of the declared %.1f s",
                           d->path, decoded, declared);
    if (d->read_error && decoded < 1.0) {
        av_strerror(d->read_error, err, sizeof err);
        return mood__error(MOOD_EFORMAT, "%s: read error after %.1f s (%s)", d->path, decoded, err);
    }
    if (decoded < 1.0)
        return mood__error(MOOD_EFORMAT, "%s: only %.2f s of audio (at least 1 s is needed)",
                           d->path, decoded);
    return MOOD_OK;
}

mood_status mood__decode_file(mood_audio_analyzer *az, const char *path, mood_audio_info *info)
{
    dec_state d;
    mood_status s;
    memset(&d, 0, sizeof d);
    d.path = path;
    s = dec_open_input(&d);
    if (s == MOOD_OK)
        s = dec_open_decoder(&d, info);
    if (s == MOOD_OK)
        s = dec_open_converter(&d, info->channels);
    if (s == MOOD_OK)
        s = mood__frames_begin(az, d.ctx->sample_rate, d.out_ch);
    if (s == MOOD_OK) {
        d.pkt = av_packet_alloc();
        d.fr = av_frame_alloc();
        if (!d.pkt || !d.fr)
            s = mood__enomem("decode");
    }
    if (s == MOOD_OK)
        s = dec_run(az, &d);
    if (s == MOOD_OK)
        s = dec_check(az, &d);
    av_frame_free(&d.fr);
    av_packet_free(&d.pkt);
    swr_free(&d.swr);
    avcodec_free_context(&d.ctx);
    avformat_close_input(&d.fmt);
    mood__free(d.conv);
    return s;
}
