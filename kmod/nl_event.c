// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events of the "iodirty" family: one message per event to the "events"
 * multicast group, delivered to each listener that may see the IOAS (its
 * socket was opened with CAP_SYS_ADMIN, or by the IOAS's owner uid).
 * Sent from process context after the change, with no lock held; nothing
 * is built while nobody listens.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/net.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "nl-gen.h"
#include "priv.h"

/*
 * Non-zero to skip listener @dsk. Runs while the broadcast holds the
 * netlink table, so the socket cannot be released meanwhile: its file
 * and the opener's credentials stay valid.
 */
static int iodirty_nl_event_filter(struct sock *dsk, struct sk_buff *skb,
				   void *data)
{
	const kuid_t *owner = data;
	const struct file *f = dsk->sk_socket ? dsk->sk_socket->file : NULL;

	if (!f)
		return 1;
	/* The owner's uid first: no capability check (nor its audit). */
	if (uid_eq(f->f_cred->euid, *owner))
		return 0;
	return !file_ns_capable(f, &init_user_ns, CAP_SYS_ADMIN);
}

void iodirty_nl_event(struct iodirty_ioas *ioas, u32 type, u64 iova,
		      u64 length, u64 dirty_pages)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&iodirty_nl_family, &init_net,
				IODIRTY_NLGRP_EVENTS))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &iodirty_nl_family, 0,
			  IODIRTY_NL_CMD_EVENT);
	if (!hdr)
		goto free;
	if (nla_put_u32(skb, IODIRTY_NL_A_EVENT_TYPE, type) ||
	    nla_put_u32(skb, IODIRTY_NL_A_EVENT_HANDLE, ioas->handle) ||
	    nla_put_u32(skb, IODIRTY_NL_A_EVENT_OWNER_UID,
			from_kuid_munged(&init_user_ns, ioas->owner.euid)) ||
	    (length &&
	     (nla_put_u64_64bit(skb, IODIRTY_NL_A_EVENT_IOVA, iova,
				IODIRTY_NL_A_EVENT_PAD) ||
	      nla_put_u64_64bit(skb, IODIRTY_NL_A_EVENT_LENGTH, length,
				IODIRTY_NL_A_EVENT_PAD))) ||
	    (type == IODIRTY_NL_EVENT_UNMAP_DIRTY &&
	     nla_put_u64_64bit(skb, IODIRTY_NL_A_EVENT_DIRTY_PAGES,
			       dirty_pages, IODIRTY_NL_A_EVENT_PAD)))
		goto free;
	genlmsg_end(skb, hdr);
	/* Consumes the skb; -ESRCH (nobody left) is no error here. */
	genlmsg_multicast_netns_filtered(&iodirty_nl_family, &init_net, skb, 0,
					 IODIRTY_NLGRP_EVENTS, GFP_KERNEL,
					 iodirty_nl_event_filter,
					 &ioas->owner.euid);
	return;
free:
	nlmsg_free(skb);
}
