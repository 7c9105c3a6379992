/*
 * Audio in and out for the mix renderer, through FFmpeg: decode any file FFmpeg reads to
 * interleaved float stereo at one sample rate (libswresample converts), and encode float
 * stereo with the encoder the output name's extension implies (.wav PCM 16-bit, .flac, .mp3
 * through LAME). The mix keeps its own small decoder, rather than the analyser's, because it
 * needs the full-band stereo signal the analyser has no reason to keep.
 */
#include "../core/internal.h"
#include "mix_internal.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include <stdio.h>
#include <string.h>

static mood_status av_fail(int err, const char *path, const char *what)
{
    char msg[256];
    av_strerror(err, msg, sizeof msg);
    return mood__error(MOOD_EIO, "%s: %s: %s", path, what, msg);
}

/* Append converted samples to a growing buffer. */
static mood_status push(mood__audio *a, const float *x, size_t frames)
{
    if (a->frames + frames > a->cap) {
        size_t cap = a->cap ? a->cap : 65536;
        float *nb;
        while (cap < a->frames + frames)
            cap *= 2;
        nb = mood__realloc(a->x, cap * 2 * sizeof *nb);
        if (!nb)
            return mood__enomem("decode");
        a->x = nb;
        a->cap = cap;
    }
    memcpy(a->x + a->frames * 2, x, frames * 2 * sizeof *x);
    a->frames += frames;
    return MOOD_OK;
}

void mood__audio_free(mood__audio *a)
{
    mood__free(a->x);
    memset(a, 0, sizeof *a);
}

/* Convert one decoded frame (or flush with frame NULL) and append it. */
static mood_status convert(SwrContext *swr, const AVFrame *f, mood__audio *a)
{
    float buf[8192 * 2];
    uint8_t *out[1] = {(uint8_t *)buf};
    const uint8_t **in = f ? (const uint8_t **)f->extended_data : NULL;
    int n_in = f ? f->nb_samples : 0;
    for (;;) {
        int got = swr_convert(swr, out, 8192, in, n_in);
        mood_status st;
        if (got < 0)
            return mood__error(MOOD_EIO, "decode: resampling failed");
        if (got == 0)
            return MOOD_OK;
        st = push(a, buf, (size_t)got);
        if (st != MOOD_OK)
            return st;
        in = NULL;
        n_in = 0;
    }
}

mood_status mood__audio_decode(const char *path, int rate, mood__audio *out)
{
    AVFormatContext *fmt = NULL;
    AVCodecContext *dec = NULL;
    SwrContext *swr = NULL;
    AVPacket *pkt = NULL;
    AVFrame *frame = NULL;
    AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
    const AVCodec *codec = NULL;
    mood_status st = MOOD_OK;
    int err, stream;
    memset(out, 0, sizeof *out);
    out->rate = rate;
    /* the library never prints: FFmpeg's own messages are off, failures come back as statuses */
    av_log_set_level(AV_LOG_QUIET);
    err = avformat_open_input(&fmt, path, NULL, NULL);
    if (err < 0)
        return av_fail(err, path, "cannot open");
    err = avformat_find_stream_info(fmt, NULL);
    if (err < 0) {
        st = av_fail(err, path, "no stream information");
        goto done;
    }
    stream = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (stream < 0) {
        st = mood__error(MOOD_EFORMAT, "%s: no audio stream", path);
        goto done;
    }
    dec = avcodec_alloc_context3(codec);
    pkt = av_packet_alloc();
    frame = av_frame_alloc();
    if (!dec || !pkt || !frame) {
        st = mood__enomem("decode");
        goto done;
    }
    avcodec_parameters_to_context(dec, fmt->streams[stream]->codecpar);
    err = avcodec_open2(dec, codec, NULL);
    if (err < 0) {
        st = av_fail(err, path, "cannot open the decoder");
        goto done;
    }
    if (dec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_default(&dec->ch_layout, dec->ch_layout.nb_channels);
    err = swr_alloc_set_opts2(&swr, &stereo, AV_SAMPLE_FMT_FLT, rate, &dec->ch_layout,
                              dec->sample_fmt, dec->sample_rate, 0, NULL);
    if (err < 0 || swr_init(swr) < 0) {
        st = mood__error(MOOD_EIO, "%s: cannot convert %d Hz audio", path, dec->sample_rate);
        goto done;
    }
    while (st == MOOD_OK && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == stream && avcodec_send_packet(dec, pkt) >= 0) {
            while (st == MOOD_OK && avcodec_receive_frame(dec, frame) >= 0)
                st = convert(swr, frame, out);
        }
        av_packet_unref(pkt);
    }
    if (st == MOOD_OK) {
        avcodec_send_packet(dec, NULL);
        while (st == MOOD_OK && avcodec_receive_frame(dec, frame) >= 0)
            st = convert(swr, frame, out);
        if (st == MOOD_OK)
            st = convert(swr, NULL, out);
    }
    if (st == MOOD_OK && out->frames == 0)
        st = mood__error(MOOD_EFORMAT, "%s: no audio decoded", path);
done:
    av_frame_free(&frame);
    av_packet_free(&pkt);
    swr_free(&swr);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    if (st != MOOD_OK)
        mood__audio_free(out);
    return st;
}

