// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic netlink family "iodirty": inspection of every IOAS in the
 * system (docs/netlink/specs/iodirty.yaml; the policies and the op table
 * are generated into nl-gen.c). Read only.
 *
 * Who sees what: a caller whose socket was opened with CAP_SYS_ADMIN sees
 * every IOAS; any other caller only those created by its own effective
 * uid, and never another uid's user addresses. The socket's opener
 * decides, as for a file: a socket passed to another process keeps the
 * rights it was opened with.
 *
 * An inspector holds one IOAS at a time (registry.c), for one reply or
 * one batch (one skb) of a dump, and the mapping dump its core read lock
 * for that batch: DMA and dirty reads, which also read-lock, are never
 * stalled; map and unmap wait one batch; no other IOAS waits at all.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "nl-gen.h"
#include "priv.h"

/* Whose eyes: the opener of the requesting socket. */
struct iodirty_viewer {
	const struct file *file;
	kuid_t euid;
};

static void iodirty_viewer_of(const struct sk_buff *skb,
			      struct iodirty_viewer *v)
{
	const struct sock *sk = NETLINK_CB(skb).sk;
	const struct file *f = sk && sk->sk_socket ? sk->sk_socket->file : NULL;

	/* A socket of the kernel's own (no file) sees nothing. */
	v->file = f;
	v->euid = f ? f->f_cred->euid : INVALID_UID;
}

/*
 * The owner's uid first: the capability check is made (and logged by an
 * LSM that audits denials) only for IOASes of other users.
 */
static bool iodirty_visible(const struct iodirty_viewer *v,
			    const struct iodirty_ioas *ioas)
{
	return v->file && (uid_eq(v->euid, ioas->owner.euid) ||
			   file_ns_capable(v->file, &init_user_ns,
					   CAP_SYS_ADMIN));
}

#define PUT_U64(skb, attr, val, pad) \
	nla_put_u64_64bit(skb, attr, val, pad)

static int iodirty_nl_fill_ioas(struct sk_buff *skb, struct iodirty_ioas *ioas,
				u32 portid, u32 seq, int flags)
{
	const struct iodirty_ioas_counters *c = &ioas->cnt;
	struct iod_iopt_stats st;
	size_t nresv = 0;
	u64 pinned;
	void *hdr;

	/* Read once: the two attributes made from it must agree. */
	pinned = atomic64_read(&c->pinned_pages);
	iod_iopt_stats(&ioas->iopt, &st);
	iod_iopt_reserved(&ioas->iopt, NULL, &nresv);
	hdr = genlmsg_put(skb, portid, seq, &iodirty_nl_family, flags,
			  IODIRTY_NL_CMD_IOAS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, IODIRTY_NL_A_IOAS_HANDLE, ioas->handle) ||
	    nla_put_u32(skb, IODIRTY_NL_A_IOAS_OWNER_TGID, ioas->owner.tgid) ||
	    nla_put_u32(skb, IODIRTY_NL_A_IOAS_OWNER_UID,
			from_kuid_munged(&init_user_ns, ioas->owner.euid)) ||
	    nla_put_string(skb, IODIRTY_NL_A_IOAS_OWNER_COMM,
			   ioas->owner.comm) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_CREATED_NS, ioas->owner.created_ns,
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_MAPPED_BYTES, st.mapped_bytes,
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_MAPPINGS, st.areas,
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_HOLES, st.holes,
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_PINNED_PAGES, pinned,
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_MEMLOCK_BYTES, pinned << PAGE_SHIFT,
		    IODIRTY_NL_A_IOAS_PAD) ||
	    nla_put_u32(skb, IODIRTY_NL_A_IOAS_RESERVED_REGIONS, nresv) ||
	    nla_put_u8(skb, IODIRTY_NL_A_IOAS_TRACKING, st.tracking) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_GRANULE,
		    1ULL << iod_iopt_granule_shift(&ioas->iopt),
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_DIRTY_PENDING, st.dirty_pending,
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_READS, st.reads,
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_CLEARS, st.clears,
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_DIRTY_REPORTED_BYTES,
		    atomic64_read(&c->dirty_reported_bytes),
		    IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_DMA_WRITES,
		    atomic64_read(&c->dma_writes), IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_DMA_WRITE_BYTES,
		    atomic64_read(&c->dma_write_bytes), IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_DMA_READS,
		    atomic64_read(&c->dma_reads), IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_DMA_READ_BYTES,
		    atomic64_read(&c->dma_read_bytes), IODIRTY_NL_A_IOAS_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_IOAS_UNMAPS_REPORTED,
		    atomic64_read(&c->unmaps_reported), IODIRTY_NL_A_IOAS_PAD) ||
	    nla_put_u32(skb, IODIRTY_NL_A_IOAS_GENERATION,
			atomic_read(&c->generation))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int iodirty_nl_ioas_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct iodirty_viewer v;
	struct iodirty_ioas *ioas;
	struct sk_buff *msg;
	u32 handle, found;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, IODIRTY_NL_A_IOAS_HANDLE))
		return -EINVAL;
	handle = nla_get_u32(info->attrs[IODIRTY_NL_A_IOAS_HANDLE]);
	iodirty_viewer_of(skb, &v);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	found = handle;
	ioas = iodirty_registry_get(&found);
	if (!ioas || found != handle) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[IODIRTY_NL_A_IOAS_HANDLE],
				    "no IOAS has this handle");
		ret = -ENOENT;
	} else if (!iodirty_visible(&v, ioas)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[IODIRTY_NL_A_IOAS_HANDLE],
				    "the IOAS belongs to another user");
		ret = -EPERM;
	} else {
		ret = iodirty_nl_fill_ioas(msg, ioas, info->snd_portid,
					   info->snd_seq, 0);
	}
	if (ioas)
		iodirty_registry_put(ioas);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* Where an IOAS dump resumes. */
