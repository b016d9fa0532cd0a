// SPDX-License-Identifier: MIT
/*
 * Unit tests of the intrusive AVL tree (lib/core/avl.c) on small trees of
 * known shape: the empty and single-node tree, the insert rotations and
 * the erase cases (rebalancing, successor near and deep), each checked
 * node by node and with the invariant checker of avl_test_util.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "tc.h"

#include <stdlib.h>

#include "avl_test_util.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_insert_rotations),
		cmocka_unit_test(test_erase_single_rotation_balanced_child),
		cmocka_unit_test(test_erase_succ_is_right_child),
		cmocka_unit_test(test_erase_succ_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
