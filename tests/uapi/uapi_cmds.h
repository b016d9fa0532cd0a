// SPDX-License-Identifier: MIT
/*
 * Every command of /dev/iodirty in one table: how to call it right on a
 * small fixture (an io-pagetable with FX_MAPPED pages mapped at FX_IOVA,
 * tracking on), and where its generic fields (flags, object ID, range,
 * reserved inputs, outputs) are. test_uapi_sizes.c checks the rules every
 * ioctl shares against it.
 *
 * Adding an ioctl to the header means adding one row to uapi_cmds[] and
 * moving LAST_CMD to it: the table must cover every IODIRTY_CMD_* from
 * IODIRTY_CMD_BASE to LAST_CMD (checked at compile time in uapi_cmds.c,
 * and at run time against the module, which must not know a command past
 * the table).
 */
#ifndef IODIRTY_TESTS_UAPI_CMDS_H
#define IODIRTY_TESTS_UAPI_CMDS_H

#include "uapi_util.h"

/* The last command of the header: the one place that names it. */
#define LAST_CMD IODIRTY_CMD_IOAS_UNMAP_VEC

#define FX_IOVA (1ULL << 20)
#define FX_MAPPED 16			/* pages mapped at FX_IOVA */
#define FX_RAM_PAGES 32			/* the rest backs the MAP row */
#define FX_IOVA_BITS 48
/* A fresh io-pagetable for one call, and the buffers arguments point to. */
struct fx {
	int fd;
	uint32_t ioas;		/* FX_MAPPED pages at FX_IOVA, tracking on */
	uint32_t new_id;	/* IOAS made by an accepted IOAS_ALLOC */
	uint8_t *ram;
	uint64_t bitmap[4];
	uint8_t dma[64];
	struct iodirty_iova_range ranges[8];
	struct iodirty_dma_vec vec[2];
	struct iodirty_sg_piece pieces[4];
	struct iodirty_mapping_entry maps[4];
	struct iodirty_dirty_extent ext[4];
	struct iodirty_map_vec_seg mvec[2];
	struct iodirty_unmap_vec_seg uvec[2];
};

struct field {
	uint16_t off, len;
};

/* One ioctl: how to call it right, and where its generic fields are. */
struct cmd_row {
	const char *name;
	unsigned long cmd;
	uint32_t nr;
	size_t size;		/* sizeof of the v1 struct */
	size_t min_size;	/* the struct as introduced: fixed forever */
	uint64_t cap;		/* IODIRTY_INFO_CAP_* needed, or 0 */
	/* Fills a valid argument for fx's io-pagetable (may set up state). */
	void (*fill)(struct fx *fx, void *arg);
	/*
	 * Offsets of the generic fields; 0 (the size field) means "none":
	 * no flags, no object ID, no address or no length.
	 */
	uint16_t flags_off;
	uint32_t flags_known;
	uint16_t id_off;
	uint16_t iova_off, len_off;
	unsigned int nres;
	struct field res[2];	/* __reserved inputs: must be 0 */
	unsigned int nout;
	struct field out[20];	/* outputs: ignored on input, written */
};

#define F(type, m) { offsetof(struct type, m), sizeof(((struct type *)0)->m) }
#define OFF(type, m) ((uint16_t)offsetof(struct type, m))

/* IOAS_MAP's fill: 4 pages of the RAM past the mapped part, 64 pages on. */
void uapi_fill_map(struct fx *fx, void *arg);

extern const struct cmd_row uapi_cmds[];
extern const size_t uapi_ncmds;

#endif /* IODIRTY_TESTS_UAPI_CMDS_H */