struct iodirty_ioas_dump_ctx {
	u32 next;
};

int iodirty_nl_ioas_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct iodirty_ioas_dump_ctx *ctx = (void *)cb->ctx;
	kuid_t uid = INVALID_UID;
	struct iodirty_viewer v;
	struct iodirty_ioas *ioas;
	int ret = 0;

	static_assert(sizeof(*ctx) <= sizeof(cb->ctx));
	iodirty_viewer_of(cb->skb, &v);
	if (info->attrs[IODIRTY_NL_A_IOAS_OWNER_UID]) {
		uid = make_kuid(&init_user_ns,
				nla_get_u32(info->attrs[IODIRTY_NL_A_IOAS_OWNER_UID]));
		if (!uid_valid(uid)) {
			NL_SET_ERR_MSG_ATTR(cb->extack,
					    info->attrs[IODIRTY_NL_A_IOAS_OWNER_UID],
					    "not a uid");
			return -EINVAL;
		}
	}
	while ((ioas = iodirty_registry_get(&ctx->next))) {
		if (iodirty_visible(&v, ioas) &&
		    (!uid_valid(uid) || uid_eq(uid, ioas->owner.euid)))
			ret = iodirty_nl_fill_ioas(skb, ioas,
						   NETLINK_CB(cb->skb).portid,
						   cb->nlh->nlmsg_seq,
						   NLM_F_MULTI);
		iodirty_registry_put(ioas);
		if (ret || ctx->next == U32_MAX)
			break;
		ctx->next++;
	}
	/* A full skb: go on in the next one. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret;
}

/*
 * The IOAS a dump of one IOAS (mappings, reserved regions) is about, from
 * the required attribute @attr on the first call, held for inspection
 * (iodirty_registry_put()). NULL if there is none to dump: *@err
 * is then the error of a first call, or 0 for an IOAS destroyed during
 * the dump, whose end is then flagged interrupted.
 */
