// SPDX-License-Identifier: GPL-2.0
/*
 * capture: records the bytes HTTP/1.x clients and servers move over TCP sockets.
 *
 * Two data paths, one loaded per recording (cfg.data_path; the loader turns the other's
 * programs off), no kprobes/fentry on the kernels we target:
 * - socket path (Linux >= 6.3): tp_btf/sock_send_length and sock_recv_length fire once per
 *   socket call after the bytes moved; the user buffer comes from the syscall's saved
 *   registers, connection state lives in the socket's own storage (sk_conns) and ends with
 *   the socket (inet_sock_set_state to CLOSE). See "socket path" below.
 * - syscall path (any kernel): arguments are stashed at sys_enter in the thread's task
 *   storage and acted on at sys_exit, where the return value says how many bytes really
 *   moved. Connections are keyed by (tgid << 32 | fd) and carry a kernel-assigned 64-bit id,
 *   so a reused fd is a new connection.
 * Protocol inference and the user's filters run here, so that uninteresting traffic never
 * reaches the ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "capture_events.h"
#include "http_classify.h"
#include "http2_detect.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define SOCK_STREAM 1
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define MSG_PEEK 2
#define EINPROGRESS 115
#define EBADF 9

/* Filled by the loader before load (bpf_map__initial_value of ".rodata.config"). */
const volatile struct capture_config cfg SEC(".rodata.config") = {
	.max_bytes_per_call = 8 << 20,
	.wakeup_bytes = 256 << 10,
};

#include "cgroup_filter.bpf.h"

/* Next connection id; ids start at 1. */
__u64 next_conn_id = 0;

enum syscall_kind {
	SC_READ = 1,     /* plain buffer, ingress */
	SC_WRITE,        /* plain buffer, egress */
	SC_READV,        /* iovec array, ingress */
	SC_WRITEV,       /* iovec array, egress */
	SC_CLOSE,
	SC_ACCEPT,
	SC_CONNECT,
	SC_SENDFILE,
	SC_NO_BUFFER,    /* socket path: bytes moved without a user buffer we can read */
};

/*
 * The walk of one call's buffer(s) at sys_exit. It lives in the thread's stash entry,
 * not on the stack: map values are not tracked precisely by the verifier, which lets
 * the bpf_loop callback converge, and the entry is private to the thread.
 */
struct emit_state {
	__u64 conn_id;
	__u64 ts;
	__u64 stream_offset; /* stream position of the next byte to emit */
	__u64 budget;        /* bytes to capture: min(moved, cap) */
	__u64 done;          /* bytes of the budget handled so far */
	__u64 iov_next;      /* user address of the next iovec, 0 when not vectored */
	__u64 iov_left;      /* iovecs not yet loaded */
	__u64 cur_base;      /* current buffer */
	__u64 cur_left;      /* bytes left in the current buffer */
	__u32 tgid;
	__u8 dir;
	__u8 flags;          /* enum capture_data_flags of every event of the call */
	__u8 reserved[2];
};

/*
 * Socket path: where this thread is within one syscall that moves several messages
 * (sendmmsg/recvmmsg) or several chunks (sendfile), since the socket tracepoint fires once per
 * message or chunk and no syscall tracepoint marks where a call begins.
 */
struct call_progress {
	__u64 arg;   /* mmsg: the message vector; sendfile: in_fd << 32 | out_fd */
	__u64 start; /* sendfile: the source file offset the call started from */
	__u64 done;  /* sendfile: bytes the call sent so far; mmsg: length of the last message */
	__u32 nr;    /* syscall number; 0 when none */
	__u32 next;  /* mmsg: index of the next message of the vector */
};

/* What sys_enter saw, for sys_exit to act on (socket path: the current call, and the thread's progress within it). */
struct stash {
	__u64 buf;         /* buffer or iovec array */
	__u64 count;       /* buffer length or iovec count */
	__u64 file_offset; /* sendfile: source file position of the first byte */
	__s32 fd;
	__s32 in_fd;       /* sendfile: source file */
	__u32 kind;        /* enum syscall_kind */
	__u32 reserved;
	__u64 enter_ns;    /* connect: when the call began */
	struct emit_state emit;
	struct call_progress progress;
};

enum verdict {
	VERDICT_UNDECIDED = 0, /* a TCP socket whose first bytes were not seen yet */
	VERDICT_CAPTURE = 1,
	VERDICT_IGNORE = 2,    /* not HTTP, or excluded by a filter */
	VERDICT_NOT_TCP = 3,   /* a file, pipe, UDP or unix socket */
};

struct conn {
	__u64 id;
	__u64 pos[2];  /* next stream position, indexed by enum capture_direction */
	__u8 role;     /* enum capture_role */
	__u8 source;   /* enum capture_source */
	__u8 verdict;  /* enum verdict */
	__u8 reported; /* the open event was sent */
	__u8 tls;      /* TLS socket: its syscall bytes are ciphertext, never data; plaintext comes from the OpenSSL probes */
	__u8 ssl_linked; /* an SSL object is known to use this socket */
	__u8 reserved[2];
	__u64 opened_ns;  /* accept() returned (socket path: the handshake ended); 0 when not observed */
	__u64 connect_ns; /* connect() began; 0 when not observed */
	__u32 tgid;       /* socket path: the process whose call reported the connection (its open record's pid) */
	__s32 fd;         /* socket path: that call's fd, -1 when the call had none */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} events SEC(".maps");

/*
 * One stash per thread, in the task's own storage: cheaper than a hash keyed by pid_tgid
 * (no bucket lock, no element allocation per call), and freed with the thread.
 * kind == 0 marks an empty stash.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct stash);
} stashes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, __u64);
	__type(value, struct conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[CAPTURE_COMM_LEN]);
	__type(value, __u8);
} filter_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);
	__type(value, __u8);
} filter_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct capture_counters);
} counters SEC(".maps");

/*
 * Waking the reader on every event costs an interrupt-work item and a context switch per
 * event, which at tens of thousands of requests per second costs the traced service more
 * than the capture itself. The reader polls with a short timeout anyway, so wake it only
 * when a good amount of data is waiting (cfg.wakeup_bytes, a fraction of the ring).
 */
static __always_inline __u64 wakeup_flag(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg.wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline struct capture_counters *my_counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline void read_leader_comm(char *comm)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	BPF_CORE_READ_STR_INTO((char(*)[CAPTURE_COMM_LEN])comm, task, group_leader, comm);
}

/*
 * The user's process filters, decided once per thread and kept in the thread's storage:
 * reading the group leader's name costs more than the lookup. exec() changes the name,
 * so sched_process_exec forgets the decision. Values: 0 unknown, 1 traced, 2 not traced.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} filter_verdicts SEC(".maps");

static __always_inline bool process_selected(__u32 tgid)
{
	if (cfg.filter_pids && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return false;
	if (cfg.filter_comms) {
		char comm[CAPTURE_COMM_LEN] = {};
		read_leader_comm(comm);
		if (!bpf_map_lookup_elem(&filter_comms, comm))
			return false;
	}
	return true;
}

/* Never ourselves, then the user's pids and process names. */
static __always_inline bool process_traced(__u32 tgid)
{
	if (tgid == cfg.self_tgid)
		return false;
	if (!cfg.filter_pids && !cfg.filter_comms)
		return true;
	__u32 *verdict = bpf_task_storage_get(&filter_verdicts, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (verdict && *verdict)
		return *verdict == 1;
	bool selected = process_selected(tgid);
	if (verdict)
		*verdict = selected ? 1 : 2;
	return selected;
}

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	__u32 *verdict = bpf_task_storage_get(&filter_verdicts, bpf_get_current_task_btf(), 0, 0);
	if (verdict)
		*verdict = 0;
	return 0;
}

