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

/* Seek to @p t_s seconds of stream @p st (to the frame at or before it) and drop what the
 * decoder holds; a failed seek leaves the position where it was (the windows are then reached
 * by decoding forward and dropping frames). */
static void seek_to(AVFormatContext *fmt, AVStream *st, int si, AVCodecContext *ctx, double t_s)
{
    int64_t ts = (int64_t)(t_s / av_q2d(st->time_base));
    if (st->start_time != AV_NOPTS_VALUE)
        ts += st->start_time;
    av_seek_frame(fmt, si, ts, AVSEEK_FLAG_BACKWARD);
    avcodec_flush_buffers(ctx);
}

/* Seconds from the start of the stream of frame @p fr; -1 without a timestamp. */
static double frame_time_s(const AVStream *st, const AVFrame *fr)
{
    int64_t ts = fr->best_effort_timestamp;
    if (ts == AV_NOPTS_VALUE)
        return -1;
    if (st->start_time != AV_NOPTS_VALUE)
        ts -= st->start_time;
    return (double)ts * av_q2d(st->time_base);
}

/* After the last packet: too many bad packets, a truncated file, a read error or less than
 * a second of audio is an error naming @p path. */
static mood_status check_decoded(const char *path, double decoded, double declared, long packets,
                                 long bad_packets, int read_error)
{
    char err[AV_ERROR_MAX_STRING_SIZE];
    if (packets > 0 && bad_packets * 2 > packets)
        return mood__error(MOOD_EFORMAT, "%s: %ld of %ld packets could not be decoded", path,
                           bad_packets, packets);
    if (declared > 0 && decoded < 0.9 * declared)
        return mood__error(MOOD_EFORMAT, "%s: truncated: decoded %.1f s of the declared %.1f s",
                           path, decoded, declared);
    if (read_error && decoded < 1.0) {
        av_strerror(read_error, err, sizeof err);
        return mood__error(MOOD_EFORMAT, "%s: read error after %.1f s (%s)", path, decoded, err);
    }
    if (decoded < 1.0)
        return mood__error(MOOD_EFORMAT, "%s: only %.2f s of audio (at least 1 s is needed)", path,
                           decoded);
    return MOOD_OK;
}

/* Open @p path: an http(s) URL (a media server's download endpoint) is streamed by FFmpeg's
 * own protocol straight into the decoder, limited to network protocols; anything else is a
 * file. */
static mood_status open_input(const char *path, AVFormatContext **fmt)
{
    char err[AV_ERROR_MAX_STRING_SIZE];
    int is_url = strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0;
    AVDictionary *open_opts = NULL;
    FILE *probe = is_url ? NULL : fopen(path, "rb");
    if (!is_url && !probe)
        return mood__error(MOOD_EIO, "%s: %s", path, strerror(errno));
    if (probe)
        fclose(probe);
    if (is_url)
        av_dict_set(&open_opts, "protocol_whitelist", "http,https,tcp,tls", 0);
    int rc = avformat_open_input(fmt, path, NULL, &open_opts);
    av_dict_free(&open_opts);
    if (rc < 0) {
        av_strerror(rc, err, sizeof err);
        return mood__error(MOOD_EFORMAT, "%s: not a readable audio file (%s)", path, err);
    }
    return MOOD_OK;
}

/* The converter from the decoder's samples to interleaved float, @p out_ch channels. */
static mood_status open_resampler(const char *path, const AVCodecContext *ctx, int out_ch,
                                  SwrContext **swr)
{
    AVChannelLayout out_layout, in_layout;
    av_channel_layout_default(&out_layout, out_ch);
    if (ctx->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_default(&in_layout, ctx->ch_layout.nb_channels);
    else
        av_channel_layout_copy(&in_layout, &ctx->ch_layout);
    int rc = swr_alloc_set_opts2(swr, &out_layout, AV_SAMPLE_FMT_FLT, ctx->sample_rate, &in_layout,
                                 ctx->sample_fmt, ctx->sample_rate, 0, NULL);
    av_channel_layout_uninit(&in_layout);
    if (rc < 0 || !*swr || swr_init(*swr) < 0)
        return mood__error(MOOD_EFORMAT, "%s: cannot convert %d-channel %s samples", path,
                           ctx->ch_layout.nb_channels, av_get_sample_fmt_name(ctx->sample_fmt));
    return MOOD_OK;
}

/* The duration the container declares for stream @p st (s), 0 when it declares none. */
static double declared_duration(const AVFormatContext *fmt, const AVStream *st)
{
    if (st->duration > 0 && st->time_base.den > 0)
        return (double)st->duration * av_q2d(st->time_base);
    if (fmt->duration > 0)
        return (double)fmt->duration / AV_TIME_BASE;
    return 0;
}

/* The best audio stream of @p fmt (the others discarded) and its opened decoder. */
static mood_status open_decoder(const char *path, AVFormatContext *fmt, int *out_si,
                                const AVCodec **codec, AVCodecContext **ctx)
{
    char err[AV_ERROR_MAX_STRING_SIZE];
    int si = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, codec, 0);
    if (si < 0 || !*codec)
        return mood__error(MOOD_EFORMAT, "%s: no decodable audio stream", path);
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if ((int)i != si)
            fmt->streams[i]->discard = AVDISCARD_ALL; /* cover art, video, subtitles */
    *out_si = si;
    *ctx = avcodec_alloc_context3(*codec);
    if (!*ctx)
        return mood__enomem("decode");
    avcodec_parameters_to_context(*ctx, fmt->streams[si]->codecpar);
    (*ctx)->thread_count = 1; /* parallelism is across files */
    int rc = avcodec_open2(*ctx, *codec, NULL);
    if (rc < 0) {
        av_strerror(rc, err, sizeof err);
        return mood__error(MOOD_EFORMAT, "%s: cannot open the %s decoder (%s)", path,
                           (*codec)->name, err);
    }
    if ((*ctx)->sample_rate < 1000 || (*ctx)->ch_layout.nb_channels < 1)
        return mood__error(MOOD_EFORMAT, "%s: stream without sample rate or channels", path);
    return MOOD_OK;
}