/* Send one frame (or NULL to flush) and write every packet that comes out. */
static mood_status encode(AVCodecContext *enc, AVFormatContext *fmt, AVStream *st_out,
                          AVFrame *frame, AVPacket *pkt, const char *path)
{
    int err = avcodec_send_frame(enc, frame);
    if (err < 0)
        return av_fail(err, path, "encoding failed");
    for (;;) {
        err = avcodec_receive_packet(enc, pkt);
        if (err < 0)
            break;
        av_packet_rescale_ts(pkt, enc->time_base, st_out->time_base);
        pkt->stream_index = st_out->index;
        err = av_interleaved_write_frame(fmt, pkt);
        if (err < 0)
            return av_fail(err, path, "write failed");
    }
    return err == AVERROR(EAGAIN) || err == AVERROR_EOF ? MOOD_OK
                                                        : av_fail(err, path, "encoding failed");
}

mood_status mood__audio_encode(const mood__audio *a, const char *path)
{
    const AVOutputFormat *ofmt = av_guess_format(NULL, path, NULL);
    AVFormatContext *fmt = NULL;
    AVCodecContext *enc = NULL;
    AVStream *stream;
    SwrContext *swr = NULL;
    AVFrame *frame = NULL;
    AVPacket *pkt = NULL;
    AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
    const AVCodec *codec;
    enum AVCodecID id;
    char tmp[4096];
    const char *ext = strrchr(path, '.');
    mood_status st = MOOD_OK;
    int err, frame_size;
    int64_t pts = 0;
    if (!ofmt || !ext)
        return mood__error(MOOD_EINVAL, "%s: unknown output type (use .wav, .flac or .mp3)", path);
    id = strcmp(ext, ".wav") == 0 ? AV_CODEC_ID_PCM_S16LE : ofmt->audio_codec;
    codec = avcodec_find_encoder(id);
    if (!codec)
        return mood__error(MOOD_EUNSUPPORTED, "%s: FFmpeg has no encoder for this type", path);
    /* written beside the destination and renamed, so a failure leaves no half file */
    snprintf(tmp, sizeof tmp, "%.*s.tmp%s", (int)(ext - path), path, ext);
    err = avformat_alloc_output_context2(&fmt, ofmt, NULL, tmp);
    if (err < 0)
        return av_fail(err, path, "cannot create the output");
    stream = avformat_new_stream(fmt, NULL);
    enc = avcodec_alloc_context3(codec);
    frame = av_frame_alloc();
    pkt = av_packet_alloc();
    if (!stream || !enc || !frame || !pkt) {
        st = mood__enomem("encode");
        goto done;
    }
    enc->sample_rate = a->rate;
    av_channel_layout_copy(&enc->ch_layout, &stereo);
    enc->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_S16;
    if (id == AV_CODEC_ID_MP3)
        enc->bit_rate = 192000;
    enc->time_base = (AVRational){1, a->rate};
    if (fmt->oformat->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    err = avcodec_open2(enc, codec, NULL);
    if (err < 0) {
        st = av_fail(err, path, "cannot open the encoder");
        goto done;
    }
    avcodec_parameters_from_context(stream->codecpar, enc);
    stream->time_base = enc->time_base;
    err = swr_alloc_set_opts2(&swr, &stereo, enc->sample_fmt, a->rate, &stereo, AV_SAMPLE_FMT_FLT,
                              a->rate, 0, NULL);
    if (err < 0 || swr_init(swr) < 0) {
        st = mood__error(MOOD_EIO, "%s: cannot convert samples for the encoder", path);
        goto done;
    }
    err = avio_open(&fmt->pb, tmp, AVIO_FLAG_WRITE);
    if (err < 0) {
        st = av_fail(err, path, "cannot write");
        goto done;
    }
    err = avformat_write_header(fmt, NULL);
    if (err < 0) {
        st = av_fail(err, path, "cannot write the header");
        goto done;
    }
    frame_size = enc->frame_size > 0 ? enc->frame_size : 4096;
    for (size_t pos = 0; pos < a->frames && st == MOOD_OK;) {
        size_t n = MOOD_MIN((size_t)frame_size, a->frames - pos);
        const uint8_t *in[1] = {(const uint8_t *)(a->x + pos * 2)};
        av_frame_unref(frame);
        frame->nb_samples = frame_size;
        frame->format = enc->sample_fmt;
        av_channel_layout_copy(&frame->ch_layout, &stereo);
        frame->sample_rate = a->rate;
        if (av_frame_get_buffer(frame, 0) < 0) {
            st = mood__enomem("encode");
            break;
        }
        /* the last frame of a fixed-size codec is padded with silence */
        av_samples_set_silence(frame->extended_data, 0, frame_size, 2, enc->sample_fmt);
        if (swr_convert(swr, frame->extended_data, frame_size, in, (int)n) < 0) {
            st = mood__error(MOOD_EIO, "%s: sample conversion failed", path);
            break;
        }
        if (enc->frame_size <= 0 || (codec->capabilities & (AV_CODEC_CAP_VARIABLE_FRAME_SIZE |
                                                            AV_CODEC_CAP_SMALL_LAST_FRAME)))
            frame->nb_samples = (int)n;
        frame->pts = pts;
        pts += (int64_t)n;
        st = encode(enc, fmt, stream, frame, pkt, path);
        pos += n;
    }
    if (st == MOOD_OK)
        st = encode(enc, fmt, stream, NULL, pkt, path);
    if (st == MOOD_OK && av_write_trailer(fmt) < 0)
        st = mood__error(MOOD_EIO, "%s: cannot finish the file", path);
done:
    if (fmt && fmt->pb)
        avio_closep(&fmt->pb);
    if (st == MOOD_OK && rename(tmp, path) != 0)
        st = mood__error(MOOD_EIO, "%s: cannot rename the finished file", path);
    if (st != MOOD_OK)
        remove(tmp);
    av_packet_free(&pkt);
    av_frame_free(&frame);
    swr_free(&swr);
    avcodec_free_context(&enc);
    avformat_free_context(fmt);
    return st;
}