/* task -> files -> fdt -> fd[fd] */
static __always_inline struct file *file_of_fd(__u32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return NULL;
	if (fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* file -> socket -> sock, only for IPv4/IPv6 TCP stream sockets. */
static __always_inline struct sock *tcp_sock_of_fd(__u32 fd)
{
	struct file *f = file_of_fd(fd);
	if (!f)
		return NULL;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *sock = (struct socket *)BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP || BPF_CORE_READ(sk, sk_type) != SOCK_STREAM)
		return NULL;
	return sk;
}

static __always_inline __u64 conn_key(__u32 tgid, __s32 fd)
{
	return ((__u64)tgid << 32) | (__u32)fd;
}

static __always_inline __u64 new_conn_id(void)
{
	return __sync_fetch_and_add(&next_conn_id, 1) + 1;
}

/*
 * When the TCP handshake of a traced connect() completed, keyed by the socket: the
 * sock/inet_sock_set_state tracepoint fills in entries that connect() created, so that HAR
 * can show the connect time. A non-blocking connect returns before the handshake ends.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} handshakes SEC(".maps");

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2

SEC("tracepoint/sock/inet_sock_set_state")
int on_tcp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->oldstate != TCP_SYN_SENT || ctx->newstate != TCP_ESTABLISHED)
		return 0;
	__u64 sk = (__u64)ctx->skaddr;
	__u64 *done = bpf_map_lookup_elem(&handshakes, &sk);
	if (done && *done == 0)
		*done = bpf_ktime_get_ns();
	return 0;
}

/* When the handshake of a connect() on sk ended, or 0; forgets the socket. */
static __always_inline __u64 take_handshake(struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u64 *done = bpf_map_lookup_elem(&handshakes, &key);
	if (!done)
		return 0;
	__u64 ns = *done;
	bpf_map_delete_elem(&handshakes, &key);
	return ns;
}

/* Starts tracking a socket that accept() or connect() just produced (or forgets a non-TCP fd). */
static __always_inline void track_new_socket(__u32 tgid, __s32 fd, __u8 role, __u8 source, __u64 opened_ns,
					     __u64 connect_ns)
{
	__u64 key = conn_key(tgid, fd);
	struct conn c = {};
	if (tcp_sock_of_fd(fd)) {
		c.id = new_conn_id();
		c.role = role;
		c.source = source;
		c.verdict = VERDICT_UNDECIDED;
		c.opened_ns = opened_ns;
		c.connect_ns = connect_ns;
	} else {
		c.verdict = VERDICT_NOT_TCP;
	}
	bpf_map_update_elem(&conns, &key, &c, BPF_ANY);
}

/*
 * The connection state for a data call on fd. An fd never seen before is classified
 * by walking the task's file table: that is how keep-alive connections opened before
 * the recording started are found.
 */
static __always_inline struct conn *conn_for_call(__u32 tgid, __s32 fd)
{
	__u64 key = conn_key(tgid, fd);
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	if (c)
		return c;
	struct conn fresh = {};
	if (fd >= 0 && tcp_sock_of_fd(fd)) {
		fresh.id = new_conn_id();
		fresh.source = CAPTURE_SOURCE_ALREADY_OPEN;
		fresh.verdict = VERDICT_UNDECIDED;
	} else {
		fresh.verdict = VERDICT_NOT_TCP;
	}
	bpf_map_update_elem(&conns, &key, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&conns, &key);
}

static __always_inline bool wants_data(struct conn *c)
{
	return c && (c->verdict == VERDICT_UNDECIDED || c->verdict == VERDICT_CAPTURE);
}

/* ---------- TLS: which socket an SSL object uses ---------- */

/*
 * A thread inside SSL_read/SSL_write(_ex), from the entry probe to the return probe.
 * OpenSSL's struct layouts are never read: the socket is learned from the syscalls the
 * thread makes under the call.
 */
struct ssl_call {
	__u64 ssl;     /* the SSL* argument */
	__u64 buf;     /* plaintext buffer */
	__u64 len_out; /* _ex variants: where OpenSSL stores the byte count; 0 otherwise */
	__u64 sp;      /* stack pointer at entry: tells this call's return from a nested call's */
	__u64 sk;      /* socket path: the socket used under this call, 0 until a socket tracepoint shows it */
	__s32 fd;      /* socket used under this call, -1 until a syscall shows it */
	__u8 active;
	__u8 dir;      /* enum capture_direction of the plaintext */
	__u16 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ssl_call);
} ssl_calls SEC(".maps");

struct ssl_key {
	__u32 tgid;
	__u32 reserved;
	__u64 ssl;
};

/* SSL* -> socket fd, for calls that OpenSSL serves from its buffer without a syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ssl_key);
	__type(value, __s32);
} ssl_fds SEC(".maps");

/* Socket path: SSL* -> the socket's address, as ssl_fds. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ssl_key);
	__type(value, __u64);
} ssl_socks SEC(".maps");

/*
 * Socket path: the plaintext side of a TLS connection, keyed by the socket's address. The
 * uprobes cannot reach socket storage (a uprobe has no socket pointer the verifier trusts),
 * so the plaintext stream positions live here, under the same connection id as the socket's
 * entry in sk_conns; the entry goes when the socket closes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct conn);
} tls_conns SEC(".maps");

/* Positions count plaintext from now on: forget ciphertext counted before the socket was known as TLS. */
static __always_inline void mark_tls(struct conn *c)
{
	if (c->tls)
		return;
	c->tls = 1;
	if (!c->reported) {
		c->pos[0] = 0;
		c->pos[1] = 0;
	}
}

/* The *tls.Conn of a Go crypto/tls call in flight on the calling goroutine, or 0 (bpf/go_tls.bpf.h). */
static __always_inline __u64 go_tls_conn_in_flight(__u32 tgid);

/* A TLS record header: content type 20-23, version 3.x (x <= 4). */
static __always_inline bool is_tls_record(__u64 w)
{
	__u8 type = w & 0xff;
	return type >= 0x14 && type <= 0x17 && ((w >> 8) & 0xff) == 3 && ((w >> 16) & 0xff) <= 4;
}

/* Syscall path: SSL object `ssl` of process tgid uses socket fd, whose state is c. */
static __always_inline void link_ssl_fd(__u32 tgid, __u64 ssl, __s32 fd, struct conn *c)
{
	struct ssl_key key = { .tgid = tgid, .ssl = ssl };
	__s32 *known = bpf_map_lookup_elem(&ssl_fds, &key);
	if (!known || *known != fd)
		bpf_map_update_elem(&ssl_fds, &key, &fd, BPF_ANY);
	c->ssl_linked = 1;
}

/* Socket path: SSL object `ssl` of process tgid uses the socket at skaddr (fd: the call's, -1 if none), whose state is c. */
static __always_inline void link_ssl_socket(__u32 tgid, __u64 ssl, __u64 skaddr, __s32 fd, struct conn *c)
{
	struct ssl_key key = { .tgid = tgid, .ssl = ssl };
	__u64 *known = bpf_map_lookup_elem(&ssl_socks, &key);
	if (!known || *known != skaddr)
		bpf_map_update_elem(&ssl_socks, &key, &skaddr, BPF_ANY);
	if (!bpf_map_lookup_elem(&tls_conns, &skaddr)) {
		struct conn plain = {
			.id = c->id,
			.role = c->role,
			.source = c->source,
			.tls = 1,
			.opened_ns = c->opened_ns,
			.connect_ns = c->connect_ns,
			.tgid = tgid,
			.fd = fd,
		};
		bpf_map_update_elem(&tls_conns, &skaddr, &plain, BPF_NOEXIST);
	}
	c->ssl_linked = 1;
}

/* The TLS object whose call is in flight on this thread: an OpenSSL SSL (then *call is its state) or,
 * else, a Go *tls.Conn of the calling goroutine (then *call is NULL); 0 when neither. */
static __always_inline __u64 tls_object_in_flight(__u32 tgid, struct ssl_call **call)
{
	struct ssl_call *ssl = bpf_task_storage_get(&ssl_calls, bpf_get_current_task_btf(), 0, 0);
	*call = ssl && ssl->active ? ssl : NULL;
	return *call ? ssl->ssl : go_tls_conn_in_flight(tgid);
}

/*
 * True when a socket call moves ciphertext, which is never data. Under an SSL call (or a Go
 * crypto/tls call) it also tells which socket the SSL object (or *tls.Conn) uses.
 */
