// SPDX-License-Identifier: MIT
/*
 * Operations of the property test and of the API fuzzer: each draws its
 * arguments, makes one call on the domain, checks the result (return code,
 * every output word, canaries past the outputs) against the reference
 * model of property_model.h and moves the model on. Where the choices come
 * from is the driver's: a seeded PRNG (test_property.c) or the fuzzer's
 * input (tests/fuzz/fuzz_api.c).
 */
#ifndef IODIRTY_TESTS_API_PROPERTY_OPS_H
#define IODIRTY_TESTS_API_PROPERTY_OPS_H

#include "helpers.h"
#include "property_model.h"

#define P T_PAGE
#define R 1024			/* RAM pages */
#define BASE (1ULL << 32)	/* IOVA of window page 0 */
#define CANARY 0xa5a5a5a5a5a5a5a5ULL
#define VEC_MAX 8

struct run {
	struct iodirty_domain *dom;
	uint8_t *ram;
	struct model *m;
	uint64_t seed, seed0;
	long op;
	char log[32][200];
	uint64_t granule;
	/* A choice in [0, n); NULL: the PRNG seeded with @seed. */
	uint64_t (*draw)(struct run *r, uint64_t n);
	void *src;		/* the driver's, for @draw */
};

/* The run being checked, for the failure report. */
extern struct run *cur;

/* A check failed (the log is printed): defined by the driver. */
void prop_failed(void) __attribute__((noreturn));

void logop(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dump_log(const struct run *r);

#define CHECK_EQ(got, exp)						\
	do {								\
		int64_t g_ = (int64_t)(got), x_ = (int64_t)(exp);	\
		if (g_ != x_) {						\
			dump_log(cur);					\
			print_error("%s:%d: %s = %lld, model says %s = "\
				    "%lld\n", __FILE__, __LINE__, #got,	\
				    (long long)g_, #exp, (long long)x_);\
			prop_failed();					\
		}							\
	} while (0)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			dump_log(cur);					\
			print_error("%s:%d: %s\n", __FILE__, __LINE__,	\
				    #cond);				\
			prop_failed();					\
		}							\
	} while (0)

/* Choices. */
uint64_t rnd(struct run *r, uint64_t n);
int rnd_len(struct run *r, int max);
uint32_t rnd_prot(struct run *r);
int64_t rnd_ps_pages(struct run *r);
/* Largest multiple of @m (> 0) that is <= @x. */
int64_t floor_to(int64_t x, int64_t m);

/* Checks of the whole domain against the model. */
void check_stats(struct run *r);
void check_translate(struct run *r, int64_t page, uint64_t off);
void full_sweep(struct run *r);

/* property_ops.c */
void op_map(struct run *r);
void op_unmap(struct run *r);
void op_dma(struct run *r, bool write);
void op_mark(struct run *r);
void op_read(struct run *r);
void op_read_uaddr(struct run *r);

/* property_ops_ext.c */
void op_read_count_all(struct run *r);
void op_unmap_cut(struct run *r);
void op_read_extents(struct run *r, bool uaddr);
void op_set_dirty(struct run *r, bool uaddr);
void op_extents(struct run *r, bool uaddr);
void op_tracking(struct run *r);
void op_translate(struct run *r);
void op_mappings(struct run *r);
void op_map_vec(struct run *r);
void op_unmap_vec(struct run *r);

/* property_ops_dev.c */
void op_reserve(struct run *r);
void op_sg(struct run *r);
void op_dmav(struct run *r);

/* property_ops_inval.c */
void op_invalid(struct run *r);

#endif /* IODIRTY_TESTS_API_PROPERTY_OPS_H */
