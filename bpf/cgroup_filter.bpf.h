/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Containers: where a connection's process lives (its cgroup v2, network namespace and pid as
 * seen inside its pid namespace), and the --cgroup/--container filter. Included by capture.bpf.c
 * after cfg, so that the filter reads cfg.filter_cgroups.
 */
#ifndef CAPTURE_CGROUP_FILTER_BPF_H
#define CAPTURE_CGROUP_FILTER_BPF_H

/*
 * The cgroups the user selected, as cgroup fds put here by the loader (entries 0 ..
 * cfg.filter_cgroups - 1). bpf_current_task_under_cgroup tells whether the current task is in
 * one of them or in a descendant, so a container's cgroup selects every process under it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, CAPTURE_MAX_CGROUP_FILTERS);
	__type(key, __u32);
	__type(value, __u32);
} filter_cgroups SEC(".maps");

/* True when no cgroup filter is set, or the current task is under one of the selected cgroups. */
static __always_inline bool cgroup_selected(void)
{
	if (!cfg.filter_cgroups)
		return true;
	for (__u32 i = 0; i < CAPTURE_MAX_CGROUP_FILTERS; i++) {
		if (i >= cfg.filter_cgroups)
			break;
		if (bpf_current_task_under_cgroup(&filter_cgroups, i) == 1)
			return true;
	}
	return false;
}

/* The deepest pid namespace level the kernel allows (MAX_PID_NS_LEVEL). */
#define CAPTURE_PID_NS_LEVELS 32

/* The current process's id in its own (innermost) pid namespace: upid numbers[level] of its leader. */
static __always_inline __u32 namespace_pid(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);
	if (!pid)
		return 0;
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};
	bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[level & (CAPTURE_PID_NS_LEVELS - 1)]);
	return up.nr;
}

/* The socket's network namespace (sock -> __sk_common.skc_net -> ns.inum), else the process's. */
static __always_inline __u32 netns_inode(struct sock *sk)
{
	if (sk)
		return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

/* Fills the container fields of an open event, in the context of the call that first showed the connection. */
static __always_inline void read_container_context(struct sock *sk, struct capture_conn_open_event *e)
{
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->netns_ino = netns_inode(sk);
	e->ns_pid = namespace_pid();
}

#endif /* CAPTURE_CGROUP_FILTER_BPF_H */