static __always_inline bool tls_ciphertext(__u32 tgid, __s32 fd, struct conn *c)
{
	if (!cfg.tls || !c || c->verdict == VERDICT_NOT_TCP)
		return false;
	struct ssl_call *call;
	__u64 object = tls_object_in_flight(tgid, &call);
	bool in_ssl = call != NULL;
	if (!object)
		return c->tls;
	/* Already recorded as plain HTTP: not this call's socket (a mark left by a call that never returned must not hide it). */
	if (c->reported && !c->tls)
		return false;
	if (!in_ssl || call->fd != fd) {
		if (in_ssl)
			call->fd = fd;
		link_ssl_fd(tgid, object, fd, c);
	}
	mark_tls(c);
	return true;
}

/* Memory-BIO stacks (.NET, Node): SSL objects linked to their socket by the ciphertext they hand over. */
#include "tls_bio.bpf.h"

/* This thread's stash slot, created on first use. */
static __always_inline struct stash *stash_slot(void)
{
	return bpf_task_storage_get(&stashes, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

static __always_inline void stash_put(const struct stash *value)
{
	struct stash *slot = stash_slot();
	if (slot)
		*slot = *value;
}

/* This thread's pending stash, or NULL. */
static __always_inline struct stash *stash_pending(void)
{
	struct stash *slot = bpf_task_storage_get(&stashes, bpf_get_current_task_btf(), 0, 0);
	return slot && slot->kind ? slot : NULL;
}

/* Stashes a data call's arguments if its process and fd are of interest. */
static __always_inline void stash_data_call(__s32 fd, __u64 buf, __u64 count, __u32 kind)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (!process_traced(tgid))
		return;
	struct conn *c = conn_for_call(tgid, fd);
	if (cfg.tls)
		bio_link_syscall_send(tgid, fd, c, buf, kind);
	if (tls_ciphertext(tgid, fd, c) || !wants_data(c))
		return;
	struct stash s = { .buf = buf, .count = count, .fd = fd, .kind = kind };
	stash_put(&s);
}

/* Takes (and always removes) this thread's stash. */
static __always_inline bool take_stash(struct stash *out)
{
	struct stash *s = stash_pending();
	if (!s)
		return false;
	*out = *s;
	s->kind = 0;
	return true;
}

/* ---------- HTTP inference on the first bytes of a call (HTTP/1.x, and HTTP/2's preface) ---------- */


/* Reads up to 8 first bytes the call moved (from the first iovec for vectored calls). */
static __always_inline __u64 first_bytes(const struct stash *s, __u64 moved)
{
	__u64 word = 0;
	__u64 base = s->buf;
	__u64 len = moved;
	if (s->kind == SC_READV || s->kind == SC_WRITEV) {
		struct iovec iov = {};
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)s->buf))
			return 0;
		base = (__u64)iov.iov_base;
		if (iov.iov_len < len)
			len = iov.iov_len;
	}
	if (len > 8)
		len = 8;
	asm volatile("" : "+r"(len));
	if (len > 8)
		return 0;
	bpf_probe_read_user(&word, len, (void *)base);
	return word;
}

static __always_inline bool port_selected(struct sock *sk)
{
	if (!cfg.filter_ports)
		return true;
	if (!sk)
		return false;
	__u16 local = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 remote = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return bpf_map_lookup_elem(&filter_ports, &local) || bpf_map_lookup_elem(&filter_ports, &remote);
}

static __always_inline void read_addresses(struct sock *sk, struct capture_conn_open_event *e)
{
	if (!sk)
		return;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (e->family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)e->local_addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->remote_addr, sk, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO((struct in6_addr *)e->local_addr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)e->remote_addr, sk, __sk_common.skc_v6_daddr);
	}
}

static __always_inline void send_open_event(__u32 tgid, __s32 fd, struct conn *c, struct sock *sk, __u64 ts)
{
	struct capture_conn_open_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		struct capture_counters *k = my_counters();
		if (k)
			__sync_fetch_and_add(&k->ringbuf_full_events, 1);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = CAPTURE_EVENT_CONN_OPEN;
	e->hdr.tgid = tgid;
	/* Opened: accept() returned, the connect() handshake ended, or else first seen now. */
	__u64 established = c->source == CAPTURE_SOURCE_CONNECT ? take_handshake(sk) : 0;
	e->hdr.timestamp_ns = established ? established : c->opened_ns ? c->opened_ns : ts;
	e->hdr.conn_id = c->id;
	e->connect_start_ns = c->connect_ns;
	e->fd = fd;
	e->role = c->role;
	e->source = c->source;
	e->flags = c->tls ? CAPTURE_CONN_TLS : 0;
	read_addresses(sk, e);
	read_container_context(sk, e);
	read_leader_comm(e->comm);
	bpf_ringbuf_submit(e, wakeup_flag());
}

/*
 * Decides, on the first bytes seen on a connection, whether it is recorded: it must look
 * like HTTP/1.x (unless all_tcp) and pass the port filter. Connections that were already
 * open may be seen in the middle of a body, so they stay undecided until a call starts
 * with a request or response line.
 */
static __noinline void decide(struct stash *s, struct conn *c, struct sock *known_sk, __u64 moved, __u8 dir)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 word = first_bytes(s, moved);
	if (cfg.tls && !c->tls && moved >= 3 && is_tls_record(word)) {
		/* A handshake (or, on an already-open socket, a record): stays undecided until plaintext shows HTTP. */
		mark_tls(c);
		return;
	}
	int kind = classify_http(word);
	/* An HTTP/2 server's SETTINGS, which it may send before the client's preface arrives (nginx inside TLS). */
	if (kind == HTTP_NONE && is_http2_server_preface(word))
		kind = HTTP_RESPONSE;
	if (kind == HTTP_NONE && !cfg.all_tcp) {
		if (c->source != CAPTURE_SOURCE_ALREADY_OPEN)
			c->verdict = VERDICT_IGNORE;
		return;
	}
	if (c->role == CAPTURE_ROLE_UNKNOWN && kind != HTTP_NONE) {
		bool request = kind == HTTP_REQUEST;
		bool egress = dir == CAPTURE_DIR_EGRESS;
		c->role = request == egress ? CAPTURE_ROLE_CLIENT : CAPTURE_ROLE_SERVER;
	}
	/* The syscall path finds the socket from the fd, only now that the bytes look like HTTP. */
	struct sock *sk = known_sk ? known_sk : tcp_sock_of_fd(s->fd);
	if (!port_selected(sk) || !cgroup_selected()) {
		c->verdict = VERDICT_IGNORE;
		return;
	}
	send_open_event(tgid, s->fd, c, sk, bpf_ktime_get_ns());
	c->reported = 1;
	c->verdict = VERDICT_CAPTURE;
}

/* ---------- payload chunks ---------- */

static __always_inline void count_lost(__u64 *events, __u64 *bytes, __u64 n)
{
	__sync_fetch_and_add(events, 1);
	__sync_fetch_and_add(bytes, n);
}

static __always_inline void fill_data_header(struct capture_data_event *e, struct emit_state *x)
{
	e->hdr.type = CAPTURE_EVENT_DATA;
	e->hdr.tgid = x->tgid;
	e->hdr.timestamp_ns = x->ts;
	e->hdr.conn_id = x->conn_id;
	e->stream_offset = x->stream_offset;
	e->direction = x->dir;
	e->reserved = 0;
}

/* One chunk of at most `size` bytes in a reservation of that size (size is a constant per call site). */
static __always_inline void send_chunk_sized(struct emit_state *x, __u64 n, const __u64 size)
{
	struct capture_data_event *e = bpf_ringbuf_reserve(&events, sizeof(*e) + size, 0);
	if (!e) {
		struct capture_counters *k = my_counters();
		if (k)
			count_lost(&k->ringbuf_full_events, &k->ringbuf_full_bytes, n);
		return;
	}
	fill_data_header(e, x);
	/* Hide n's range from the compiler so that the clamp stays for the verifier to see. */
	asm volatile("" : "+r"(n));
	if (n > size)
		n = size;
	if (bpf_probe_read_user((void *)(e + 1), n, (void *)x->cur_base) == 0) {
		e->payload_len = n;
		e->cut_bytes = 0;
		e->flags = x->flags;
	} else {
		/* Keep the stream positions exact: an empty event that says how much is missing. */
		e->payload_len = 0;
		e->cut_bytes = n;
		e->flags = CAPTURE_DATA_READ_FAULT | x->flags;
		struct capture_counters *k = my_counters();
		if (k)
			count_lost(&k->read_fault_events, &k->read_fault_bytes, n);
	}
	bpf_ringbuf_submit(e, wakeup_flag());
}

