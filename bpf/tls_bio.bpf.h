/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS stacks that drive OpenSSL over memory BIOs (.NET's SslStream, Node's NodeBIO): SSL_read and
 * SSL_write make no socket call, so the socket an SSL object uses is learned from the ciphertext
 * instead. OpenSSL hands every record it produces to the SSL object's write BIO with BIO_write
 * (directly, or inside SSL_write); the process then sends those same bytes on the socket. So the
 * first bytes of each record written are kept, keyed by (process, bytes), and the next socket send
 * of that process that starts with them links the SSL object to the socket. Ciphertext is random:
 * BIO_PRINT_LEN bytes (a 5-byte record header and 11 bytes of ciphertext, or of a hello's random)
 * tell records apart. The handshake's first flight links a connection before any plaintext;
 * a connection opened before recording links at its first SSL_write, its earlier reads are
 * counted as calls without a socket. OpenSSL's structs are never read.
 *
 * Included by capture.bpf.c after the TLS maps and link_ssl_fd/link_ssl_socket.
 */
#ifndef TLS_BIO_BPF_H
#define TLS_BIO_BPF_H

#define BIO_PRINT_LEN 16

struct bio_key {
	__u32 tgid;
	__u32 reserved;
	__u64 bio;
};

/* SSL_set_bio(ssl, rbio, wbio): the SSL object behind each write BIO, for records written outside SSL_write (the handshake). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct bio_key);
	__type(value, __u64);
} bio_ssls SEC(".maps");

struct bio_print {
	__u32 tgid;
	__u8 bytes[BIO_PRINT_LEN];
	__u8 reserved[4];
};

/* First bytes of a record written to an SSL object's write BIO -> that SSL object, until a socket send carries them. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct bio_print);
	__type(value, __u64);
} bio_prints SEC(".maps");

/* The first BIO_PRINT_LEN bytes at buf (kind SC_READV/SC_WRITEV: of the first iovec) into p; false when fewer or unreadable. */
static __always_inline bool read_print(struct bio_print *p, __u64 buf, __u32 kind)
{
	if (kind == SC_READV || kind == SC_WRITEV) {
		struct iovec iov = {};
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)buf) || iov.iov_len < BIO_PRINT_LEN)
			return false;
		buf = (__u64)iov.iov_base;
	}
	if (bpf_probe_read_user(p->bytes, BIO_PRINT_LEN, (void *)buf))
		return false;
	__u64 word = 0;
	__builtin_memcpy(&word, p->bytes, sizeof(word));
	return is_tls_record(word);
}

/* SSL_set_bio(ssl, rbio, wbio): a new BIO pair, so a new connection for this SSL object (its address may be reused). */
SEC("uprobe")
int BPF_KPROBE(ssl_set_bio_enter, __u64 ssl, __u64 rbio, __u64 wbio)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!process_traced(tgid))
		return 0;
	struct ssl_key link = { .tgid = tgid, .ssl = ssl };
	bpf_map_delete_elem(&ssl_fds, &link);
	bpf_map_delete_elem(&ssl_socks, &link);
	if (wbio) {
		struct bio_key key = { .tgid = tgid, .bio = wbio };
		bpf_map_update_elem(&bio_ssls, &key, &ssl, BPF_ANY);
	}
	return 0;
}

/*
 * BIO_write(bio, data, len): a record leaving an SSL object not yet linked to a socket. Inside an SSL
 * call of this thread the SSL object is the call's (OpenSSL writes only to the write BIO there);
 * elsewhere the bio must be a write BIO that SSL_set_bio named (the application's own writes of
 * received ciphertext go into the read BIO and are ignored).
 */
SEC("uprobe")
int BPF_KPROBE(bio_write_enter, __u64 bio, __u64 data, int len)
{
	if (len < BIO_PRINT_LEN)
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!process_traced(tgid))
		return 0;
	__u64 ssl = 0;
	struct ssl_call *call = bpf_task_storage_get(&ssl_calls, bpf_get_current_task_btf(), 0, 0);
	if (call && call->active) {
		ssl = call->ssl;
	} else {
		struct bio_key key = { .tgid = tgid, .bio = bio };
		__u64 *known = bpf_map_lookup_elem(&bio_ssls, &key);
		if (!known)
			return 0;
		ssl = *known;
	}
	struct ssl_key link = { .tgid = tgid, .ssl = ssl };
	bool linked = cfg.data_path == CAPTURE_PATH_SOCKET ? bpf_map_lookup_elem(&ssl_socks, &link) != NULL
							   : bpf_map_lookup_elem(&ssl_fds, &link) != NULL;
	if (linked)
		return 0;
	struct bio_print print = { .tgid = tgid };
	if (read_print(&print, data, SC_WRITE))
		bpf_map_update_elem(&bio_prints, &print, &ssl, BPF_ANY);
	return 0;
}

/* The SSL object whose record a send of this process starts with (and forgets the record), or 0. */
static __always_inline __u64 take_ssl_of_send(__u32 tgid, struct conn *c, __u64 buf, __u32 kind)
{
	/* Plain HTTP already, or linked already: nothing to learn (a plain connection pays once, a linked one never). */
	if (c->ssl_linked || (c->reported && !c->tls))
		return 0;
	struct bio_print print = { .tgid = tgid };
	if (!read_print(&print, buf, kind))
		return 0;
	__u64 *ssl = bpf_map_lookup_elem(&bio_prints, &print);
	if (!ssl)
		return 0;
	__u64 found = *ssl;
	bpf_map_delete_elem(&bio_prints, &print);
	struct capture_counters *k = my_counters();
	if (k)
		__sync_fetch_and_add(&k->tls_bio_links, 1);
	return found;
}

/* Syscall path, at the entry of a send on fd (c: its state): links the SSL object whose record it carries. */
static __always_inline void bio_link_syscall_send(__u32 tgid, __s32 fd, struct conn *c, __u64 buf, __u32 kind)
{
	if (!c || c->verdict == VERDICT_NOT_TCP || (kind != SC_WRITE && kind != SC_WRITEV))
		return;
	__u64 ssl = take_ssl_of_send(tgid, c, buf, kind);
	if (ssl) {
		link_ssl_fd(tgid, ssl, fd, c);
		mark_tls(c);
	}
}

/* Socket path, after a send on sk (s: where its bytes are, c: the socket's state): as bio_link_syscall_send. */
static __always_inline void bio_link_socket_send(__u32 tgid, struct sock *sk, struct stash *s, struct conn *c)
{
	if (s->kind != SC_READ && s->kind != SC_READV)
		return; /* no user buffer */
	__u64 ssl = take_ssl_of_send(tgid, c, s->buf, s->kind);
	if (ssl) {
		link_ssl_socket(tgid, ssl, (__u64)sk, s->fd, c);
		mark_tls(c);
	}
}

#endif /* TLS_BIO_BPF_H */