mood_status mood__decode_file(mood_audio_analyzer *az, const char *path, mood_audio_info *info)
{
    return mood__decode_file_sampled(az, path, info, NULL);
}

mood_status mood__decode_file_sampled(mood_audio_analyzer *az, const char *path,
                                      mood_audio_info *info, an_sample *sm)
{
    AVFormatContext *fmt = NULL;
    AVCodecContext *ctx = NULL;
    SwrContext *swr = NULL;
    AVPacket *pkt = NULL;
    AVFrame *fr = NULL;
    float *conv = NULL;
    int conv_cap = 0, rc, si = -1, out_ch;
    long bad_packets = 0, packets = 0;
    const AVCodec *codec = NULL;
    char err[AV_ERROR_MAX_STRING_SIZE];
    mood_status s = MOOD_OK;
    if ((s = open_input(path, &fmt)) != MOOD_OK)
        return s;
    if ((rc = avformat_find_stream_info(fmt, NULL)) < 0) {
        av_strerror(rc, err, sizeof err);
        s = mood__error(MOOD_EFORMAT, "%s: cannot read stream information (%s)", path, err);
        goto done;
    }
    if ((s = open_decoder(path, fmt, &si, &codec, &ctx)) != MOOD_OK)
        goto done;
    AVStream *st = fmt->streams[si];
    read_tags(fmt, st, info);
    snprintf(info->codec, sizeof info->codec, "%s", codec->name);
    info->sample_rate_hz = ctx->sample_rate;
    info->channels = ctx->ch_layout.nb_channels;
    info->bitrate_bps = st->codecpar->bit_rate ? st->codecpar->bit_rate : fmt->bit_rate;
    out_ch = info->channels >= 2 ? 2 : 1;
    if ((s = open_resampler(path, ctx, out_ch, &swr)) != MOOD_OK)
        goto done;
    if ((s = mood__frames_begin(az, ctx->sample_rate, out_ch)) != MOOD_OK)
        goto done;
    double declared = declared_duration(fmt, st);
    if (sm) {
        mood__sample_plan(sm, declared);
        if (!sm->active)
            sm = NULL; /* not longer than the windows: the whole file */
        else
            seek_to(fmt, st, si, ctx, sm->w[0].start_s);
    }
    pkt = av_packet_alloc();
    fr = av_frame_alloc();
    if (!pkt || !fr) {
        s = mood__enomem("decode");
        goto done;
    }
    int eof = 0, read_error = 0;
    while (!eof) {
        rc = av_read_frame(fmt, pkt);
        if (rc == AVERROR_EOF) {
            eof = 1;
            rc = avcodec_send_packet(ctx, NULL);
        } else if (rc < 0) {
            /* A read error that is not EOF: the file is cut short or damaged. */
            read_error = rc;
            eof = 1;
            rc = avcodec_send_packet(ctx, NULL);
        } else {
            if (pkt->stream_index != si) {
                av_packet_unref(pkt);
                continue;
            }
            packets++;
            rc = avcodec_send_packet(ctx, pkt);
            av_packet_unref(pkt);
            if (rc < 0 && rc != AVERROR(EAGAIN)) {
                bad_packets++;
                continue;
            }
        }
        while ((rc = avcodec_receive_frame(ctx, fr)) >= 0) {
            int take = sm ? mood__sample_take(sm, frame_time_s(st, fr),
                                              (double)fr->nb_samples / ctx->sample_rate)
                          : 1;
            if (take == 1 || take == 2)
                s = push_frame(az, swr, fr, &conv, &conv_cap, out_ch);
            av_frame_unref(fr);
            if (s != MOOD_OK)
                goto done;
            if (take >= 2)
                break;
        }
        if (rc < 0 && rc != AVERROR(EAGAIN) && rc != AVERROR_EOF) {
            bad_packets++;
        }
        if (sm && sm->done)
            break;
        if (sm && sm->need_seek) {
            sm->need_seek = 0;
            seek_to(fmt, st, si, ctx, sm->w[sm->cur].start_s);
        }
    }
    double decoded = (double)az->t.n_in / ctx->sample_rate;
    if (sm)
        declared = (double)sm->n * sm->win_s; /* what the windows should have given */
    s = check_decoded(path, decoded, declared, packets, bad_packets, read_error);
done:
    av_frame_free(&fr);
    av_packet_free(&pkt);
    swr_free(&swr);
    avcodec_free_context(&ctx);
    avformat_close_input(&fmt);
    mood__free(conv);
    return s;
}
