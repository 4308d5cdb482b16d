/*
 * A client for the end-to-end tests (NativeClient.cs): sends GET PATH1 with write() and reads its
 * answer with read(); then sends GET PATH2 (Connection: close) through io_uring (IORING_OP_SEND,
 * raw syscalls: no liburing) and reads its answer with read() until the server closes. Writes both
 * answers to OUT.   usage: uring_client PORT PATH1 PATH2 OUT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int uring_send(int fd, const char *buf, unsigned len)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	int ring = syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0) {
		perror("uring_client: io_uring_setup");
		return -1;
	}
	char *sq = mmap(0, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	char *cq = mmap(0, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		perror("uring_client: mmap");
		return -1;
	}
	unsigned *sq_tail = (unsigned *)(sq + p.sq_off.tail), *sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	unsigned *sq_array = (unsigned *)(sq + p.sq_off.array);
	unsigned tail = *sq_tail, index = tail & *sq_mask;
	struct io_uring_sqe *sqe = &sqes[index];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_SEND;
	sqe->fd = fd;
	sqe->addr = (unsigned long)buf;
	sqe->len = len;
	sqe->user_data = 1;
	sq_array[index] = index;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
		perror("uring_client: io_uring_enter");
		return -1;
	}
	unsigned *cq_head = (unsigned *)(cq + p.cq_off.head), *cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	int res = cqes[*cq_head & *cq_mask].res;
	__atomic_store_n(cq_head, *cq_head + 1, __ATOMIC_RELEASE);
	close(ring);
	return res;
}

/* Reads one answer with Content-Length into out; returns 0 when whole. */
static int read_answer(int fd, FILE *out)
{
	static char buf[1 << 16];
	size_t have = 0;
	char *end = NULL;
	while (!end) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have - 1);
		if (n <= 0)
			return -1;
		have += n;
		buf[have] = 0;
		end = strstr(buf, "\r\n\r\n");
	}
	char *length = strcasestr(buf, "Content-Length:");
	size_t want = (end + 4 - buf) + (length ? strtoul(length + 15, NULL, 10) : 0);
	while (have < want) {
		ssize_t n = read(fd, buf + have, want - have);
		if (n <= 0)
			return -1;
		have += n;
	}
	fwrite(buf, 1, have, out);
	return 0;
}

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
		perror("uring_client: connect");
		return 1;
	}
	char request[512];
	int len = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", argv[2], port);
	if (write(fd, request, len) != len || read_answer(fd, out) != 0) {
		fprintf(stderr, "uring_client: the first exchange failed\n");
		return 1;
	}
	len = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", argv[3], port);
	int sent = uring_send(fd, request, len);
	if (sent != len) {
		fprintf(stderr, "uring_client: io_uring sent %d of %d bytes\n", sent, len);
		return 1;
	}
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, out);
	fclose(out);
	close(fd);
	return 0;
}