/* Separate subprograms, so that the compiler cannot merge the three bounds into one. */
static __noinline void send_chunk_small(struct emit_state *x, __u64 n)
{
	send_chunk_sized(x, n, CAPTURE_CHUNK_SMALL);
}

static __noinline void send_chunk_medium(struct emit_state *x, __u64 n)
{
	send_chunk_sized(x, n, CAPTURE_CHUNK_MEDIUM);
}

static __noinline void send_chunk_large(struct emit_state *x, __u64 n)
{
	send_chunk_sized(x, n, CAPTURE_CHUNK_MAX);
}

static __always_inline void send_chunk(struct emit_state *x, __u64 n)
{
	if (n <= CAPTURE_CHUNK_SMALL)
		send_chunk_small(x, n);
	else if (n <= CAPTURE_CHUNK_MEDIUM)
		send_chunk_medium(x, n);
	else
		send_chunk_large(x, n);
}

/* bpf_loop callback: loads the next iovec or sends the next chunk. Returns 1 to stop. */
static long emit_step(__u32 index, void *ctx)
{
	struct emit_state *x = *(struct emit_state **)ctx;
	if (x->done >= x->budget)
		return 1;
	if (x->cur_left == 0) {
		if (x->iov_next == 0 || x->iov_left == 0)
			return 1;
		struct iovec iov = {};
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)x->iov_next))
			return 1;
		x->iov_next += sizeof(iov);
		x->iov_left--;
		x->cur_base = (__u64)iov.iov_base;
		x->cur_left = iov.iov_len;
		return 0;
	}
	__u64 n = x->cur_left;
	if (n > x->budget - x->done)
		n = x->budget - x->done;
	if (n > CAPTURE_CHUNK_MAX)
		n = CAPTURE_CHUNK_MAX;
	send_chunk(x, n);
	x->cur_base += n;
	x->cur_left -= n;
	x->done += n;
	x->stream_offset += n;
	return 0;
}

/* Sends an empty event that says `cut` bytes at stream_offset were not captured. */
static __always_inline void send_cut(struct emit_state *x, __u64 cut)
{
	struct capture_data_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		struct capture_counters *k = my_counters();
		if (k)
			__sync_fetch_and_add(&k->ringbuf_full_events, 1);
		return;
	}
	fill_data_header(e, x);
	e->payload_len = 0;
	e->cut_bytes = cut;
	e->flags = x->flags;
	bpf_ringbuf_submit(e, wakeup_flag());
}

/*
 * Small calls, the bulk of HTTP traffic (a request, the headers and body of a small answer):
 * the call's bytes, from one buffer or a few iovecs, are gathered in this CPU's scratch event
 * and sent as one ring record of exactly their size. Compared with a reservation per iovec in
 * fixed size classes, that is one record per call and a fraction of the ring memory that the
 * kernel writes and the recorder reads. Tracing programs do not nest on a CPU, so the scratch
 * event is not shared with another program while this one fills it.
 */
#define SMALL_CALL_MAX 4096
#define SMALL_CALL_IOVECS 4

struct small_call_event {
	struct capture_data_event e;
	__u8 payload[2 * SMALL_CALL_MAX]; /* twice the limit, so that the verifier can see offset + length in bounds */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct small_call_event);
} small_call_scratch SEC(".maps");

static __always_inline bool is_small_call(struct emit_state *x)
{
	return x->budget <= SMALL_CALL_MAX && x->iov_left <= SMALL_CALL_IOVECS;
}

/* Sends the whole budget of a small call (see is_small_call) as one record; a buffer that cannot be read ends the payload there. */
static __noinline void emit_small_call(struct emit_state *x)
{
	__u32 zero = 0;
	struct small_call_event *m = bpf_map_lookup_elem(&small_call_scratch, &zero);
	if (!m)
		return;
	__u64 budget = x->budget;
	asm volatile("" : "+r"(budget));
	if (budget > SMALL_CALL_MAX)
		return;
	__u64 got = 0;
	if (x->iov_next == 0) {
		if (bpf_probe_read_user(m->payload, budget, (void *)x->cur_base) == 0)
			got = budget;
	} else {
		for (int i = 0; i < SMALL_CALL_IOVECS && i < x->iov_left && got < budget; i++) {
			struct iovec iov = {};
			if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(x->iov_next + i * sizeof(iov))))
				break;
			__u64 n = iov.iov_len < budget - got ? iov.iov_len : budget - got;
			__u64 at = got;
			asm volatile("" : "+r"(n), "+r"(at));
			if (n > SMALL_CALL_MAX || at > SMALL_CALL_MAX)
				break;
			if (bpf_probe_read_user(m->payload + at, n, iov.iov_base))
				break;
			got += n;
		}
	}
	fill_data_header(&m->e, x);
	m->e.payload_len = got;
	m->e.cut_bytes = budget - got;
	m->e.flags = x->flags | (got < budget ? CAPTURE_DATA_READ_FAULT : 0);
	if (got < budget) {
		struct capture_counters *k = my_counters();
		if (k)
			count_lost(&k->read_fault_events, &k->read_fault_bytes, budget - got);
	}
	__u64 size = sizeof(m->e) + got;
	asm volatile("" : "+r"(size));
	if (size > sizeof(*m))
		return;
	if (bpf_ringbuf_output(&events, m, size, wakeup_flag())) {
		struct capture_counters *k = my_counters();
		if (k)
			count_lost(&k->ringbuf_full_events, &k->ringbuf_full_bytes, budget);
	}
}

static __always_inline void emit_payload(__u32 tgid, struct stash *s, struct conn *c, __u64 offset, __u64 moved,
					 __u8 dir, __u64 ts)
{
	struct emit_state *x = &s->emit;
	x->conn_id = c->id;
	x->ts = ts;
	x->stream_offset = offset;
	x->budget = moved < cfg.max_bytes_per_call ? moved : cfg.max_bytes_per_call;
	x->done = 0;
	x->tgid = tgid;
	x->dir = dir;
	x->flags = c->tls ? CAPTURE_DATA_TLS : 0;
	if (s->kind == SC_READV || s->kind == SC_WRITEV) {
		x->iov_next = s->buf;
		x->iov_left = s->count < CAPTURE_MAX_IOVECS ? s->count : CAPTURE_MAX_IOVECS;
		x->cur_base = 0;
		x->cur_left = 0;
	} else {
		x->iov_next = 0;
		x->iov_left = 0;
		x->cur_base = s->buf;
		x->cur_left = moved;
	}
	if (is_small_call(x)) {
		emit_small_call(x);
		x->done = x->budget;
		x->stream_offset += x->budget;
	} else if (x->iov_next == 0 && x->budget <= CAPTURE_CHUNK_MAX) {
		/* One buffer: one chunk, no loop. */
		send_chunk(x, x->budget);
		x->done = x->budget;
		x->stream_offset += x->budget;
	} else {
		/* Each iovec costs one load step and at most one partial chunk beyond the full ones. */
		__u32 loops = x->budget / CAPTURE_CHUNK_MAX + 2 * x->iov_left + 2;
		/* bpf_loop wants a stack pointer: pass a stack slot that holds the map value's address. */
		struct emit_state *slot = x;
		bpf_loop(loops, emit_step, &slot, 0);
	}

	__u64 cut = moved - x->done;
	if (cut == 0)
		return;
	struct capture_counters *k = my_counters();
	if (k) {
		__u64 over_cap = moved - x->budget;
		if (over_cap)
			count_lost(&k->cap_events, &k->cap_bytes, over_cap);
		if (cut > over_cap)
			count_lost(&k->read_fault_events, &k->read_fault_bytes, cut - over_cap);
	}
	send_cut(x, cut);
}

