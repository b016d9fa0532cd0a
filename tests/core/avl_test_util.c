// SPDX-License-Identifier: MIT
/* Node type, augmentation and invariant checker of the AVL tree tests. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <stdlib.h>
#include <string.h>

#include "avl_test_util.h"

/* ------------------------------------------------------------------ */
/* Augmentation                                                       */

unsigned long aug_calls;
int aug_strict;

static size_t bf_size(const struct iod_avl_node *n)
{
	if (!n)
		return 0;
	return 1 + bf_size(n->left) + bf_size(n->right);
}

uint64_t bf_max_last(const struct iod_avl_node *n)
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

void tnode_aug(struct iod_avl_node *n)
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

void check_tree(const struct iod_avl_root *root, size_t expect,
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

void check_iter(const struct iod_avl_root *root, struct tnode **ref,
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

void tree_insert(struct iod_avl_root *root, struct tnode *t,
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

void tree_erase(struct iod_avl_root *root, struct tnode *t,
		iod_avl_augment_fn aug)
{
	iod_avl_erase(root, &t->avl, aug);
	t->in_tree = 0;
}

struct tnode *alloc_nodes(size_t n)
{
	struct tnode *v = calloc(n, sizeof(*v));

	assert_non_null(v);
	return v;
}

void set_key(struct tnode *t, uint64_t key)
{
	t->key = key;
	t->last = key + (key * 7919 % 1000);
}