static struct iodirty_ioas *iodirty_nl_dump_target(struct netlink_callback *cb,
						   int attr, u32 *handle,
						   bool *started, int *err)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct iodirty_viewer v;
	struct iodirty_ioas *ioas;
	u32 found;

	*err = 0;
	if (!*started) {
		if (GENL_REQ_ATTR_CHECK(info, attr)) {
			*err = -EINVAL;
			return NULL;
		}
		*handle = nla_get_u32(info->attrs[attr]);
	}
	found = *handle;
	ioas = iodirty_registry_get(&found);
	if (ioas && found != *handle) {
		iodirty_registry_put(ioas);
		ioas = NULL;
	}
	if (!ioas) {
		if (!*started) {
			NL_SET_ERR_MSG(cb->extack, "no IOAS has this handle");
			*err = -ENOENT;
		} else {
			cb->seq = cb->prev_seq + 1;
		}
		return NULL;
	}
	if (!*started) {
		iodirty_viewer_of(cb->skb, &v);
		/*
		 * Only the owner's uid and an admin get past this: both may
		 * see the owner's user addresses.
		 */
		if (!iodirty_visible(&v, ioas)) {
			iodirty_registry_put(ioas);
			NL_SET_ERR_MSG(cb->extack,
				       "the IOAS belongs to another user");
			*err = -EPERM;
			return NULL;
		}
		*started = true;
	}
	return ioas;
}

/* Where a mapping dump resumes, and what it may show. */
struct iodirty_map_dump_ctx {
	u32 handle;
	bool started;
	u64 next_iova;
};

struct iodirty_map_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct iodirty_map_dump_ctx *ctx;
	u32 handle;
};

