// SPDX-License-Identifier: MIT
/*
 * Randomized and bulk tests of the intrusive AVL tree (lib/core/avl.c):
 * sequential and random inserts, interleaved insert/erase, erase orders,
 * iteration, duplicates and augmentation (propagation, order and cost of
 * the callbacks). The invariant checker of avl_test_util.c runs after
 * every operation or batch; the tests are driven by a fixed-seed PRNG and
 * compared with a sorted reference array of node pointers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <stdlib.h>
#include <string.h>

#include "avl_test_util.h"

/* PRNG (xorshift64*), deterministic on every platform.               */

static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ULL;
}

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rng_below(uint64_t n)
{
	return rng_next() % n;
}

/* ------------------------------------------------------------------ */
/* Sorted reference of node pointers, tree shape                      */

/* Position in a sorted reference after all entries with key <= @key. */
static size_t ref_upper(struct tnode **ref, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ref[mid]->key <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void ref_insert(struct tnode **ref, size_t *n, struct tnode *t)
{
	size_t pos = ref_upper(ref, *n, t->key);

	memmove(&ref[pos + 1], &ref[pos], (*n - pos) * sizeof(*ref));
	ref[pos] = t;
	(*n)++;
}

static void ref_remove(struct tnode **ref, size_t *n, size_t pos)
{
	memmove(&ref[pos], &ref[pos + 1], (*n - pos - 1) * sizeof(*ref));
	(*n)--;
}

static size_t ref_find(struct tnode **ref, size_t n, const struct tnode *t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ref[i] == t)
			return i;
	fail_msg("node not in reference");
	return 0;
}

/* Number of nodes from @n up to the root, both included. */
static unsigned long node_depth(const struct iod_avl_node *n)
{
	unsigned long d = 0;

	for (; n; n = n->parent)
		d++;
	return d;
}

static int root_height(const struct iod_avl_root *root)
{
	return root->node ? root->node->height : 0;
}

enum order { ASC, DESC, RANDOM };

