/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Older kernels: what the module uses that came after Linux 6.1, the
 * oldest series it supports, in terms of what 6.1 has. Included by every
 * file through priv.h and ahead of the generated nl-gen.c (see Kbuild),
 * which is compiled unchanged. Kbuild finds what the kernel lacks in its
 * headers and defines the IODIRTY_COMPAT_NO_* macros tested here.
 */
#ifndef IODIRTY_KMOD_COMPAT_H
#define IODIRTY_KMOD_COMPAT_H

#include <net/genetlink.h>

#ifdef IODIRTY_COMPAT_NO_SPLIT_OPS
/*
 * No split ops before 6.2: nl-gen.c's table, one entry per command and
 * kind (do, dump), becomes a table of plain ops, and iodirty_nl_init()
 * registers a merged copy of it (one entry per command, as these kernels
 * want); see nl.c.
 */
#define IODIRTY_NL_COMPAT_OPS 1
#define genl_split_ops genl_ops
#define split_ops ops
#define n_split_ops n_ops
#endif

#ifdef IODIRTY_COMPAT_NO_GENL_INFO_DUMP
/*
 * Before 6.6 a dump has its parsed attributes but no struct genl_info:
 * one is made in the caller's frame (a compound literal, which lives as
 * long as the block of the call), holding what dumps read from it.
 */
static inline struct genl_info iodirty_genl_info_dump(struct netlink_callback *cb)
{
	return (struct genl_info) {
		.attrs = genl_dumpit_info(cb)->attrs,
		.extack = cb->extack,
	};
}

#define genl_info_dump(cb) \
	((const struct genl_info[1]) { iodirty_genl_info_dump(cb) })

/*
 * Those kernels' GENL_REQ_ATTR_CHECK() (made const with genl_info_dump()
 * in 6.6) takes a struct genl_info that is not const.
 */
static inline int iodirty_genl_req_attr_check(const struct genl_info *info,
					      u32 attr)
{
	return NL_REQ_ATTR_CHECK(info->extack, NULL, info->attrs, attr);
}

#undef GENL_REQ_ATTR_CHECK
#define GENL_REQ_ATTR_CHECK(info, attr) iodirty_genl_req_attr_check(info, attr)
#endif

#ifdef IODIRTY_COMPAT_NO_MCAST_FILTER
/*
 * No filtered multicast before 6.9: a module cannot choose which
 * listeners get a message. So that no listener sees events of IOASes it
 * may not inspect, the events group admits CAP_SYS_ADMIN listeners only
 * (nl.c), who may inspect every IOAS, and the filter is not needed.
 * The kernel checks the capability of the process that joins, not of the
 * socket's opener. Kernels that lack that admission check too
 * (GENL_MCAST_CAP_SYS_ADMIN, backported to later 6.1 stable updates)
 * get no events at all.
 */
#define IODIRTY_NL_COMPAT_ADMIN_EVENTS 1

typedef int (*iodirty_compat_mc_filter)(struct sock *dsk, struct sk_buff *skb,
					void *data);

static inline int
genlmsg_multicast_netns_filtered(const struct genl_family *family,
				 struct net *net, struct sk_buff *skb,
				 u32 portid, unsigned int group, gfp_t flags,
				 iodirty_compat_mc_filter filter,
				 void *filter_data)
{
#ifdef GENL_MCAST_CAP_SYS_ADMIN
	return genlmsg_multicast_netns(family, net, skb, portid, group, flags);
#else
	nlmsg_free(skb);
	return -ESRCH;
#endif
}
#endif

#endif /* IODIRTY_KMOD_COMPAT_H */