/*
 * The `moved` bytes of a call on connection c: decides an undecided connection on them (when
 * can_decide: they are in a user buffer, or --all-tcp keeps any connection), then takes their
 * stream position into *offset. True when they are to be recorded.
 */
static __always_inline bool take_position(struct stash *s, struct conn *c, struct sock *sk, __u64 moved, __u8 dir,
					  bool can_decide, __u64 *offset)
{
	if (c->verdict == VERDICT_UNDECIDED && can_decide)
		decide(s, c, sk, moved, dir);
	if (c->tls)
		return false; /* the handshake that told: ciphertext */
	*offset = __sync_fetch_and_add(&c->pos[dir & 1], moved);
	return c->verdict == VERDICT_CAPTURE;
}

/* sys_exit of a data call with `moved` bytes: advance the stream position, decide, send the bytes. */
static __always_inline void handle_data(struct stash *s, __u64 moved, __u8 dir)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 key = conn_key(tgid, s->fd);
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	__u64 offset;
	if (c && take_position(s, c, NULL, moved, dir, true, &offset))
		emit_payload(tgid, s, c, offset, moved, dir, bpf_ktime_get_ns());
}

/* The stash entry is the working state of the exit, and is removed on every path. */
static __always_inline void on_data_exit(long ret, __u8 dir)
{
	struct stash *s = stash_pending();
	if (!s)
		return;
	if (ret > 0)
		handle_data(s, ret, dir);
	s->kind = 0;
}

/* ---------- data syscalls ---------- */

SEC("tracepoint/syscalls/sys_enter_read")
int enter_read(struct trace_event_raw_sys_enter *ctx)
{
	stash_data_call(ctx->args[0], ctx->args[1], ctx->args[2], SC_READ);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_read")
int exit_read(struct trace_event_raw_sys_exit *ctx)
{
	on_data_exit(ctx->ret, CAPTURE_DIR_INGRESS);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_write")
int enter_write(struct trace_event_raw_sys_enter *ctx)
{
	stash_data_call(ctx->args[0], ctx->args[1], ctx->args[2], SC_WRITE);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_write")
int exit_write(struct trace_event_raw_sys_exit *ctx)
{
	on_data_exit(ctx->ret, CAPTURE_DIR_EGRESS);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_readv")
int enter_readv(struct trace_event_raw_sys_enter *ctx)
{
	stash_data_call(ctx->args[0], ctx->args[1], ctx->args[2], SC_READV);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_readv")
int exit_readv(struct trace_event_raw_sys_exit *ctx)
{
	on_data_exit(ctx->ret, CAPTURE_DIR_INGRESS);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_writev")
int enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	stash_data_call(ctx->args[0], ctx->args[1], ctx->args[2], SC_WRITEV);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_writev")
int exit_writev(struct trace_event_raw_sys_exit *ctx)
{
	on_data_exit(ctx->ret, CAPTURE_DIR_EGRESS);
	return 0;
}

/* recvfrom(fd, buf, len, flags, addr, addrlen): a MSG_PEEK leaves the bytes in the socket, so it is not data. */
SEC("tracepoint/syscalls/sys_enter_recvfrom")
int enter_recvfrom(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[3] & MSG_PEEK)
		return 0;
	stash_data_call(ctx->args[0], ctx->args[1], ctx->args[2], SC_READ);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int exit_recvfrom(struct trace_event_raw_sys_exit *ctx)
{
	on_data_exit(ctx->ret, CAPTURE_DIR_INGRESS);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	stash_data_call(ctx->args[0], ctx->args[1], ctx->args[2], SC_WRITE);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	on_data_exit(ctx->ret, CAPTURE_DIR_EGRESS);
	return 0;
}

/* recvmsg/sendmsg(fd, msghdr, flags): the bytes are in msghdr's iovec array. */
static __always_inline void stash_msg_call(struct trace_event_raw_sys_enter *ctx, __u32 kind)
{
	struct user_msghdr msg = {};
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)ctx->args[1]))
		return;
	stash_data_call(ctx->args[0], (__u64)msg.msg_iov, msg.msg_iovlen, kind);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int enter_recvmsg(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[2] & MSG_PEEK)
		return 0;
	stash_msg_call(ctx, SC_READV);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int exit_recvmsg(struct trace_event_raw_sys_exit *ctx)
{
	on_data_exit(ctx->ret, CAPTURE_DIR_INGRESS);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	stash_msg_call(ctx, SC_WRITEV);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	on_data_exit(ctx->ret, CAPTURE_DIR_EGRESS);
	return 0;
}

/* ---------- connection lifecycle ---------- */

static __always_inline void stash_plain(__s32 fd, __u32 kind)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!process_traced(pid_tgid >> 32))
		return;
	struct stash s = { .fd = fd, .kind = kind };
	stash_put(&s);
}

static __always_inline void on_accept_exit(long ret)
{
	struct stash s;
	if (!take_stash(&s) || ret < 0)
		return;
	track_new_socket(bpf_get_current_pid_tgid() >> 32, (__s32)ret, CAPTURE_ROLE_SERVER, CAPTURE_SOURCE_ACCEPT,
			 bpf_ktime_get_ns(), 0);
}

SEC("tracepoint/syscalls/sys_enter_accept")
int enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	stash_plain(ctx->args[0], SC_ACCEPT);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	on_accept_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	stash_plain(ctx->args[0], SC_ACCEPT);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	on_accept_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	__s32 fd = ctx->args[0];
	if (!process_traced(bpf_get_current_pid_tgid() >> 32))
		return 0;
	struct sock *sk = tcp_sock_of_fd(fd);
	if (!sk)
		return 0;
	/* Before the call: on loopback the handshake completes inside it. */
	__u64 key = (__u64)sk, pending = 0;
	bpf_map_update_elem(&handshakes, &key, &pending, BPF_ANY);
	struct stash s = { .fd = fd, .kind = SC_CONNECT, .enter_ns = bpf_ktime_get_ns() };
	stash_put(&s);
	return 0;
}

/* A non-blocking connect returns -EINPROGRESS and completes later: the socket is a connection either way. */
SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct stash s;
	if (!take_stash(&s))
		return 0;
	if (ctx->ret != 0 && ctx->ret != -EINPROGRESS)
		return 0;
	track_new_socket(bpf_get_current_pid_tgid() >> 32, s.fd, CAPTURE_ROLE_CLIENT, CAPTURE_SOURCE_CONNECT, 0, s.enter_ns);
	return 0;
}

/* The end of a reported connection, with the stream lengths seen. */
static __always_inline void send_close_event(__u32 tgid, struct conn *c)
{
	struct capture_conn_close_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		struct capture_counters *k = my_counters();
		if (k)
			__sync_fetch_and_add(&k->ringbuf_full_events, 1);
		return;
	}
	e->hdr.type = CAPTURE_EVENT_CONN_CLOSE;
	e->hdr.tgid = tgid;
	e->hdr.timestamp_ns = bpf_ktime_get_ns();
	e->hdr.conn_id = c->id;
	e->bytes_sent = c->pos[CAPTURE_DIR_EGRESS];
	e->bytes_received = c->pos[CAPTURE_DIR_INGRESS];
	bpf_ringbuf_submit(e, wakeup_flag());
}

SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct trace_event_raw_sys_enter *ctx)
{
	stash_plain(ctx->args[0], SC_CLOSE);
	return 0;
}

/* Linux releases the fd even when close() reports an error, except for a bad fd. */
SEC("tracepoint/syscalls/sys_exit_close")
int exit_close(struct trace_event_raw_sys_exit *ctx)
{
	struct stash s;
	if (!take_stash(&s) || ctx->ret == -EBADF)
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 key = conn_key(tgid, s.fd);
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0;
	if (c->reported)
		send_close_event(tgid, c);
	bpf_map_delete_elem(&conns, &key);
	return 0;
}

/* ---------- sendfile: bytes that never pass through user memory ---------- */

