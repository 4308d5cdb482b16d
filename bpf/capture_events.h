/* SPDX-License-Identifier: MIT */
/*
 * The one definition of every structure shared between the kernel program
 * (capture.bpf.c) and the recorder (the C# mirrors in recorder/Interop/).
 * Fixed-size types, explicit padding, no implicit holes: the C# mirrors are
 * checked against these layouts by tests/Capture.Recorder.Tests.
 */
#ifndef CAPTURE_EVENTS_H
#define CAPTURE_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Largest payload one data event carries; a syscall's bytes are split into such chunks. */
#define CAPTURE_CHUNK_MAX 16384
/* Smaller reservations for small payloads, so small writes do not waste ring space. */
#define CAPTURE_CHUNK_SMALL 512
#define CAPTURE_CHUNK_MEDIUM 4096
/* Most iovec entries walked per readv/writev/recvmsg/sendmsg call: the kernel's UIO_MAXIOV, so every
 * successful call is walked whole (Kestrel hands one sendmsg hundreds of 4 KiB pipe segments). */
#define CAPTURE_MAX_IOVECS 1024
/* Path components (leaf first) recorded for a sendfile source file. */
#define CAPTURE_PATH_DEPTH 16
#define CAPTURE_PATH_NAME 64
#define CAPTURE_COMM_LEN 16
/* Most cgroups one recording can be limited to (--cgroup, --container). */
#define CAPTURE_MAX_CGROUP_FILTERS 64

enum capture_event_type {
	CAPTURE_EVENT_CONN_OPEN = 1,
	CAPTURE_EVENT_DATA = 2,
	CAPTURE_EVENT_CONN_CLOSE = 3,
	CAPTURE_EVENT_SENDFILE = 4,
};

enum capture_role {
	CAPTURE_ROLE_UNKNOWN = 0,
	CAPTURE_ROLE_CLIENT = 1,
	CAPTURE_ROLE_SERVER = 2,
};

enum capture_source {
	CAPTURE_SOURCE_UNKNOWN = 0,
	CAPTURE_SOURCE_ACCEPT = 1,
	CAPTURE_SOURCE_CONNECT = 2,
	CAPTURE_SOURCE_ALREADY_OPEN = 3,
};

enum capture_direction {
	CAPTURE_DIR_EGRESS = 0,  /* written by the traced process */
	CAPTURE_DIR_INGRESS = 1, /* read by the traced process */
};

enum capture_data_flags {
	CAPTURE_DATA_READ_FAULT = 1, /* the user buffer could not be read: payload empty, length in cut_bytes */
	CAPTURE_DATA_TLS = 2,        /* plaintext taken at SSL_read/SSL_write, not socket bytes */
	CAPTURE_DATA_NO_BUFFER = 4,  /* the call had no user buffer to read (io_uring, splice, a kernel sender): payload empty, length in cut_bytes */
};

/* Which kernel hooks carry the data (capture_config.data_path). */
enum capture_data_path {
	CAPTURE_PATH_SYSCALL = 0, /* syscall tracepoints, arguments stashed at entry (any kernel) */
	CAPTURE_PATH_SOCKET = 1,  /* tp_btf/sock_send_length and sock_recv_length (Linux >= 6.3) */
};

enum capture_conn_flags {
	CAPTURE_CONN_TLS = 1, /* the socket carries TLS: its data events are the plaintext */
};

/* Starts every ring-buffer event. */
struct capture_event_header {
	__u32 type;          /* enum capture_event_type */
	__u32 tgid;          /* process id */
	__u64 timestamp_ns;  /* bpf_ktime_get_ns() at syscall exit */
	__u64 conn_id;       /* kernel-assigned: unique per socket (socket path) or per (tgid, fd, generation) (syscall path) */
};

