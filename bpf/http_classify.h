/* SPDX-License-Identifier: MIT */
/*
 * What counts as the start of HTTP in the kernel: the first 8 bytes of a call, as one little-endian
 * word. Plain C with no kernel dependency, so that tests/Capture.Recorder.Tests compiles it and checks
 * that the recorder's request counting (recorder/HttpStart.cs) agrees with it.
 */
#ifndef CAPTURE_HTTP_CLASSIFY_H
#define CAPTURE_HTTP_CLASSIFY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

enum http_start {
	HTTP_NONE = 0,
	HTTP_REQUEST = 1,
	HTTP_RESPONSE = 2,
};

/* Little-endian words of the first bytes, so each token is one compare. */
#define W4(a, b, c, d) ((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)
#define W8(a, b, c, d, e, f, g, h) ((__u64)W4(a, b, c, d) | (__u64)W4(e, f, g, h) << 32)
#define MASK(n) ((n) == 8 ? ~0ULL : ((1ULL << ((n) * 8)) - 1))

static __always_inline int classify_http(__u64 w)
{
	__u32 w4 = (__u32)w;
	if (w4 == W4('G', 'E', 'T', ' ') || w4 == W4('P', 'U', 'T', ' ') ||
	    (w & MASK(5)) == W8('P', 'O', 'S', 'T', ' ', 0, 0, 0) ||
	    (w & MASK(5)) == W8('H', 'E', 'A', 'D', ' ', 0, 0, 0) ||
	    (w & MASK(6)) == W8('P', 'A', 'T', 'C', 'H', ' ', 0, 0) ||
	    (w & MASK(6)) == W8('T', 'R', 'A', 'C', 'E', ' ', 0, 0) ||
	    (w & MASK(7)) == W8('D', 'E', 'L', 'E', 'T', 'E', ' ', 0) ||
	    w == W8('O', 'P', 'T', 'I', 'O', 'N', 'S', ' ') ||
	    w == W8('C', 'O', 'N', 'N', 'E', 'C', 'T', ' ') ||
	    /* HTTP/2's client connection preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"): h2c with prior
	     * knowledge, and h2 inside TLS once ALPN chose it. */
	    w == W8('P', 'R', 'I', ' ', '*', ' ', 'H', 'T'))
		return HTTP_REQUEST;
	if ((w & MASK(7)) == W8('H', 'T', 'T', 'P', '/', '1', '.', 0))
		return HTTP_RESPONSE;
	return HTTP_NONE;
}

#endif /* CAPTURE_HTTP_CLASSIFY_H */
