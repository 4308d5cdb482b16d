/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS plaintext from Go's crypto/tls, by uprobes (included by capture.bpf.c after the OpenSSL probes).
 *
 * Go programs built with Go >= 1.17 on x86-64 pass arguments and results in registers (the
 * register ABI): a method's receiver in RAX, then a slice's pointer and length in RBX and RCX;
 * the first result comes back in RAX; R14 always holds the running goroutine (g). The recorder
 * attaches:
 *   go_tls_read_enter / go_tls_write_enter at the entry of (*Conn).Read / Write (the stack check's branch, see
 *   recorder/Tls/Go/EntryFinder.cs: arguments and R14 are as at the first instruction),
 *   go_tls_read_return / go_tls_write_return at each of their RET instructions,
 *   go_tls_handshake_enter / go_tls_handshake_return at (*Conn).handshakeContext and its RETs.
 * Never uretprobes: they plant a return address on the stack, and Go moves stacks.
 *
 * A call is paired with its return by goroutine, not by thread: a goroutine that blocks in the
 * netpoller may resume on another thread. While a call of a *tls.Conn is in flight on a
 * goroutine, the socket calls that goroutine makes carry that Conn's ciphertext: they tell which
 * socket the Conn uses (learned in ssl_fds / ssl_socks, keyed by the Conn pointer as OpenSSL's are
 * by SSL*), so no field of tls.Conn is read. The one Go structure read is runtime.g's first field,
 * the goroutine's stack bounds (stack.lo, stack.hi at offsets 0 and 8 in every Go version): a
 * buffer on the goroutine's stack is remembered relative to the stack's top, since the stack may
 * be copied elsewhere before the call returns.
 */

enum go_tls_kind {
	GO_TLS_READ = 0,
	GO_TLS_WRITE = 1,
	GO_TLS_HANDSHAKE = 2,
	GO_TLS_KINDS = 3,
};

struct go_tls_key {
	__u32 tgid;
	__u32 reserved;
	__u64 g; /* the goroutine: R14 */
};

/* The crypto/tls calls in flight on one goroutine (a handshake may run inside a Read or Write). */
struct go_tls_call {
	__u64 conn[GO_TLS_KINDS]; /* the *tls.Conn of the call in flight, 0 when none */
	__u64 buf[2];             /* Read/Write: the buffer, or its distance below the stack's top when on_stack */
	__u8 on_stack[2];
	__u8 reserved[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct go_tls_key);
	__type(value, struct go_tls_call);
} go_tls_calls SEC(".maps");

/* runtime.g starts with the goroutine's stack bounds. */
struct go_stack {
	__u64 lo;
	__u64 hi;
};

/*
 * The *tls.Conn whose call is in flight on the goroutine making the current socket call, or 0.
 * A socket call's user registers are those of the SYSCALL instruction, reached from Go code
 * where R14 still holds g.
 */
static __always_inline __u64 go_tls_conn_in_flight(__u32 tgid)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!regs)
		return 0;
	struct go_tls_key key = { .tgid = tgid, .g = BPF_CORE_READ(regs, r14) };
	struct go_tls_call *call = bpf_map_lookup_elem(&go_tls_calls, &key);
	if (!call)
		return 0;
	if (call->conn[GO_TLS_READ])
		return call->conn[GO_TLS_READ];
	if (call->conn[GO_TLS_WRITE])
		return call->conn[GO_TLS_WRITE];
	return call->conn[GO_TLS_HANDSHAKE];
}

static __always_inline void go_tls_enter(struct pt_regs *ctx, const __u32 kind)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!process_traced(tgid))
		return;
	struct go_tls_key key = { .tgid = tgid, .g = ctx->r14 };
	struct go_tls_call *call = bpf_map_lookup_elem(&go_tls_calls, &key);
	if (!call) {
		struct go_tls_call fresh = {};
		bpf_map_update_elem(&go_tls_calls, &key, &fresh, BPF_NOEXIST);
		call = bpf_map_lookup_elem(&go_tls_calls, &key);
		if (!call)
			return;
	}
	/* A Read or Write entered again after its stack grew (Go restarts the function) just overwrites. */
	call->conn[kind] = ctx->ax;
	if (kind == GO_TLS_HANDSHAKE)
		return;
	__u64 buf = ctx->bx;
	struct go_stack stack = {};
	bool on_stack = bpf_probe_read_user(&stack, sizeof(stack), (void *)ctx->r14) == 0 && buf >= stack.lo && buf < stack.hi;
	call->on_stack[kind] = on_stack;
	call->buf[kind] = on_stack ? stack.hi - buf : buf;
}

/* A RET of Read or Write: n (RAX) bytes of plaintext moved; a RET of the handshake only ends its mark. */
static __always_inline void go_tls_return(struct pt_regs *ctx, const __u32 kind)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct go_tls_key key = { .tgid = tgid, .g = ctx->r14 };
	struct go_tls_call *call = bpf_map_lookup_elem(&go_tls_calls, &key);
	if (!call || !call->conn[kind])
		return;
	__u64 conn = call->conn[kind];
	call->conn[kind] = 0;
	if (kind == GO_TLS_HANDSHAKE)
		return;
	__s64 n = (__s64)ctx->ax;
	if (n <= 0)
		return;
	__u64 buf = call->buf[kind];
	if (call->on_stack[kind]) {
		struct go_stack stack = {};
		if (bpf_probe_read_user(&stack, sizeof(stack), (void *)ctx->r14))
			return;
		buf = stack.hi - buf;
	}
	struct ssl_call plain = {
		.ssl = conn,
		.buf = buf,
		.fd = -1,
		.dir = kind == GO_TLS_READ ? CAPTURE_DIR_INGRESS : CAPTURE_DIR_EGRESS,
	};
	emit_tls_call(tgid, &plain, n);
}

/* One uprobe program per function and place: NAME_enter at the entry, NAME_return at each RET. */
#define GO_TLS_PROGRAMS(name, kind)               \
	SEC("uprobe")                             \
	int BPF_KPROBE(name##_enter)              \
	{                                         \
		go_tls_enter(ctx, kind);          \
		return 0;                         \
	}                                         \
	SEC("uprobe")                             \
	int BPF_KPROBE(name##_return)             \
	{                                         \
		go_tls_return(ctx, kind);         \
		return 0;                         \
	}

GO_TLS_PROGRAMS(go_tls_read, GO_TLS_READ)
GO_TLS_PROGRAMS(go_tls_write, GO_TLS_WRITE)
GO_TLS_PROGRAMS(go_tls_handshake, GO_TLS_HANDSHAKE)