static int cmp_key_seq(const void *a, const void *b)
{
	const struct tnode *x = *(const struct tnode *const *)a;
	const struct tnode *y = *(const struct tnode *const *)b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void run_bulk(enum order ord, size_t n, iod_avl_augment_fn aug)
{
	struct iod_avl_root root = { NULL };
	struct tnode *v = alloc_nodes(n);
	struct tnode **ref = calloc(n, sizeof(*ref));
	size_t i;

	assert_non_null(ref);
	rng_seed(0x5eed0000 + ord);
	for (i = 0; i < n; i++) {
		uint64_t key;

		if (ord == ASC)
			key = i;
		else if (ord == DESC)
			key = n - i;
		else
			key = rng_below(n * 4);	/* some duplicates */
		set_key(&v[i], key);
		tree_insert(&root, &v[i], aug);
		if ((i + 1) % 1000 == 0 || i < 64)
			check_tree(&root, i + 1, aug != NULL);
	}
	check_tree(&root, n, aug != NULL);
	/* Ties sort by seq: duplicates were inserted to the right. */
	for (i = 0; i < n; i++)
		ref[i] = &v[ord == DESC ? n - 1 - i : i];
	if (ord == RANDOM)
		qsort(ref, n, sizeof(*ref), cmp_key_seq);
	check_iter(&root, ref, n);
	if (ord != RANDOM) {
		/* Sequential input must still give a minimal-height tree. */
		assert_true(root_height(&root) <= 18);
		assert_ptr_equal(iod_avl_first(&root), ord == ASC ?
				 &v[0].avl : &v[n - 1].avl);
		assert_ptr_equal(iod_avl_last(&root), ord == ASC ?
				 &v[n - 1].avl : &v[0].avl);
	}
	free(ref);
	free(v);
}

static void test_ascending(void **state)
{
	(void)state;
	run_bulk(ASC, 100000, tnode_aug);
}

static void test_descending(void **state)
{
	(void)state;
	run_bulk(DESC, 100000, tnode_aug);
}

static void test_random(void **state)
{
	(void)state;
	run_bulk(RANDOM, 100000, tnode_aug);
}

static void test_random_no_aug(void **state)
{
	(void)state;
	run_bulk(RANDOM, 100000, NULL);
	run_bulk(ASC, 20000, NULL);
}

/*
 * Random interleaved insert/erase against the reference. The insert
 * probability swings between phases so the tree grows and shrinks, and
 * erases hit every shape of node.
 */
static void run_interleaved(uint64_t seed, size_t ops, size_t pool,
			    uint64_t keyspace, iod_avl_augment_fn aug)
{
	struct iod_avl_root root = { NULL };
	struct tnode *v = alloc_nodes(pool);
	struct tnode **ref = calloc(pool, sizeof(*ref));
	struct tnode **free_list = calloc(pool, sizeof(*free_list));
	size_t i, nref = 0, nfree = pool;
	unsigned long two_child_erases = 0, root_erases = 0;

	assert_non_null(ref);
	assert_non_null(free_list);
	rng_seed(seed);
	for (i = 0; i < pool; i++)
		free_list[i] = &v[i];

	for (i = 0; i < ops; i++) {
		unsigned int ins_pct = (i / 500) % 2 ? 35 : 70;
		int do_insert = nfree && (!nref || rng_below(100) < ins_pct);

		if (do_insert) {
			size_t k = rng_below(nfree);
			struct tnode *t = free_list[k];

			free_list[k] = free_list[--nfree];
			set_key(t, rng_below(keyspace));
			tree_insert(&root, t, aug);
			ref_insert(ref, &nref, t);
		} else {
			size_t k = rng_below(nref);
			struct tnode *t = ref[k];

			if (t->avl.left && t->avl.right)
				two_child_erases++;
			if (root.node == &t->avl)
				root_erases++;
			tree_erase(&root, t, aug);
			ref_remove(ref, &nref, k);
			free_list[nfree++] = t;
		}
		check_tree(&root, nref, aug != NULL);
		if (i % 64 == 0)
			check_iter(&root, ref, nref);
	}
	check_iter(&root, ref, nref);
	/* Make sure the interesting erase paths were actually taken. */
	assert_true(two_child_erases > ops / 20);
	assert_true(root_erases > 0);

	/* Drain, erasing in random order, checking each step. */
	while (nref) {
		size_t k = rng_below(nref);

		tree_erase(&root, ref[k], aug);
		ref_remove(ref, &nref, k);
		check_tree(&root, nref, aug != NULL);
	}
	assert_true(iod_avl_empty(&root));
	free(free_list);
	free(ref);
	free(v);
}

static void test_interleaved(void **state)
{
	static const uint64_t seeds[] = { 1, 2, 0xdeadbeef, 0x1234567890ULL };
	size_t i;

	(void)state;
	for (i = 0; i < IOD_ARRAY_SIZE(seeds); i++)
		run_interleaved(seeds[i], 6000, 1500, 100000, tnode_aug);
	/* Tiny key space: nearly everything is a duplicate. */
	run_interleaved(7, 6000, 600, 8, tnode_aug);
	run_interleaved(8, 6000, 1500, 100000, NULL);
}

static void test_erase_root_until_empty(void **state)
{
	struct iod_avl_root root = { NULL };
	size_t n = 3000, i, left;
	struct tnode *v = alloc_nodes(n);

	(void)state;
	rng_seed(99);
	for (i = 0; i < n; i++) {
		set_key(&v[i], rng_below(1u << 20));
		tree_insert(&root, &v[i], tnode_aug);
	}
	for (left = n; left; left--) {
		struct iod_avl_node *r = root.node;

		assert_non_null(r);
		tree_erase(&root, TN(r), tnode_aug);
		assert_ptr_not_equal(root.node, r);
		check_tree(&root, left - 1, 1);
	}
	assert_true(iod_avl_empty(&root));
	free(v);
}

static void test_erase_two_children(void **state)
{
	struct iod_avl_root root = { NULL };
	size_t n = 2047, i, left = n;
	struct tnode *v = alloc_nodes(n);
	unsigned long direct = 0, deep = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		set_key(&v[i], i);
		tree_insert(&root, &v[i], tnode_aug);
	}
	rng_seed(4242);
	for (;;) {
		struct tnode *t = NULL;
		size_t tries;

		/* Pick a random node with two children, if any is left. */
		for (tries = 0; tries < 64 && !t; tries++) {
			struct tnode *c = &v[rng_below(n)];

			if (c->in_tree && c->avl.left && c->avl.right)
				t = c;
		}
		if (!t)
			break;
		if (t->avl.right->left)
			deep++;
		else
			direct++;
		tree_erase(&root, t, tnode_aug);
		check_tree(&root, --left, 1);
	}
	assert_true(direct > 10);
	assert_true(deep > 10);
	free(v);
}