static int iodirty_nl_fill_run(void *arg, const struct iod_run *r)
{
	struct iodirty_map_dump *d = arg;
	struct sk_buff *skb = d->skb;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(d->cb->skb).portid,
			  d->cb->nlh->nlmsg_seq, &iodirty_nl_family,
			  NLM_F_MULTI, IODIRTY_NL_CMD_MAPPING_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(d->cb, hdr);
	if (nla_put_u32(skb, IODIRTY_NL_A_MAPPING_HANDLE, d->handle) ||
	    PUT_U64(skb, IODIRTY_NL_A_MAPPING_IOVA, r->iova,
		    IODIRTY_NL_A_MAPPING_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_MAPPING_LENGTH, r->length,
		    IODIRTY_NL_A_MAPPING_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_MAPPING_UADDR, r->uaddr,
		    IODIRTY_NL_A_MAPPING_PAD) ||
	    nla_put_u32(skb, IODIRTY_NL_A_MAPPING_PROT, r->prot) ||
	    PUT_U64(skb, IODIRTY_NL_A_MAPPING_AREA_IOVA, r->area_iova,
		    IODIRTY_NL_A_MAPPING_PAD) ||
	    PUT_U64(skb, IODIRTY_NL_A_MAPPING_AREA_LENGTH, r->area_length,
		    IODIRTY_NL_A_MAPPING_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	d->ctx->next_iova = r->iova + r->length;
	/* The last page of the IOVA space: nothing can follow. */
	return d->ctx->next_iova ? 0 : 1;
}

/* The core's prot bits are the uAPI's. */
static_assert((int)IODIRTY_NL_PROT_READ == (int)IODIRTY_IOAS_MAP_READ);
static_assert((int)IODIRTY_NL_PROT_WRITE == (int)IODIRTY_IOAS_MAP_WRITE);

int iodirty_nl_mapping_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct iodirty_map_dump_ctx *ctx = (void *)cb->ctx;
	struct iodirty_map_dump d = { .skb = skb, .cb = cb, .ctx = ctx };
	struct iodirty_ioas *ioas;
	int ret;

	static_assert(sizeof(*ctx) <= sizeof(cb->ctx));
	ioas = iodirty_nl_dump_target(cb, IODIRTY_NL_A_MAPPING_HANDLE,
				      &ctx->handle, &ctx->started, &ret);
	if (!ioas)
		return ret;
	d.handle = ctx->handle;
	/*
	 * Mappings changed since the last batch: the messages of this one
	 * are flagged NLM_F_DUMP_INTR (genl_dump_check_consistent()).
	 */
	cb->seq = atomic_read(&ioas->cnt.generation);
	ret = iod_iopt_for_each_run(&ioas->iopt, ctx->next_iova,
				    iodirty_nl_fill_run, &d);
	/* And changed during it: flags the next message, or the end. */
	cb->seq = atomic_read(&ioas->cnt.generation);
	iodirty_registry_put(ioas);
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	if (ret < 0)
		return ret;
	return 0;
}

/* Where a reserved-region dump resumes. */
struct iodirty_resv_dump_ctx {
	u32 handle;
	bool started;
	u64 next;		/* index into the list */
};

int iodirty_nl_resv_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	struct iodirty_resv_dump_ctx *ctx = (void *)cb->ctx;
	struct iod_range *v = NULL;
	struct iodirty_ioas *ioas;
	size_t n = 0;
	void *hdr;
	int ret;

	static_assert(sizeof(*ctx) <= sizeof(cb->ctx));
	ioas = iodirty_nl_dump_target(cb, IODIRTY_NL_A_RESV_HANDLE,
				      &ctx->handle, &ctx->started, &ret);
	if (!ioas)
		return ret;
	cb->seq = atomic_read(&ioas->cnt.generation);
	ret = iodirty_list_ranges(ioas, true, &v, &n);
	iodirty_registry_put(ioas);
	for (; !ret && ctx->next < n; ctx->next++) {
		const struct iod_range *r = &v[ctx->next];

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &iodirty_nl_family,
				  NLM_F_MULTI, IODIRTY_NL_CMD_RESV_GET);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (nla_put_u32(skb, IODIRTY_NL_A_RESV_HANDLE, ctx->handle) ||
		    PUT_U64(skb, IODIRTY_NL_A_RESV_START, r->start,
			    IODIRTY_NL_A_RESV_PAD) ||
		    PUT_U64(skb, IODIRTY_NL_A_RESV_LAST, r->last,
			    IODIRTY_NL_A_RESV_PAD) ||
		    nla_put_u32(skb, IODIRTY_NL_A_RESV_TYPE, r->type)) {
			genlmsg_cancel(skb, hdr);
			ret = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	kvfree(v);
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret;
}

#ifdef IODIRTY_NL_COMPAT_OPS
/*
 * Kernels before 6.2 take one op per command, with one policy for both
 * its do and its dump, where nl-gen.c has one entry per kind, each with
 * its own policy. The family is registered with a merged table: an op of
 * a command that has both kinds gets the union of their policies, and
 * wrappers that refuse, before calling the handler, an attribute that is
 * not in the handler's own policy, as its strict validation would.
 */
static struct genl_ops *iodirty_nl_merged;
static struct nla_policy *iodirty_nl_merged_policy;
static const struct genl_ops *iodirty_nl_gen_ops;
static unsigned int iodirty_nl_n_gen_ops;

/* The op of nl-gen.c for @cmd with a doit (@dump false) or a dumpit. */
static const struct genl_ops *iodirty_nl_gen_op(u8 cmd, bool dump)
{
	unsigned int i;

	for (i = 0; i < iodirty_nl_n_gen_ops; i++) {
		const struct genl_ops *op = &iodirty_nl_gen_ops[i];

		if (op->cmd == cmd && (dump ? !!op->dumpit : !!op->doit))
			return op;
	}
	return NULL;
}

static int iodirty_nl_check_attrs(const struct genl_ops *op,
				  struct nlattr **attrs, unsigned int maxattr,
				  struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 1; attrs && i <= maxattr; i++) {
		if (!attrs[i])
			continue;
		if (i > op->maxattr || op->policy[i].type == NLA_UNSPEC) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[i],
					    "Unsupported attribute");
			return -EINVAL;
		}
	}
	return 0;
}

static int iodirty_nl_compat_doit(struct sk_buff *skb, struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	const struct genl_ops *op = iodirty_nl_gen_op(cmd, false);
	unsigned int i;
	int ret;

	if (!op)
		return -EOPNOTSUPP;
	/* info->attrs has room for the merged op's attributes. */
	for (i = 0; iodirty_nl_merged[i].cmd != cmd; i++)
		;
	ret = iodirty_nl_check_attrs(op, info->attrs,
				     iodirty_nl_merged[i].maxattr,
				     info->extack);
	return ret ? ret : op->doit(skb, info);
}