/* sendfile64(out_fd, in_fd, loff_t *offset, count) */
SEC("tracepoint/syscalls/sys_enter_sendfile64")
int enter_sendfile(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	__s32 out_fd = ctx->args[0];
	__s32 in_fd = ctx->args[1];
	if (!process_traced(tgid) || !wants_data(conn_for_call(tgid, out_fd)))
		return 0;
	__s64 file_offset = 0;
	if (ctx->args[2]) {
		if (bpf_probe_read_user(&file_offset, sizeof(file_offset), (void *)ctx->args[2]))
			file_offset = -1;
	} else {
		struct file *in = file_of_fd(in_fd);
		file_offset = in ? BPF_CORE_READ(in, f_pos) : -1;
	}
	struct stash s = { .fd = out_fd, .in_fd = in_fd, .file_offset = file_offset, .kind = SC_SENDFILE };
	stash_put(&s);
	return 0;
}

/* State of the walk from a file's dentry up to the process's root, for bpf_loop. */
struct path_walk {
	struct capture_sendfile_event *e;
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *m;
	struct dentry *root;
	struct vfsmount *root_mnt;
	__u64 mnt_offset; /* offsetof(struct mount, mnt) on this kernel */
	__u32 depth;
};

/* One step up: a mount crossing, or one name recorded. Returns 1 when done. */
static long path_step(__u32 index, void *ctx)
{
	struct path_walk *w = ctx;
	struct capture_sendfile_event *e = w->e;
	/* Locals: CO-RE relocations must apply to kernel types only, not to this walk's struct. */
	struct dentry *d = w->d;
	struct vfsmount *vm = w->vm;
	struct mount *m = w->m;
	if (d == w->root && vm == w->root_mnt) {
		e->path_complete = 1;
		return 1;
	}
	if (d == BPF_CORE_READ(vm, mnt_root)) {
		struct mount *parent = BPF_CORE_READ(m, mnt_parent);
		if (parent == m) {
			e->path_complete = 1;
			return 1;
		}
		w->d = BPF_CORE_READ(m, mnt_mountpoint);
		w->m = parent;
		w->vm = (struct vfsmount *)((void *)parent + w->mnt_offset);
		return 0;
	}
	__u32 depth = w->depth;
	if (depth >= CAPTURE_PATH_DEPTH)
		return 1;
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	bpf_probe_read_kernel_str(e->names[depth], CAPTURE_PATH_NAME, name);
	w->depth = depth + 1;
	e->depth = depth + 1;
	w->d = BPF_CORE_READ(d, d_parent);
	return 0;
}

/* The file's path relative to the process's root, leaf first, crossing mount points. */
static __always_inline void read_path(struct file *f, struct capture_sendfile_event *e)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct path_walk w = {
		.e = e,
		.d = BPF_CORE_READ(f, f_path.dentry),
		.vm = BPF_CORE_READ(f, f_path.mnt),
		.root = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),
		.mnt_offset = bpf_core_field_offset(struct mount, mnt),
	};
	w.m = (struct mount *)((void *)w.vm - w.mnt_offset);
	bpf_loop(CAPTURE_PATH_DEPTH + 8, path_step, &w, 0);
}

/* `count` bytes sent from in_fd's file at file_offset, at egress position `offset` of connection c. */
static __noinline void send_sendfile_event(struct conn *c, __u64 offset, __u64 ret, __s64 file_offset, __s32 in_fd)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct capture_sendfile_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		struct capture_counters *k = my_counters();
		if (k)
			count_lost(&k->ringbuf_full_events, &k->ringbuf_full_bytes, ret);
		return;
	}
	/* Too large to memset: every field is set below, names[] only up to depth. */
	e->ino = 0;
	e->dev = 0;
	e->i_mode = 0;
	e->file_size = 0;
	e->depth = 0;
	e->path_complete = 0;
	e->hdr.type = CAPTURE_EVENT_SENDFILE;
	e->hdr.tgid = tgid;
	e->hdr.timestamp_ns = bpf_ktime_get_ns();
	e->hdr.conn_id = c->id;
	e->stream_offset = offset;
	e->count = ret;
	e->file_offset = file_offset;
	struct file *in = file_of_fd(in_fd);
	if (in) {
		struct inode *inode = BPF_CORE_READ(in, f_inode);
		e->ino = BPF_CORE_READ(inode, i_ino);
		e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
		e->i_mode = BPF_CORE_READ(inode, i_mode);
		e->file_size = BPF_CORE_READ(inode, i_size);
		read_path(in, e);
	}
	bpf_ringbuf_submit(e, wakeup_flag());
}

SEC("tracepoint/syscalls/sys_exit_sendfile64")
int exit_sendfile(struct trace_event_raw_sys_exit *ctx)
{
	struct stash s;
	if (!take_stash(&s))
		return 0;
	long ret = ctx->ret;
	if (ret <= 0)
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 key = conn_key(tgid, s.fd);
	struct conn *c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return 0;
	__u64 offset = __sync_fetch_and_add(&c->pos[CAPTURE_DIR_EGRESS], ret);
	if (c->verdict == VERDICT_CAPTURE)
		send_sendfile_event(c, offset, ret, s.file_offset, s.in_fd);
	return 0;
}

/* ---------- TLS: plaintext at OpenSSL's SSL_read/SSL_write(_ex), by uprobes ---------- */

/* SSL_read(ssl, buf, num), SSL_write(ssl, buf, num), and the _ex variants with a size_t *count as 4th argument. */
static __always_inline void ssl_enter(struct pt_regs *ctx, __u8 dir, bool ex)
{
	if (!process_traced(bpf_get_current_pid_tgid() >> 32))
		return;
	struct ssl_call *call = bpf_task_storage_get(&ssl_calls, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!call)
		return;
	__u64 sp = PT_REGS_SP(ctx);
	/* Called from inside another SSL call of this thread (deeper in the stack): the outer call owns the bytes. */
	if (call->active && sp < call->sp)
		return;
	call->ssl = PT_REGS_PARM1(ctx);
	call->buf = PT_REGS_PARM2(ctx);
	call->len_out = ex ? PT_REGS_PARM4(ctx) : 0;
	call->sp = sp;
	call->sk = 0;
	call->fd = -1;
	call->dir = dir;
	call->active = 1;
}

/*
 * A finished call's plaintext on connection c, decided and emitted like a syscall's bytes.
 * sk: the socket when the socket path knows it (NULL: the syscall path finds it from fd).
 */
static __noinline void emit_plaintext(struct conn *c, __s32 fd, struct sock *sk, struct ssl_call *call, __u64 n)
{
	if (!c || c->verdict == VERDICT_NOT_TCP)
		return;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 buf = call->buf;
	__u8 dir = call->dir;
	/* The thread runs user code, so no syscall of its own is in flight: its stash can carry the walk. */
	struct stash *s = stash_slot();
	if (!s)
		return;
	s->buf = buf;
	s->count = n;
	s->fd = fd;
	s->kind = dir == CAPTURE_DIR_INGRESS ? SC_READ : SC_WRITE;
	mark_tls(c);
	if (c->verdict == VERDICT_UNDECIDED)
		decide(s, c, sk, n, dir);
	__u64 offset = __sync_fetch_and_add(&c->pos[dir & 1], n);
	if (c->verdict == VERDICT_CAPTURE)
		emit_payload(tgid, s, c, offset, n, dir, bpf_ktime_get_ns());
	s->kind = 0;
}

/*
 * n bytes of a finished call's plaintext, onto the connection of the socket its TLS object uses:
 * the one seen under this call (call->sk, call->fd), else the one seen under an earlier call of
 * the same object (a call served from the TLS library's buffer makes no socket call); without
 * one, counted as unattributed.
 */