static void test_erase_all_orders(void **state)
{
	size_t n = 4000, i, nref;
	int pass;

	(void)state;
	for (pass = 0; pass < 3; pass++) {
		struct iod_avl_root root = { NULL };
		struct tnode *v = alloc_nodes(n);
		struct tnode **ref = calloc(n, sizeof(*ref));

		assert_non_null(ref);
		nref = 0;
		rng_seed(777);
		for (i = 0; i < n; i++) {
			set_key(&v[i], rng_below(n));
			tree_insert(&root, &v[i], tnode_aug);
			ref_insert(ref, &nref, &v[i]);
		}
		while (nref) {
			size_t k = pass == 0 ? 0 : pass == 1 ? nref - 1 :
				   nref / 2;

			tree_erase(&root, ref[k], tnode_aug);
			ref_remove(ref, &nref, k);
			check_tree(&root, nref, 1);
			if (nref % 256 == 0)
				check_iter(&root, ref, nref);
		}
		assert_true(iod_avl_empty(&root));
		free(ref);
		free(v);
	}
}

static void test_iteration(void **state)
{
	struct iod_avl_root root = { NULL };
	size_t n = 5000, i, nref = 0;
	struct tnode *v = alloc_nodes(n);
	struct tnode **ref = calloc(n, sizeof(*ref));
	struct iod_avl_node *it;

	(void)state;
	assert_non_null(ref);
	rng_seed(31337);
	for (i = 0; i < n; i++) {
		set_key(&v[i], rng_below(1000000));
		tree_insert(&root, &v[i], tnode_aug);
		ref_insert(ref, &nref, &v[i]);
	}
	check_iter(&root, ref, n);
	assert_ptr_equal(iod_avl_first(&root), &ref[0]->avl);
	assert_ptr_equal(iod_avl_last(&root), &ref[n - 1]->avl);
	assert_null(iod_avl_prev(iod_avl_first(&root)));
	assert_null(iod_avl_next(iod_avl_last(&root)));
	/* next and prev are inverse on every node. */
	for (i = 0; i < n; i++) {
		it = &ref[i]->avl;
		if (i + 1 < n)
			assert_ptr_equal(iod_avl_prev(iod_avl_next(it)), it);
		if (i > 0)
			assert_ptr_equal(iod_avl_next(iod_avl_prev(it)), it);
	}
	/* Iterating from the middle continues in order. */
	i = n / 3;
	for (it = &ref[i]->avl; it; it = iod_avl_next(it))
		assert_ptr_equal(TN(it), ref[i++]);
	assert_int_equal(i, n);
	free(ref);
	free(v);
}

static void test_duplicates(void **state)
{
	struct iod_avl_root root = { NULL };
	size_t n = 3000, i, nref = 0;
	struct tnode *v = alloc_nodes(n);
	struct tnode **ref = calloc(n, sizeof(*ref));
	uint64_t prev_seq = 0;
	struct iod_avl_node *it;

	(void)state;
	assert_non_null(ref);
	/* All equal first, then a few distinct values mixed in. */
	for (i = 0; i < n; i++) {
		set_key(&v[i], i < n / 2 ? 5 : i % 3 * 5);
		tree_insert(&root, &v[i], tnode_aug);
		ref_insert(ref, &nref, &v[i]);
		if (i % 100 == 0)
			check_tree(&root, i + 1, 1);
	}
	check_tree(&root, n, 1);
	check_iter(&root, ref, n);
	/* The first n/2 nodes (key 5) keep insertion order among the 5s. */
	for (it = iod_avl_first(&root); it; it = iod_avl_next(it)) {
		if (TN(it)->key != 5)
			continue;
		assert_true(TN(it)->seq > prev_seq);
		prev_seq = TN(it)->seq;
	}
	/* Erase every other duplicate of 5; the rest keep their order. */
	for (i = 0; i < n / 2; i += 2) {
		tree_erase(&root, &v[i], tnode_aug);
		ref_remove(ref, &nref, ref_find(ref, nref, &v[i]));
	}
	check_tree(&root, nref, 1);
	check_iter(&root, ref, nref);
	free(ref);
	free(v);
}