/* Sent once per connection, just before its first data event. */
struct capture_conn_open_event {
	struct capture_event_header hdr;
	__s32 fd;
	__u8 role;           /* enum capture_role */
	__u8 source;         /* enum capture_source */
	__u16 family;        /* AF_INET (2) or AF_INET6 (10); 0 when unknown */
	__u16 local_port;    /* host byte order */
	__u16 remote_port;   /* host byte order */
	__u8 flags;          /* enum capture_conn_flags */
	__u8 reserved[3];
	__u8 local_addr[16]; /* IPv4 in the first 4 bytes, network byte order */
	__u8 remote_addr[16];
	char comm[CAPTURE_COMM_LEN];
	__u64 connect_start_ns; /* source connect: when connect() began (hdr.timestamp_ns: when the handshake ended); 0 otherwise */
	__u64 cgroup_id;     /* cgroup v2 id of the process whose call first showed the connection (bpf_get_current_cgroup_id) */
	__u32 netns_ino;     /* inode number of the socket's network namespace (the process's when the socket is unknown) */
	__u32 ns_pid;        /* hdr.tgid as seen inside the process's own pid namespace (equal to tgid outside containers) */
};

/* Bytes of one chunk of one syscall; followed by payload_len bytes of payload. */
struct capture_data_event {
	struct capture_event_header hdr;
	__u64 stream_offset; /* position of payload[0] in this direction's stream */
	__u64 cut_bytes;     /* bytes after the payload, moved by the call but not captured */
	__u32 payload_len;
	__u8 direction;      /* enum capture_direction */
	__u8 flags;          /* enum capture_data_flags */
	__u16 reserved;
	/* __u8 payload[payload_len]; */
};

struct capture_conn_close_event {
	struct capture_event_header hdr;
	__u64 bytes_sent;     /* total egress stream length seen */
	__u64 bytes_received; /* total ingress stream length seen */
};

/* A sendfile() on a recorded connection: the bytes came from a file, never from user memory. */
struct capture_sendfile_event {
	struct capture_event_header hdr;
	__u64 stream_offset; /* egress position of the first byte sent */
	__u64 count;         /* bytes sent (the syscall's return value) */
	__u64 file_offset;   /* position in the source file of the first byte sent */
	__u64 file_size;     /* i_size of the source file at the time of the call */
	__u64 ino;
	__u32 dev;           /* kernel encoding: major << 20 | minor */
	__u16 i_mode;
	__u8 depth;          /* number of valid names[] entries */
	__u8 path_complete;  /* 1 when the walk reached the root of the process's file system */
	char names[CAPTURE_PATH_DEPTH][CAPTURE_PATH_NAME]; /* leaf first */
};

/* Configuration, set by the loader in .rodata.config before load. */
struct capture_config {
	__u32 self_tgid;          /* the recorder itself, never traced */
	__u32 max_bytes_per_call; /* capture cap per syscall; the rest is counted as cut */
	__u8 filter_pids;         /* 1: only tgids in the filter_pids map */
	__u8 filter_comms;        /* 1: only comms in the filter_comms map */
	__u8 filter_ports;        /* 1: only connections with a local or remote port in filter_ports */
	__u8 all_tcp;             /* 1: record TCP connections that do not look like HTTP/1.x too */
	__u32 wakeup_bytes;       /* wake the reader when this much data waits in the ring */
	__u8 tls;                 /* 1: OpenSSL probes are attached: TLS sockets give plaintext, never ciphertext */
	__u8 data_path;           /* enum capture_data_path: which programs are loaded */
	__u8 reserved[2];
	__u32 filter_cgroups;     /* entries in the filter_cgroups map (cgroup_filter.bpf.h); 0: no cgroup filter */
};

/* Per-CPU loss counters; user space sums them over CPUs. */
struct capture_counters {
	__u64 ringbuf_full_events; /* failed ring-buffer reservations */
	__u64 ringbuf_full_bytes;  /* payload bytes of those events */
	__u64 cap_events;          /* calls whose bytes exceeded max_bytes_per_call */
	__u64 cap_bytes;           /* bytes beyond the cap */
	__u64 read_fault_events;   /* user buffers that could not be read */
	__u64 read_fault_bytes;
	__u64 tls_unattributed_events; /* SSL_read/SSL_write plaintext whose socket was never learned (not a loss: filters could not be applied) */
	__u64 tls_unattributed_bytes;
};

#endif /* CAPTURE_EVENTS_H */
