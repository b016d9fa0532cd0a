// SPDX-License-Identifier: MIT
/*
 * Unit tests of the intrusive AVL tree (lib/core/avl.c).
 *
 * Nodes carry an interval [key, last] and two augmented values, the
 * subtree size and the maximum 'last' in the subtree (interval-tree style).
 * A brute-force checker verifies after every operation or batch: BST order
 * (duplicates in insertion order), parent pointers, stored heights, AVL
 * balance, the AVL height bound and both augmented values. Random tests
 * are driven by a fixed-seed PRNG and compared with a sorted reference
 * array of node pointers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "avl.h"

struct tnode {
	struct iod_avl_node avl;
	uint64_t key;
	uint64_t last;		/* interval end, input of max_last */
	uint64_t max_last;	/* augmented: max last in subtree */
	size_t size;		/* augmented: nodes in subtree */
	unsigned long seq;	/* insertion order, for duplicate keys */
	int in_tree;
};

#define TN(n) iod_container_of(n, struct tnode, avl)

/* ------------------------------------------------------------------ */
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
/* Augmentation                                                       */

static unsigned long aug_calls;
/* When set, every aug call verifies its children are already exact. */
static int aug_strict;

static size_t bf_size(const struct iod_avl_node *n)
{
	if (!n)
		return 0;
	return 1 + bf_size(n->left) + bf_size(n->right);
}

static uint64_t bf_max_last(const struct iod_avl_node *n)
{
	uint64_t m, c;

	if (!n)
		return 0;
	m = TN(n)->last;
	c = bf_max_last(n->left);
	if (c > m)
		m = c;
	c = bf_max_last(n->right);
	if (c > m)
		m = c;
	return m;
}

static void check_child_exact(const struct iod_avl_node *c)
{
	if (!c)
		return;
	assert_int_equal(TN(c)->size, bf_size(c));
	assert_int_equal(TN(c)->max_last, bf_max_last(c));
}

static void tnode_aug(struct iod_avl_node *n)
{
	struct tnode *t = TN(n);
	uint64_t m = t->last;
	size_t s = 1;

	aug_calls++;
	if (aug_strict) {
		check_child_exact(n->left);
		check_child_exact(n->right);
	}
	if (n->left) {
		s += TN(n->left)->size;
		if (TN(n->left)->max_last > m)
			m = TN(n->left)->max_last;
	}
	if (n->right) {
		s += TN(n->right)->size;
		if (TN(n->right)->max_last > m)
			m = TN(n->right)->max_last;
	}
	t->size = s;
	t->max_last = m;
}

/* ------------------------------------------------------------------ */
/* Invariant checker                                                  */

struct check_ctx {
	int check_aug;
	size_t count;
	const struct tnode *prev;
};

/* Returns the subtree height; recursion depth is the tree height. */
static int check_sub(struct check_ctx *cx, const struct iod_avl_node *n,
		     const struct iod_avl_node *parent, size_t *size,
		     uint64_t *max_last)
{
	size_t sl = 0, sr = 0;
	uint64_t ml = 0, mr = 0, m;
	int hl, hr, h;

	if (!n) {
		*size = 0;
		*max_last = 0;
		return 0;
	}
	assert_ptr_equal(n->parent, parent);
	hl = check_sub(cx, n->left, n, &sl, &ml);

	/* In-order visit: keys non-decreasing, equal keys by insertion. */
	if (cx->prev) {
		assert_true(cx->prev->key <= TN(n)->key);
		if (cx->prev->key == TN(n)->key)
			assert_true(cx->prev->seq < TN(n)->seq);
	}
	assert_true(TN(n)->in_tree);
	cx->prev = TN(n);
	cx->count++;

	hr = check_sub(cx, n->right, n, &sr, &mr);
	h = (hl > hr ? hl : hr) + 1;
	assert_int_equal(n->height, h);
	assert_true(hl - hr <= 1 && hr - hl <= 1);

	*size = 1 + sl + sr;
	m = TN(n)->last;
	if (ml > m)
		m = ml;
	if (mr > m)
		m = mr;
	*max_last = m;
	if (cx->check_aug) {
		assert_int_equal(TN(n)->size, *size);
		assert_int_equal(TN(n)->max_last, *max_last);
	}
	return h;
}