static void test_propagate(void **state)
{
	struct iod_avl_root root = { NULL };
	size_t n = 4000, i;
	struct tnode *v = alloc_nodes(n);

	(void)state;
	rng_seed(55);
	for (i = 0; i < n; i++) {
		set_key(&v[i], rng_below(100000));
		tree_insert(&root, &v[i], tnode_aug);
	}
	for (i = 0; i < 3000; i++) {
		struct tnode *t = &v[rng_below(n)];
		uint64_t old_root_max = TN(root.node)->max_last;

		/* Grow or shrink the interval; key order is unaffected. */
		if (rng_below(2))
			t->last = t->key + rng_below(1u << 22);
		else
			t->last = t->key;
		iod_avl_propagate(&t->avl, tnode_aug);
		if (t->last > old_root_max)
			assert_int_equal(TN(root.node)->max_last, t->last);
		if (i % 50 == 0)
			check_tree(&root, n, 1);
	}
	check_tree(&root, n, 1);
	/* Propagating from the root alone touches just the root. */
	aug_calls = 0;
	iod_avl_propagate(root.node, tnode_aug);
	assert_int_equal(aug_calls, 1);
	free(v);
}

/*
 * Small trees with a callback that brute-force checks both children are
 * already exact when a node is recomputed (children before parents), plus
 * a bound on callback calls per operation (only the path and rotated nodes
 * are recomputed, not the whole tree).
 */
static void test_aug_order_and_cost(void **state)
{
	struct iod_avl_root root = { NULL };
	size_t pool = 400, i, nref = 0, nfree = pool;
	struct tnode *v = alloc_nodes(pool);
	struct tnode **ref = calloc(pool, sizeof(*ref));
	struct tnode **free_list = calloc(pool, sizeof(*free_list));

	(void)state;
	assert_non_null(ref);
	assert_non_null(free_list);
	for (i = 0; i < pool; i++)
		free_list[i] = &v[i];
	rng_seed(2024);
	aug_strict = 1;
	for (i = 0; i < 5000; i++) {
		int h = root_height(&root);
		int ins = nfree && (!nref || rng_below(100) < 55);

		aug_calls = 0;
		if (ins) {
			size_t k = rng_below(nfree);
			struct tnode *t = free_list[k];

			free_list[k] = free_list[--nfree];
			set_key(t, rng_below(1000));
			tree_insert(&root, t, tnode_aug);
			ref_insert(ref, &nref, t);
			/*
			 * Each final ancestor gained @t, so each needs a call;
			 * beyond the path, at most one double rotation's two.
			 */
			assert_true(aug_calls >= node_depth(&t->avl));
			assert_true(aug_calls <= (unsigned long)h + 3);
		} else {
			size_t k = rng_below(nref);
			struct tnode *t = ref[k];

			tree_erase(&root, t, tnode_aug);
			ref_remove(ref, &nref, k);
			free_list[nfree++] = t;
			assert_true(aug_calls <= 3ul * (unsigned long)h);
		}
		check_tree(&root, nref, 1);
	}
	aug_strict = 0;
	free(free_list);
	free(ref);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascending),
		cmocka_unit_test(test_descending),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_random_no_aug),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_erase_root_until_empty),
		cmocka_unit_test(test_erase_two_children),
		cmocka_unit_test(test_erase_all_orders),
		cmocka_unit_test(test_iteration),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_propagate),
		cmocka_unit_test(test_aug_order_and_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
