// SPDX-License-Identifier: MIT
/*
 * iodirty-ctl: the "iodirty" generic netlink family through libnl-genl-3.
 * libnl builds and sends the requests, runs the dumps and reports
 * NLM_F_DUMP_INTR (-NLE_DUMP_INTR); this file parses the attributes and
 * takes the kernel's extended ack message for error reports.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/iodirty_nl.h>

#include "ctl.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* libnl's error codes as errnos, for callers that speak errno only. */
static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_DUMP_INTR:
		return -EAGAIN;
	case NLE_INTR:
		return -EINTR;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_EXIST:
		return -EEXIST;
	default:
		return -EIO;
	}
}

/* The extended ack message in the @len bytes of TLVs at @a, if any. */
static void take_ext_msg(struct ctl_nl *nl, struct nlattr *a, int len)
{
	for (; nla_ok(a, len); a = nla_next(a, &len))
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			nla_strlcpy(nl->ext_msg, a, sizeof(nl->ext_msg));
}

/*
 * Error messages carry the kernel's errno and, with NETLINK_EXT_ACK, a
 * message: keep both. libnl then reports the errno mapped to its codes.
 */
static int err_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct ctl_nl *nl = arg;
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off = sizeof(*e);

	(void)who;
	nl->ext_msg[0] = '\0';
	/* NL_STOP: libnl then returns the errno (as its own code). */
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	/* Unless capped, the request is echoed before the TLVs. */
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (h->nlmsg_len < NLMSG_HDRLEN + off)
		return NL_STOP;
	take_ext_msg(nl, (struct nlattr *)((char *)e + off),
		     (int)(h->nlmsg_len - NLMSG_HDRLEN - off));
	return NL_STOP;
}

int ctl_nl_open(struct ctl_nl *nl)
{
	struct timeval tmo = { .tv_sec = 30 };
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	ret = genl_connect(nl->sk);
	if (ret < 0)
		goto fail;
	/*
	 * A reply or an error ends each request: acks would only be left
	 * behind for the next request to trip over.
	 */
	nl_socket_disable_auto_ack(nl->sk);
	/* Without it the kernel gives errnos without their reasons. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	/* A reply that never comes is an error, not a hang. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVTIMEO, &tmo,
		   sizeof(tmo));
	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, err_cb, nl);
	ret = genl_ctrl_resolve(nl->sk, IODIRTY_FAMILY_NAME);
	if (ret < 0)
		goto fail;
	nl->family = ret;
	return 0;
fail:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return nl_to_errno(ret);
}

void ctl_nl_close(struct ctl_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/* Sends @cmd with flags @flags and optionally a u32 attribute. */
static int send_cmd(struct ctl_nl *nl, uint8_t cmd, int flags, int attr,
		    uint32_t val)
{
	struct nl_msg *msg = nlmsg_alloc();
	int ret;

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, IODIRTY_FAMILY_VERSION) ||
	    (attr && nla_put_u32(msg, attr, val) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl->ext_msg[0] = '\0';
	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	return ret < 0 ? nl_to_errno(ret) : 0;
}

/* How the replies of one request end. */
struct recv_state {
	struct ctl_nl *nl;
	nl_recvmsg_msg_cb_t fn;
	void *arg;
	bool one;		/* a do request: its one reply ends it */
	bool done;
	int err;		/* carried by the end of a dump */
};


static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct recv_state *r = arg;
	int ret = r->fn(msg, r->arg);

	if (r->one) {
		r->done = true;
		return NL_STOP;
	}
	return ret;
}

/*
 * The end of a dump carries the dump's errno (a dump that failed at once:
 * an unknown handle, a bad attribute), then its extended ack.
 */