/* Minimum node count of an AVL tree of height h (Fibonacci-like). */
static size_t avl_min_nodes(int h)
{
	size_t a = 0, b = 1, c;
	int i;

	if (h == 0)
		return 0;
	for (i = 1; i < h; i++) {
		c = a + b + 1;
		a = b;
		b = c;
	}
	return b;
}

static void check_tree(const struct iod_avl_root *root, size_t expect,
		       int check_aug)
{
	struct check_ctx cx = { .check_aug = check_aug };
	size_t size;
	uint64_t ml;
	int h;

	h = check_sub(&cx, root->node, NULL, &size, &ml);
	assert_int_equal(cx.count, expect);
	assert_int_equal(size, expect);
	assert_true(expect >= avl_min_nodes(h));
	assert_int_equal(iod_avl_empty(root), expect == 0);
	if (!root->node) {
		assert_null(iod_avl_first(root));
		assert_null(iod_avl_last(root));
	}
}

/* Forward and backward iteration must visit exactly ref[0..n). */
static void check_iter(const struct iod_avl_root *root, struct tnode **ref,
		       size_t n)
{
	struct iod_avl_node *it;
	size_t i = 0;

	for (it = iod_avl_first(root); it; it = iod_avl_next(it)) {
		assert_true(i < n);
		assert_ptr_equal(TN(it), ref[i]);
		i++;
	}
	assert_int_equal(i, n);
	for (it = iod_avl_last(root); it; it = iod_avl_prev(it)) {
		assert_true(i > 0);
		i--;
		assert_ptr_equal(TN(it), ref[i]);
	}
	assert_int_equal(i, 0);
}

/* ------------------------------------------------------------------ */
/* Tree helpers                                                       */

static unsigned long seq_counter;

/* Duplicates go right, so equal keys iterate in insertion order. */
static void tree_insert(struct iod_avl_root *root, struct tnode *t,
			iod_avl_augment_fn aug)
{
	struct iod_avl_node **link = &root->node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (t->key < TN(parent)->key)
			link = &parent->left;
		else
			link = &parent->right;
	}
	t->seq = ++seq_counter;
	t->in_tree = 1;
	/* Garbage in the link fields must not matter. */
	memset(&t->avl, 0xa5, sizeof(t->avl));
	iod_avl_insert(root, &t->avl, parent, link, aug);
}

static void tree_erase(struct iod_avl_root *root, struct tnode *t,
		       iod_avl_augment_fn aug)
{
	iod_avl_erase(root, &t->avl, aug);
	t->in_tree = 0;
}

static struct tnode *alloc_nodes(size_t n)
{
	struct tnode *v = calloc(n, sizeof(*v));

	assert_non_null(v);
	return v;
}

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

static void set_key(struct tnode *t, uint64_t key)
{
	t->key = key;
	t->last = key + (key * 7919 % 1000);
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

/* ------------------------------------------------------------------ */
/* Tests                                                              */

static void test_empty(void **state)
{
	struct iod_avl_root root = { NULL };

	(void)state;
	assert_true(iod_avl_empty(&root));
	assert_null(iod_avl_first(&root));
	assert_null(iod_avl_last(&root));
	check_tree(&root, 0, 1);
}

static void test_single(void **state)
{
	struct iod_avl_root root = { NULL };
	struct tnode t = { 0 };

	(void)state;
	set_key(&t, 42);
	tree_insert(&root, &t, tnode_aug);
	assert_false(iod_avl_empty(&root));
	assert_ptr_equal(root.node, &t.avl);
	assert_null(t.avl.parent);
	assert_null(t.avl.left);
	assert_null(t.avl.right);
	assert_int_equal(t.avl.height, 1);
	assert_int_equal(t.size, 1);
	assert_int_equal(t.max_last, t.last);
	assert_ptr_equal(iod_avl_first(&root), &t.avl);
	assert_ptr_equal(iod_avl_last(&root), &t.avl);
	assert_null(iod_avl_next(&t.avl));
	assert_null(iod_avl_prev(&t.avl));
	tree_erase(&root, &t, tnode_aug);
	assert_true(iod_avl_empty(&root));
	check_tree(&root, 0, 1);
}

/* Builds a tree from @keys, returns the node array (keys as given). */
static struct tnode *build(struct iod_avl_root *root, const uint64_t *keys,
			   size_t n)
{
	struct tnode *v = alloc_nodes(n);
	size_t i;

	root->node = NULL;
	for (i = 0; i < n; i++) {
		set_key(&v[i], keys[i]);
		tree_insert(root, &v[i], tnode_aug);
	}
	check_tree(root, n, 1);
	return v;
}

static uint64_t key_of(const struct iod_avl_node *n)
{
	assert_non_null(n);
	return TN(n)->key;
}

/* The four insert rotation cases each end with 2 at the root. */
static void test_insert_rotations(void **state)
{
	static const uint64_t cases[4][3] = {
		{ 3, 2, 1 },	/* left-left: single right rotation */
		{ 1, 2, 3 },	/* right-right: single left rotation */
		{ 3, 1, 2 },	/* left-right: double rotation */
		{ 1, 3, 2 },	/* right-left: double rotation */
	};
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct iod_avl_root root;
		struct tnode *v = build(&root, cases[i], 3);

		assert_int_equal(key_of(root.node), 2);
		assert_int_equal(key_of(root.node->left), 1);
		assert_int_equal(key_of(root.node->right), 3);
		assert_int_equal(root.node->height, 2);
		assert_int_equal(root.node->left->height, 1);
		assert_int_equal(root.node->right->height, 1);
		assert_int_equal(TN(root.node)->size, 3);
		free(v);
	}
}