static __always_inline void emit_tls_call(__u32 tgid, struct ssl_call *call, __u64 n)
{
	struct ssl_key key = { .tgid = tgid, .ssl = call->ssl };
	if (cfg.data_path == CAPTURE_PATH_SOCKET) {
		__u64 sk = call->sk;
		if (!sk) {
			/* Served from OpenSSL's buffer: the socket is the one this SSL object used before. */
			__u64 *known = bpf_map_lookup_elem(&ssl_socks, &key);
			sk = known ? *known : 0;
		}
		struct conn *c = sk ? bpf_map_lookup_elem(&tls_conns, &sk) : NULL;
		if (c) {
			emit_plaintext(c, c->fd, (struct sock *)sk, call, n);
			return;
		}
	} else {
		__s32 fd = call->fd;
		if (fd < 0) {
			/* Served from OpenSSL's buffer: the socket is the one this SSL object used before. */
			__s32 *known = bpf_map_lookup_elem(&ssl_fds, &key);
			fd = known ? *known : -1;
		}
		if (fd >= 0) {
			__u64 conn = conn_key(tgid, fd);
			emit_plaintext(bpf_map_lookup_elem(&conns, &conn), fd, NULL, call, n);
			return;
		}
	}
	struct capture_counters *k = my_counters();
	if (k)
		count_lost(&k->tls_unattributed_events, &k->tls_unattributed_bytes, n);
}

static __always_inline void ssl_return(struct pt_regs *ctx, bool ex)
{
	struct ssl_call *call = bpf_task_storage_get(&ssl_calls, bpf_get_current_task_btf(), 0, 0);
	if (!call || !call->active)
		return;
	/* This call's return pops one return address above the entry's stack pointer; a nested call returns deeper. */
	__u64 sp = PT_REGS_SP(ctx);
	if (sp < call->sp || sp > call->sp + 16)
		return;
	call->active = 0;
	int ret = (int)PT_REGS_RC(ctx);
	__u64 n = 0;
	if (ex) {
		if (ret != 1 || bpf_probe_read_user(&n, sizeof(n), (void *)call->len_out))
			return;
	} else {
		if (ret <= 0)
			return;
		n = ret;
	}
	if (n == 0)
		return;
	emit_tls_call(bpf_get_current_pid_tgid() >> 32, call, n);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter)
{
	ssl_enter(ctx, CAPTURE_DIR_INGRESS, false);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter)
{
	ssl_enter(ctx, CAPTURE_DIR_EGRESS, false);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter)
{
	ssl_enter(ctx, CAPTURE_DIR_INGRESS, true);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter)
{
	ssl_enter(ctx, CAPTURE_DIR_EGRESS, true);
	return 0;
}

/* For SSL_read and SSL_write: the return value is the byte count. */
SEC("uretprobe")
int BPF_KRETPROBE(ssl_return_count)
{
	ssl_return(ctx, false);
	return 0;
}

/* For SSL_read_ex and SSL_write_ex: 1 on success, the byte count behind the 4th argument. */
SEC("uretprobe")
int BPF_KRETPROBE(ssl_return_ex)
{
	ssl_return(ctx, true);
	return 0;
}

#include "go_tls.bpf.h"

/* ---------- socket path: tp_btf/sock_send_length and sock_recv_length (Linux >= 6.3) ---------- */

/*
 * One program per socket call, after the bytes moved, with the socket and the byte count (or
 * error). The state of a connection lives in the socket's own storage: a socket that was open
 * before recording began needs no fd walk (its addresses come from the socket), a socket shared
 * by several processes (a pre-fork server) is one connection, and the state ends with the
 * socket. A read that was already blocked when recording began is seen when it returns, since
 * its buffer comes from the syscall's saved registers, not from an entry we would have missed.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct conn);
} sk_conns SEC(".maps");

/* x86-64 syscall numbers whose arguments say where a socket call's bytes are. */
#define NR_READ 0
#define NR_WRITE 1
#define NR_READV 19
#define NR_WRITEV 20
#define NR_SENDFILE 40
#define NR_SENDTO 44
#define NR_RECVFROM 45
#define NR_SENDMSG 46
#define NR_RECVMSG 47
#define NR_RECVMMSG 299
#define NR_SENDMMSG 307
#define NR_PREADV2 327
#define NR_PWRITEV2 328

#define PF_IO_WORKER 0x00000010
#define PF_KTHREAD 0x00200000

#define TCP_SYN_RECV 3
#define TCP_CLOSE 7

static __always_inline bool is_tcp(struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;
	return (family == AF_INET || family == AF_INET6) && sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM;
}