static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct recv_state *r = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int e;

	r->done = true;
	if (h->nlmsg_len >= NLMSG_HDRLEN + sizeof(e)) {
		memcpy(&e, nlmsg_data(h), sizeof(e));
		if (e < 0)
			r->err = e;
		if (h->nlmsg_flags & NLM_F_ACK_TLVS)
			take_ext_msg(r->nl, (struct nlattr *)((char *)
					nlmsg_data(h) + NLA_ALIGN(sizeof(e))),
				     (int)(h->nlmsg_len - NLMSG_HDRLEN -
					   NLA_ALIGN(sizeof(e))));
	}
	return NL_STOP;
}

/*
 * Runs the replies of the request just sent through @fn until they end:
 * the reply of a do request (@one), the end of a dump, or an error (the
 * socket asks for no acks: see ctl_nl_open()); with @to_end false, only
 * what one read brings (events). Nothing of a request is left behind for
 * the next one to read.
 */
static int recv_replies(struct ctl_nl *nl, nl_recvmsg_msg_cb_t fn, void *arg,
			bool one, bool to_end)
{
	/* A copy: the socket's own set keeps no pointer into this frame. */
	struct nl_cb *sock_cb = nl_socket_get_cb(nl->sk);
	struct nl_cb *cb = nl_cb_clone(sock_cb);
	struct recv_state r = { .nl = nl, .fn = fn, .arg = arg, .one = one };
	int ret = 0;

	nl_cb_put(sock_cb);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &r);
	do
		ret = nl_recvmsgs(nl->sk, cb);
	while (to_end && !r.done && ret >= 0);
	nl_cb_put(cb);
	if (ret < 0)
		return nl_to_errno(ret);
	return r.err;
}

static int recv_all(struct ctl_nl *nl, nl_recvmsg_msg_cb_t fn, void *arg)
{
	return recv_replies(nl, fn, arg, false, true);
}

static int recv_one(struct ctl_nl *nl, nl_recvmsg_msg_cb_t fn, void *arg)
{
	return recv_replies(nl, fn, arg, true, true);
}

static uint64_t get_u64(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u64(tb[a]) : 0;
}

static uint32_t get_u32(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u32(tb[a]) : 0;
}

/* Attributes of a reply, parsed without a policy: the kernel is trusted
 * for types, and a missing attribute reads as 0. */
static int parse(struct nl_msg *msg, struct nlattr **tb, int max)
{
	return genlmsg_parse(nlmsg_hdr(msg), 0, tb, max, NULL);
}

static void ioas_from(struct nlattr **tb, struct ctl_ioas *o)
{
	memset(o, 0, sizeof(*o));
	o->handle = get_u32(tb, IODIRTY_NL_A_IOAS_HANDLE);
	o->owner_tgid = get_u32(tb, IODIRTY_NL_A_IOAS_OWNER_TGID);
	o->owner_uid = get_u32(tb, IODIRTY_NL_A_IOAS_OWNER_UID);
	if (tb[IODIRTY_NL_A_IOAS_OWNER_COMM])
		nla_strlcpy(o->owner_comm, tb[IODIRTY_NL_A_IOAS_OWNER_COMM],
			    sizeof(o->owner_comm));
	o->created_ns = get_u64(tb, IODIRTY_NL_A_IOAS_CREATED_NS);
	o->mapped_bytes = get_u64(tb, IODIRTY_NL_A_IOAS_MAPPED_BYTES);
	o->mappings = get_u64(tb, IODIRTY_NL_A_IOAS_MAPPINGS);
	o->holes = get_u64(tb, IODIRTY_NL_A_IOAS_HOLES);
	o->pinned_pages = get_u64(tb, IODIRTY_NL_A_IOAS_PINNED_PAGES);
	o->memlock_bytes = get_u64(tb, IODIRTY_NL_A_IOAS_MEMLOCK_BYTES);
	o->reserved_regions = get_u32(tb, IODIRTY_NL_A_IOAS_RESERVED_REGIONS);
	o->tracking = tb[IODIRTY_NL_A_IOAS_TRACKING] &&
		      nla_get_u8(tb[IODIRTY_NL_A_IOAS_TRACKING]);
	o->granule = get_u64(tb, IODIRTY_NL_A_IOAS_GRANULE);
	o->dirty_pending = get_u64(tb, IODIRTY_NL_A_IOAS_DIRTY_PENDING);
	o->reads = get_u64(tb, IODIRTY_NL_A_IOAS_READS);
	o->clears = get_u64(tb, IODIRTY_NL_A_IOAS_CLEARS);
	o->dirty_reported_bytes =
		get_u64(tb, IODIRTY_NL_A_IOAS_DIRTY_REPORTED_BYTES);
	o->dma_writes = get_u64(tb, IODIRTY_NL_A_IOAS_DMA_WRITES);
	o->dma_write_bytes = get_u64(tb, IODIRTY_NL_A_IOAS_DMA_WRITE_BYTES);
	o->dma_reads = get_u64(tb, IODIRTY_NL_A_IOAS_DMA_READS);
	o->dma_read_bytes = get_u64(tb, IODIRTY_NL_A_IOAS_DMA_READ_BYTES);
	o->unmaps_reported = get_u64(tb, IODIRTY_NL_A_IOAS_UNMAPS_REPORTED);
	o->generation = get_u32(tb, IODIRTY_NL_A_IOAS_GENERATION);
}

