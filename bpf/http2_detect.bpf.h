/* HTTP/2 recognised from a server's first bytes (included by capture.bpf.c). */
#ifndef CAPTURE_HTTP2_DETECT_BPF_H
#define CAPTURE_HTTP2_DETECT_BPF_H

/*
 * An HTTP/2 server's connection preface is a SETTINGS frame (RFC 9113 section 3.4), and a server
 * may send it before it reads the client's preface: nginx does as soon as the TLS handshake ends,
 * so the first plaintext of an h2 connection at nginx is this frame, not "PRI * HT". The first 8
 * octets of a frame header are a 24-bit length, the type (4, SETTINGS), the flags (0: not an ACK)
 * and the first 3 octets of the stream id (0 for SETTINGS). A length that is a multiple of 6 (one
 * setting is 6 octets) and at most 16 KiB (the smallest SETTINGS_MAX_FRAME_SIZE) completes the
 * test: an HTTP/1 start line or a TLS record never looks like this. The user-space traffic layer
 * checks the whole frame sequence again before it decodes the connection as HTTP/2.
 */
static __always_inline bool is_http2_server_preface(__u64 w)
{
	__u32 length = (__u32)(w & 0xff) << 16 | (__u32)((w >> 8) & 0xff) << 8 | (__u32)((w >> 16) & 0xff);
	__u8 type = (w >> 24) & 0xff;
	__u8 flags = (w >> 32) & 0xff;
	__u32 stream_high = (__u32)(w >> 40) & 0xffffff;
	return type == 0x4 && flags == 0 && stream_high == 0 && length % 6 == 0 && length <= 16384;
}

#endif