/* The socket's connection state, created on first sight; ids are given on first data. */
static __always_inline struct conn *socket_conn(struct sock *sk)
{
	struct conn *c = bpf_sk_storage_get(&sk_conns, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (c && c->id == 0) {
		/* No handshake seen (inet_sock_set_state fills source): open before recording began. */
		if (c->source == CAPTURE_SOURCE_UNKNOWN)
			c->source = CAPTURE_SOURCE_ALREADY_OPEN;
		/* Two threads' first calls on one socket at the same instant could both get here; the later id wins. */
		c->id = new_conn_id();
	}
	return c;
}

/* recvmsg/sendmsg: the bytes are in the msghdr's iovec array (a msghdr that cannot be read gives a counted read fault). */
static __always_inline void locate_msghdr(struct stash *s, __u64 msghdr)
{
	struct user_msghdr msg = {};
	bpf_probe_read_user(&msg, sizeof(msg), (void *)msghdr);
	s->kind = SC_READV;
	s->buf = (__u64)msg.msg_iov;
	s->count = msg.msg_iovlen;
}

/*
 * Which message of a sendmmsg/recvmmsg vector this socket call moves. The kernel handles the
 * messages in order, one socket call each; after each it writes the message's length into that
 * message's msg_len, and it stops at the end of the vector or at the first error. So a call on
 * the same vector continues the thread's previous one when the vector is not exhausted and the
 * previous message's msg_len holds the length this program saw for it; otherwise it is a new
 * syscall, at message 0. Any other socket call of the thread ends the sequence (see
 * locate_call). Misread only if a call stops early without an error (a recvmmsg timeout,
 * MSG_OOB) and the next call on the same vector finds a stale msg_len equal to that length.
 * Called for calls that moved bytes (on_socket_data forgets the place at an error).
 */
static __always_inline __u32 mmsg_index(struct call_progress *p, __u32 nr, __u64 vec, __u64 vlen, long ret)
{
	__u32 index = 0;
	if (p->nr == nr && p->arg == vec && p->next > 0 && p->next < vlen) {
		__u32 last_len = 0;
		struct mmsghdr *previous = (struct mmsghdr *)vec + (p->next - 1);
		if (bpf_probe_read_user(&last_len, sizeof(last_len), &previous->msg_len) == 0 && last_len == (__u32)p->done)
			index = p->next;
	}
	p->nr = nr;
	p->arg = vec;
	p->next = index + 1;
	p->done = ret;
	return index;
}

/*
 * sendfile's splice into the socket fires once per chunk. A chunk's source offset is where the
 * call started (*offset, or the file position: the kernel updates both only when the call
 * returns) plus what the call sent before it. A chunk continues the thread's previous sendfile
 * when the fds and the start are the same and that call had not yet sent its count.
 */
static __always_inline void locate_sendfile(struct stash *s, __s32 out_fd, __s32 in_fd, __u64 ppos, __u64 count, long ret)
{
	__s64 start = -1;
	if (ppos) {
		if (bpf_probe_read_user(&start, sizeof(start), (void *)ppos))
			start = -1;
	} else {
		struct file *in = file_of_fd(in_fd);
		if (in)
			start = BPF_CORE_READ(in, f_pos);
	}
	struct call_progress *p = &s->progress;
	__u64 key = (__u64)(__u32)in_fd << 32 | (__u32)out_fd;
	__u64 before = 0;
	if (p->nr == NR_SENDFILE && p->arg == key && p->start == (__u64)start && p->done < count)
		before = p->done;
	p->nr = NR_SENDFILE;
	p->arg = key;
	p->start = start;
	p->done = before + (ret > 0 ? ret : 0);
	s->kind = SC_SENDFILE;
	s->in_fd = in_fd;
	s->file_offset = start < 0 ? -1 : start + before;
}

/*
 * Where the bytes of this socket call are, from the syscall's saved registers (orig_ax: the
 * number; di, si, dx, r10: the first arguments), into s (kind, buf, count, fd). A call we
 * cannot place (io_uring, splice from a pipe, a kernel thread, an unknown syscall) is
 * SC_NO_BUFFER: its length becomes an exact gap.
 */
static __always_inline void locate_call(struct stash *s, struct task_struct *task, long ret)
{
	s->kind = SC_NO_BUFFER;
	s->buf = 0;
	s->count = 0;
	s->fd = -1;
	if (task->flags & (PF_KTHREAD | PF_IO_WORKER))
		return; /* no syscall of a process behind these bytes */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return;
	__u32 nr = regs->orig_ax;
	__u64 fd = regs->di, a1 = regs->si, a2 = regs->dx;
	if (nr != NR_RECVMMSG && nr != NR_SENDMMSG && nr != NR_SENDFILE)
		s->progress.nr = 0; /* a new call: whatever vector or sendfile came before has ended */
	switch (nr) {
	case NR_READ:
	case NR_WRITE:
	case NR_RECVFROM:
	case NR_SENDTO:
		s->kind = SC_READ; /* one buffer (either direction) */
		s->buf = a1;
		s->count = a2;
		break;
	case NR_READV:
	case NR_WRITEV:
	case NR_PREADV2:
	case NR_PWRITEV2:
		s->kind = SC_READV; /* an iovec array (either direction) */
		s->buf = a1;
		s->count = a2;
		break;
	case NR_RECVMSG:
	case NR_SENDMSG:
		locate_msghdr(s, a1);
		break;
	case NR_RECVMMSG:
	case NR_SENDMMSG: {
		__u32 index = mmsg_index(&s->progress, nr, a1, a2, ret);
		locate_msghdr(s, a1 + index * sizeof(struct mmsghdr));
		break;
	}
	case NR_SENDFILE:
		locate_sendfile(s, fd, a1, a2, regs->r10, ret);
		break;
	default:
		return;
	}
	s->fd = fd;
}

/*
 * TLS on the socket path: a socket call under an SSL call moves ciphertext, and tells which
 * socket the SSL object uses; outside SSL calls a TLS socket's bytes are ciphertext too.
 * Returns true when the call's bytes are not data.
 */
static __always_inline bool tls_socket_call(__u32 tgid, struct sock *sk, __s32 fd, struct conn *c)
{
	struct ssl_call *call;
	__u64 object = tls_object_in_flight(tgid, &call);
	bool in_ssl = call != NULL;
	if (!object)
		return c->tls;
	/* Already recorded as plain HTTP: not this call's socket (a mark left by a call that never returned must not hide it). */
	if (c->reported && !c->tls)
		return false;
	__u64 skaddr = (__u64)sk;
	if (!in_ssl || call->sk != skaddr) {
		if (in_ssl)
			call->sk = skaddr;
		link_ssl_socket(tgid, object, skaddr, fd, c);
	}
	mark_tls(c);
	return true;
}

/* An exact gap of `moved` bytes that had no user buffer to read. */
static __always_inline void send_no_buffer_gap(struct stash *s, struct conn *c, __u32 tgid, __u64 offset, __u64 moved,
					       __u8 dir)
{
	struct emit_state *x = &s->emit;
	x->conn_id = c->id;
	x->ts = bpf_ktime_get_ns();
	x->stream_offset = offset;
	x->tgid = tgid;
	x->dir = dir;
	x->flags = CAPTURE_DATA_NO_BUFFER;
	send_cut(x, moved);
}

static __always_inline void on_socket_data(struct sock *sk, int ret, int flags, __u8 dir)
{
	if (dir == CAPTURE_DIR_INGRESS && (flags & MSG_PEEK))
		return; /* the bytes stay in the socket: not data */
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!process_traced(tgid) || !is_tcp(sk))
		return;
	struct task_struct *task = bpf_get_current_task_btf();
	if (ret <= 0) {
		/* Errors, -EAGAIN and the end of the stream are not data. An error ends a message vector
		 * (an end of stream may not, but no data can follow it), so forget the thread's place in one. */
		struct stash *s = bpf_task_storage_get(&stashes, task, 0, 0);
		if (s && (s->progress.nr == NR_RECVMMSG || s->progress.nr == NR_SENDMMSG))
			s->progress.nr = 0;
		return;
	}
	struct stash *s = bpf_task_storage_get(&stashes, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return;
	locate_call(s, task, ret);
	struct conn *c = socket_conn(sk);
	if (!c)
		return;
	if (cfg.tls && dir == CAPTURE_DIR_EGRESS)
		bio_link_socket_send(tgid, sk, s, c);
	if (cfg.tls && tls_socket_call(tgid, sk, s->fd, c))
		return;
	if (c->verdict == VERDICT_UNDECIDED) {
		c->tgid = tgid;
		c->fd = s->fd;
	}
	__u64 offset;
	bool buffered = s->kind != SC_NO_BUFFER && s->kind != SC_SENDFILE;
	if (!take_position(s, c, sk, ret, dir, buffered || cfg.all_tcp, &offset))
		return;
	if (s->kind == SC_SENDFILE)
		send_sendfile_event(c, offset, ret, s->file_offset, s->in_fd);
	else if (s->kind == SC_NO_BUFFER)
		send_no_buffer_gap(s, c, tgid, offset, ret, dir);
	else
		emit_payload(tgid, s, c, offset, ret, dir, bpf_ktime_get_ns());
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_sock_send, struct sock *sk, int ret, int flags)
{
	on_socket_data(sk, ret, flags, CAPTURE_DIR_EGRESS);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv, struct sock *sk, int ret, int flags)
{
	on_socket_data(sk, ret, flags, CAPTURE_DIR_INGRESS);
	return 0;
}

/* The end of a socket: its connection's close record (the plaintext side's, for TLS), then its state goes. */
static __always_inline void close_socket_conn(struct sock *sk)
{
	struct conn *c = bpf_sk_storage_get(&sk_conns, sk, 0, 0);
	if (!c)
		return;
	if (c->tls) {
		__u64 key = (__u64)sk;
		struct conn *plain = bpf_map_lookup_elem(&tls_conns, &key);
		if (plain) {
			if (plain->reported)
				send_close_event(plain->tgid, plain);
			bpf_map_delete_elem(&tls_conns, &key);
		}
	} else if (c->reported) {
		send_close_event(c->tgid, c);
	}
	bpf_sk_storage_delete(&sk_conns, sk);
}

/*
 * Roles and times from the TCP state machine: connect() moves a socket to SYN_SENT (in the
 * caller's context, so the process filter applies), the handshake's end to ESTABLISHED (from
 * SYN_SENT: a client; from SYN_RECV: a server's accepted socket), and the socket's end to CLOSE.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_sock_state, const struct sock *state_sk, const int oldstate, const int newstate)
{
	struct sock *sk = (struct sock *)state_sk;
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_CLOSE) {
		close_socket_conn(sk);
		return 0;
	}
	if (newstate == TCP_SYN_SENT) {
		if (!process_traced(bpf_get_current_pid_tgid() >> 32))
			return 0;
		struct conn *c = bpf_sk_storage_get(&sk_conns, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (c && c->id == 0) {
			c->role = CAPTURE_ROLE_CLIENT;
			c->source = CAPTURE_SOURCE_CONNECT;
			c->connect_ns = bpf_ktime_get_ns();
		}
		return 0;
	}
	if (newstate != TCP_ESTABLISHED)
		return 0;
	if (oldstate == TCP_SYN_SENT) {
		struct conn *c = bpf_sk_storage_get(&sk_conns, sk, 0, 0);
		if (c && c->source == CAPTURE_SOURCE_CONNECT && !c->opened_ns)
			c->opened_ns = bpf_ktime_get_ns();
	} else if (oldstate == TCP_SYN_RECV) {
		/* In softirq, before accept(): no process to filter on yet. */
		struct conn *c = bpf_sk_storage_get(&sk_conns, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (c && c->id == 0 && c->source == CAPTURE_SOURCE_UNKNOWN) {
			c->role = CAPTURE_ROLE_SERVER;
			c->source = CAPTURE_SOURCE_ACCEPT;
			c->opened_ns = bpf_ktime_get_ns();
		}
	}
	return 0;
}
