/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	docs/netlink/specs/iodirty.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_IODIRTY_GEN_H
#define _LINUX_IODIRTY_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/iodirty_nl.h>

int iodirty_nl_ioas_get_doit(struct sk_buff *skb, struct genl_info *info);
int iodirty_nl_ioas_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int iodirty_nl_mapping_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb);
int iodirty_nl_resv_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);

enum {
	IODIRTY_NLGRP_EVENTS,
};

extern struct genl_family iodirty_nl_family;

#endif /* _LINUX_IODIRTY_GEN_H */