static int iodirty_nl_compat_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	const struct genl_ops *op = iodirty_nl_gen_op(di->op.cmd, true);
	int ret;

	if (!op)
		return -EOPNOTSUPP;
	ret = iodirty_nl_check_attrs(op, di->attrs, di->op.maxattr,
				     cb->extack);
	return ret ? ret : op->dumpit(skb, cb);
}

static int iodirty_nl_merge_ops(void)
{
	unsigned int i, j, n = 0, maxattr = 0;
	struct genl_ops *m;

	iodirty_nl_gen_ops = iodirty_nl_family.ops;
	iodirty_nl_n_gen_ops = iodirty_nl_family.n_ops;
	for (i = 0; i < iodirty_nl_n_gen_ops; i++)
		maxattr = max(maxattr, iodirty_nl_gen_ops[i].maxattr);
	iodirty_nl_merged = kcalloc(iodirty_nl_n_gen_ops, sizeof(*m),
				    GFP_KERNEL);
	/* Room for the union of any two policies. */
	iodirty_nl_merged_policy = kcalloc(iodirty_nl_n_gen_ops * (maxattr + 1),
					   sizeof(*iodirty_nl_merged_policy),
					   GFP_KERNEL);
	if (!iodirty_nl_merged || !iodirty_nl_merged_policy)
		return -ENOMEM;
	for (i = 0; i < iodirty_nl_n_gen_ops; i++) {
		const struct genl_ops *g = &iodirty_nl_gen_ops[i];
		struct nla_policy *pol;

		for (j = 0; j < n; j++)
			if (iodirty_nl_merged[j].cmd == g->cmd)
				break;
		m = &iodirty_nl_merged[j];
		pol = &iodirty_nl_merged_policy[j * (maxattr + 1)];
		if (j == n) {
			n++;
			m->cmd = g->cmd;
			m->flags = g->flags & (GENL_ADMIN_PERM |
					       GENL_UNS_ADMIN_PERM);
			m->policy = pol;
		}
		if (g->doit)
			m->doit = iodirty_nl_compat_doit;
		if (g->dumpit)
			m->dumpit = iodirty_nl_compat_dumpit;
		m->maxattr = max(m->maxattr, g->maxattr);
		for (j = 1; j <= g->maxattr; j++)
			/* Some members are const: no assignment. */
			if (g->policy[j].type != NLA_UNSPEC)
				memcpy(&pol[j], &g->policy[j], sizeof(pol[j]));
	}
	iodirty_nl_family.ops = iodirty_nl_merged;
	iodirty_nl_family.n_ops = n;
	return 0;
}

static void iodirty_nl_free_ops(void)
{
	kfree(iodirty_nl_merged);
	kfree(iodirty_nl_merged_policy);
}
#else
static int iodirty_nl_merge_ops(void)
{
	return 0;
}

static void iodirty_nl_free_ops(void)
{
}
#endif

#ifdef IODIRTY_NL_COMPAT_ADMIN_EVENTS
/* See compat.h: without a per-listener filter, admins only. */
static struct genl_multicast_group iodirty_nl_admin_mcgrps[1];

static void iodirty_nl_admin_events(void)
{
	BUILD_BUG_ON(IODIRTY_NLGRP_EVENTS != 0);
	iodirty_nl_admin_mcgrps[0] = iodirty_nl_family.mcgrps[0];
#ifdef GENL_MCAST_CAP_SYS_ADMIN
	iodirty_nl_admin_mcgrps[0].flags |= GENL_MCAST_CAP_SYS_ADMIN;
#endif
	iodirty_nl_family.mcgrps = iodirty_nl_admin_mcgrps;
}
#else
static void iodirty_nl_admin_events(void)
{
}
#endif

int iodirty_nl_init(void)
{
	int ret;

	ret = iodirty_nl_merge_ops();
	if (!ret) {
		iodirty_nl_admin_events();
		ret = genl_register_family(&iodirty_nl_family);
	}
	if (ret)
		iodirty_nl_free_ops();
	return ret;
}

void iodirty_nl_exit(void)
{
	genl_unregister_family(&iodirty_nl_family);
	iodirty_nl_free_ops();
}
