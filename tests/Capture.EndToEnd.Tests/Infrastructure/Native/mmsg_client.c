/*
 * A client for the end-to-end tests (NativeClient.cs): sends two pipelined GETs to 127.0.0.1:PORT
 * with ONE sendmmsg (the second message in two iovecs, the second request says Connection: close),
 * then reads the answers with recvmmsg (4 messages of 64 bytes, MSG_WAITFORONE) until the server
 * closes, and writes them to OUT.   usage: mmsg_client PORT PATH1 PATH2 OUT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	int port = atoi(argv[1]);
	FILE *out = fopen(argv[4], "wb");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!out || fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		perror("mmsg_client: connect");
		return 1;
	}
	char first[512], second_head[512], second_tail[] = "Connection: close\r\n\r\n";
	snprintf(first, sizeof(first), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", argv[2], port);
	snprintf(second_head, sizeof(second_head), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n", argv[3], port);
	struct iovec one[1] = { { first, strlen(first) } };
	struct iovec two[2] = { { second_head, strlen(second_head) }, { second_tail, strlen(second_tail) } };
	struct mmsghdr sent[2];
	memset(sent, 0, sizeof(sent));
	sent[0].msg_hdr.msg_iov = one;
	sent[0].msg_hdr.msg_iovlen = 1;
	sent[1].msg_hdr.msg_iov = two;
	sent[1].msg_hdr.msg_iovlen = 2;
	int n = sendmmsg(fd, sent, 2, 0);
	if (n != 2) {
		fprintf(stderr, "mmsg_client: sendmmsg sent %d messages\n", n);
		return 1;
	}
	char buffers[4][64];
	for (;;) {
		struct iovec parts[4];
		struct mmsghdr got[4];
		memset(got, 0, sizeof(got));
		for (int i = 0; i < 4; i++) {
			parts[i].iov_base = buffers[i];
			parts[i].iov_len = sizeof(buffers[i]);
			got[i].msg_hdr.msg_iov = &parts[i];
			got[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, got, 4, MSG_WAITFORONE, NULL);
		if (n < 0) {
			perror("mmsg_client: recvmmsg");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (got[i].msg_len == 0)
				goto done; /* the server closed */
			fwrite(buffers[i], 1, got[i].msg_len, out);
		}
	}
done:
	fclose(out);
	close(fd);
	return 0;
}