struct ioas_walk {
	int (*fn)(void *arg, const struct ctl_ioas *ioas);
	void *arg;
	struct ctl_ioas *one;	/* get: the reply goes here */
	int err;
};

static int ioas_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IODIRTY_NL_A_IOAS_MAX + 1];
	struct ioas_walk *w = arg;
	struct ctl_ioas o;

	if (parse(msg, tb, IODIRTY_NL_A_IOAS_MAX) < 0)
		return NL_SKIP;
	ioas_from(tb, &o);
	if (w->one) {
		*w->one = o;
		return NL_OK;
	}
	if (!w->err)
		w->err = w->fn(w->arg, &o);
	return NL_OK;
}

int ctl_nl_ioas_dump(struct ctl_nl *nl, int64_t uid,
		     int (*fn)(void *arg, const struct ctl_ioas *ioas),
		     void *arg)
{
	struct ioas_walk w = { .fn = fn, .arg = arg };
	int ret;

	ret = send_cmd(nl, IODIRTY_NL_CMD_IOAS_GET, NLM_F_DUMP,
		       uid >= 0 ? IODIRTY_NL_A_IOAS_OWNER_UID : 0,
		       (uint32_t)uid);
	if (!ret)
		ret = recv_all(nl, ioas_cb, &w);
	return w.err ? w.err : ret;
}

int ctl_nl_ioas_get(struct ctl_nl *nl, uint32_t handle, struct ctl_ioas *out)
{
	struct ioas_walk w = { .one = out };
	int ret;

	out->handle = 0;
	ret = send_cmd(nl, IODIRTY_NL_CMD_IOAS_GET, 0,
		       IODIRTY_NL_A_IOAS_HANDLE, handle);
	if (!ret)
		ret = recv_one(nl, ioas_cb, &w);
	if (!ret && out->handle != handle)
		ret = -EPROTO;
	return ret;
}

struct run_list {
	struct ctl_run *v;
	size_t n, cap;
	int err;
};

static int run_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IODIRTY_NL_A_MAPPING_MAX + 1];
	struct run_list *l = arg;
	struct ctl_run *r;

	if (l->err || parse(msg, tb, IODIRTY_NL_A_MAPPING_MAX) < 0)
		return NL_SKIP;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct ctl_run *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->err = -ENOMEM;
			return NL_SKIP;
		}
		l->v = v;
		l->cap = cap;
	}
	r = &l->v[l->n++];
	r->iova = get_u64(tb, IODIRTY_NL_A_MAPPING_IOVA);
	r->length = get_u64(tb, IODIRTY_NL_A_MAPPING_LENGTH);
	r->has_uaddr = tb[IODIRTY_NL_A_MAPPING_UADDR] != NULL;
	r->uaddr = get_u64(tb, IODIRTY_NL_A_MAPPING_UADDR);
	r->prot = get_u32(tb, IODIRTY_NL_A_MAPPING_PROT);
	r->area_iova = get_u64(tb, IODIRTY_NL_A_MAPPING_AREA_IOVA);
	r->area_length = get_u64(tb, IODIRTY_NL_A_MAPPING_AREA_LENGTH);
	return NL_OK;
}

