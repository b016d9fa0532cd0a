// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	docs/netlink/specs/iodirty.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "nl-gen.h"

#include <uapi/linux/iodirty_nl.h>

/* IODIRTY_NL_CMD_IOAS_GET - do */
static const struct nla_policy iodirty_ioas_get_do_nl_policy[IODIRTY_NL_A_IOAS_HANDLE + 1] = {
	[IODIRTY_NL_A_IOAS_HANDLE] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* IODIRTY_NL_CMD_IOAS_GET - dump */
static const struct nla_policy iodirty_ioas_get_dump_nl_policy[IODIRTY_NL_A_IOAS_OWNER_UID + 1] = {
	[IODIRTY_NL_A_IOAS_OWNER_UID] = { .type = NLA_U32, },
};

/* IODIRTY_NL_CMD_MAPPING_GET - dump */
static const struct nla_policy iodirty_mapping_get_nl_policy[IODIRTY_NL_A_MAPPING_HANDLE + 1] = {
	[IODIRTY_NL_A_MAPPING_HANDLE] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* IODIRTY_NL_CMD_RESV_GET - dump */
static const struct nla_policy iodirty_resv_get_nl_policy[IODIRTY_NL_A_RESV_HANDLE + 1] = {
	[IODIRTY_NL_A_RESV_HANDLE] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* Ops table for iodirty */
static const struct genl_split_ops iodirty_nl_ops[] = {
	{
		.cmd		= IODIRTY_NL_CMD_IOAS_GET,
		.doit		= iodirty_nl_ioas_get_doit,
		.policy		= iodirty_ioas_get_do_nl_policy,
		.maxattr	= IODIRTY_NL_A_IOAS_HANDLE,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= IODIRTY_NL_CMD_IOAS_GET,
		.dumpit		= iodirty_nl_ioas_get_dumpit,
		.policy		= iodirty_ioas_get_dump_nl_policy,
		.maxattr	= IODIRTY_NL_A_IOAS_OWNER_UID,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= IODIRTY_NL_CMD_MAPPING_GET,
		.dumpit		= iodirty_nl_mapping_get_dumpit,
		.policy		= iodirty_mapping_get_nl_policy,
		.maxattr	= IODIRTY_NL_A_MAPPING_HANDLE,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= IODIRTY_NL_CMD_RESV_GET,
		.dumpit		= iodirty_nl_resv_get_dumpit,
		.policy		= iodirty_resv_get_nl_policy,
		.maxattr	= IODIRTY_NL_A_RESV_HANDLE,
		.flags		= GENL_CMD_CAP_DUMP,
	},
};

static const struct genl_multicast_group iodirty_nl_mcgrps[] = {
	[IODIRTY_NLGRP_EVENTS] = { "events", },
};

struct genl_family iodirty_nl_family __ro_after_init = {
	.name		= IODIRTY_FAMILY_NAME,
	.version	= IODIRTY_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= iodirty_nl_ops,
	.n_split_ops	= ARRAY_SIZE(iodirty_nl_ops),
	.mcgrps		= iodirty_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(iodirty_nl_mcgrps),
};