/*
 * Erasing 1 from 2(1, 4(3, 5)) unbalances the root while its right child
 * is balanced: only a single rotation is correct, giving 4(2(-, 3), 5).
 */
static void test_erase_single_rotation_balanced_child(void **state)
{
	static const uint64_t keys[] = { 2, 1, 4, 3, 5 };
	struct iod_avl_root root;
	struct tnode *v;

	(void)state;
	v = build(&root, keys, 5);
	assert_int_equal(key_of(root.node), 2);
	tree_erase(&root, &v[1], tnode_aug);
	check_tree(&root, 4, 1);
	assert_int_equal(key_of(root.node), 4);
	assert_int_equal(key_of(root.node->left), 2);
	assert_int_equal(key_of(root.node->left->right), 3);
	assert_null(root.node->left->left);
	assert_int_equal(key_of(root.node->right), 5);
	assert_int_equal(root.node->height, 3);
	free(v);
}

/* Successor is the right child of the erased node: 2(1, 3) minus 2. */
static void test_erase_succ_is_right_child(void **state)
{
	static const uint64_t keys[] = { 2, 1, 3 };
	struct iod_avl_root root;
	struct tnode *v;

	(void)state;
	v = build(&root, keys, 3);
	tree_erase(&root, &v[0], tnode_aug);
	check_tree(&root, 2, 1);
	assert_ptr_equal(root.node, &v[2].avl);
	assert_ptr_equal(root.node->left, &v[1].avl);
	assert_null(root.node->right);
	assert_ptr_equal(v[1].avl.parent, &v[2].avl);
	assert_int_equal(v[2].size, 2);
	free(v);
}

/* Successor deep in the right subtree: 4(2(1,3), 6(5,7)) minus 4. */
static void test_erase_succ_deep(void **state)
{
	static const uint64_t keys[] = { 4, 2, 6, 1, 3, 5, 7 };
	struct iod_avl_root root;
	struct tnode *v;

	(void)state;
	v = build(&root, keys, 7);
	tree_erase(&root, &v[0], tnode_aug);
	check_tree(&root, 6, 1);
	/* The node object for key 5 itself was relinked, not its payload. */
	assert_ptr_equal(root.node, &v[5].avl);
	assert_int_equal(v[5].key, 5);
	assert_ptr_equal(root.node->left, &v[1].avl);
	assert_ptr_equal(root.node->right, &v[2].avl);
	assert_null(v[2].avl.left);
	assert_ptr_equal(v[2].avl.right, &v[6].avl);
	assert_int_equal(v[2].avl.height, 2);
	assert_int_equal(v[5].size, 6);
	assert_int_equal(v[5].max_last, bf_max_last(root.node));
	free(v);
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
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_insert_rotations),
		cmocka_unit_test(test_erase_single_rotation_balanced_child),
		cmocka_unit_test(test_erase_succ_is_right_child),
		cmocka_unit_test(test_erase_succ_deep),
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