int ctl_nl_runs(struct ctl_nl *nl, uint32_t handle, unsigned int tries,
		unsigned int *retries,
		int (*fn)(void *arg, const struct ctl_run *run), void *arg)
{
	struct run_list l = { 0 };
	unsigned int t;
	int ret = -EAGAIN;

	for (t = 0; t < tries && ret == -EAGAIN; t++) {
		l.n = 0;
		l.err = 0;
		ret = send_cmd(nl, IODIRTY_NL_CMD_MAPPING_GET, NLM_F_DUMP,
			       IODIRTY_NL_A_MAPPING_HANDLE, handle);
		if (!ret)
			ret = recv_all(nl, run_cb, &l);
		if (!ret)
			ret = l.err;
	}
	if (retries)
		*retries = t ? t - 1 : 0;
	for (size_t i = 0; !ret && i < l.n; i++)
		ret = fn(arg, &l.v[i]);
	free(l.v);
	return ret;
}

struct resv_walk {
	int (*fn)(void *arg, uint64_t start, uint64_t last, uint32_t type);
	void *arg;
	int err;
};

static int resv_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IODIRTY_NL_A_RESV_MAX + 1];
	struct resv_walk *w = arg;

	if (w->err || parse(msg, tb, IODIRTY_NL_A_RESV_MAX) < 0)
		return NL_SKIP;
	w->err = w->fn(w->arg, get_u64(tb, IODIRTY_NL_A_RESV_START),
		       get_u64(tb, IODIRTY_NL_A_RESV_LAST),
		       get_u32(tb, IODIRTY_NL_A_RESV_TYPE));
	return NL_OK;
}

int ctl_nl_resv(struct ctl_nl *nl, uint32_t handle,
		int (*fn)(void *arg, uint64_t start, uint64_t last,
			  uint32_t type),
		void *arg)
{
	struct resv_walk w = { .fn = fn, .arg = arg };
	int ret;

	ret = send_cmd(nl, IODIRTY_NL_CMD_RESV_GET, NLM_F_DUMP,
		       IODIRTY_NL_A_RESV_HANDLE, handle);
	if (!ret)
		ret = recv_all(nl, resv_cb, &w);
	return w.err ? w.err : ret;
}

int ctl_nl_events_join(struct ctl_nl *nl)
{
	int grp, ctrl;

	grp = genl_ctrl_resolve_grp(nl->sk, IODIRTY_FAMILY_NAME,
				    IODIRTY_MCGRP_EVENTS);
	if (grp < 0)
		return nl_to_errno(grp);
	ctrl = genl_ctrl_resolve_grp(nl->sk, "nlctrl", "notify");
	if (ctrl < 0)
		return nl_to_errno(ctrl);
	nl_socket_disable_seq_check(nl->sk);
	if (nl_socket_add_memberships(nl->sk, grp, ctrl, 0) < 0)
		return -errno;
	return 0;
}

struct event_walk {
	int (*fn)(void *arg, const struct ctl_event *ev);
	void *arg;
	struct ctl_nl *nl;
	bool gone;
	int err;
};

/* The controller's notice that a family went away: ours? */
static bool family_deleted(struct nl_msg *msg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (g->cmd != CTRL_CMD_DELFAMILY ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME])
		return false;
	return !strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]),
		       IODIRTY_FAMILY_NAME);
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IODIRTY_NL_A_EVENT_MAX + 1];
	struct event_walk *w = arg;
	struct ctl_event ev;

	if (nlmsg_hdr(msg)->nlmsg_type == GENL_ID_CTRL) {
		w->gone |= family_deleted(msg);
		return NL_OK;
	}
	if (nlmsg_hdr(msg)->nlmsg_type != w->nl->family || w->err ||
	    parse(msg, tb, IODIRTY_NL_A_EVENT_MAX) < 0)
		return NL_SKIP;
	memset(&ev, 0, sizeof(ev));
	ev.type = get_u32(tb, IODIRTY_NL_A_EVENT_TYPE);
	ev.handle = get_u32(tb, IODIRTY_NL_A_EVENT_HANDLE);
	ev.owner_uid = get_u32(tb, IODIRTY_NL_A_EVENT_OWNER_UID);
	ev.has_range = tb[IODIRTY_NL_A_EVENT_LENGTH] != NULL;
	ev.iova = get_u64(tb, IODIRTY_NL_A_EVENT_IOVA);
	ev.length = get_u64(tb, IODIRTY_NL_A_EVENT_LENGTH);
	ev.has_dirty_pages = tb[IODIRTY_NL_A_EVENT_DIRTY_PAGES] != NULL;
	ev.dirty_pages = get_u64(tb, IODIRTY_NL_A_EVENT_DIRTY_PAGES);
	w->err = w->fn(w->arg, &ev);
	return NL_OK;
}

int ctl_nl_event_wait(struct ctl_nl *nl, int timeout_ms,
		      int (*fn)(void *arg, const struct ctl_event *ev),
		      void *arg)
{
	struct event_walk w = { .fn = fn, .arg = arg, .nl = nl };
	struct pollfd p = { .fd = nl_socket_get_fd(nl->sk), .events = POLLIN };
	int ret;

	ret = poll(&p, 1, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	if (!ret)
		return 0;
	/* What is there now; poll() says when there is more. */
	ret = recv_replies(nl, event_cb, &w, false, false);
	if (w.err)
		return w.err;
	/* Events lost to a full socket buffer are not fatal for a monitor. */
	if (ret && ret != -ENOMEM)
		return ret;
	return w.gone ? 1 : 0;
}

const char *ctl_nl_event_name(uint32_t type)
{
	static const char *const names[] = {
		[IODIRTY_NL_EVENT_IOAS_CREATED] = "ioas-created",
		[IODIRTY_NL_EVENT_IOAS_DESTROYED] = "ioas-destroyed",
		[IODIRTY_NL_EVENT_TRACKING_ON] = "tracking-on",
		[IODIRTY_NL_EVENT_TRACKING_OFF] = "tracking-off",
		[IODIRTY_NL_EVENT_UNMAP_DIRTY] = "unmap-dirty",
		[IODIRTY_NL_EVENT_MAP_REFUSED] = "map-refused",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

int ctl_nl_fail(const struct ctl_nl *nl, int err, const char *what)
{
	const char *why = nl && nl->ext_msg[0] ? nl->ext_msg : NULL;

	switch (err) {
	case -ENOENT:
		if (!nl || !nl->sk) {
			ctl_msg("%s: the iodirty module is not loaded (no "
				"generic netlink family \"" IODIRTY_FAMILY_NAME
				"\")", what);
			return CTL_EXIT_NOMOD;
		}
		ctl_msg("%s: %s", what, why ? why : "no such IO address space");
		return CTL_EXIT_NOENT;
	case -EPERM:
	case -EACCES:
		ctl_msg("%s: permission denied%s%s", what, why ? ": " : "",
			why ? why : "");
		return CTL_EXIT_PERM;
	default:
		if (why)
			ctl_msg("%s: %s (%s)", what, strerror(-err), why);
		else
			ctl_msg("%s: %s", what, strerror(-err));
		return CTL_EXIT_FAIL;
	}
}
