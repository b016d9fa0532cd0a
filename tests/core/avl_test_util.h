// SPDX-License-Identifier: MIT
/*
 * Shared by the AVL tree tests (test_avl.c, test_avl_random.c): the node
 * type, its augmentation and a brute-force invariant checker.
 *
 * Nodes carry an interval [key, last] and two augmented values, the
 * subtree size and the maximum 'last' in the subtree (interval-tree style).
 * The checker verifies BST order (duplicates in insertion order), parent
 * pointers, stored heights, AVL balance, the AVL height bound and both
 * augmented values.
 */
#ifndef IODIRTY_TESTS_CORE_AVL_TEST_UTIL_H
#define IODIRTY_TESTS_CORE_AVL_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

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

/* Calls of tnode_aug() (reset by the tests that count them). */
extern unsigned long aug_calls;
/* When set, every aug call verifies its children are already exact. */
extern int aug_strict;

/* Brute-force maximum 'last' of the subtree at @n. */
uint64_t bf_max_last(const struct iod_avl_node *n);
/* The augment callback: size and max_last from the children. */
void tnode_aug(struct iod_avl_node *n);

/* Checks every invariant of a tree of @expect nodes (and the augmented
 * values if @check_aug). */
void check_tree(const struct iod_avl_root *root, size_t expect,
		int check_aug);
/* Forward and backward iteration must visit exactly ref[0..n). */
void check_iter(const struct iod_avl_root *root, struct tnode **ref,
		size_t n);

/* Duplicates go right, so equal keys iterate in insertion order. */
void tree_insert(struct iod_avl_root *root, struct tnode *t,
		 iod_avl_augment_fn aug);
void tree_erase(struct iod_avl_root *root, struct tnode *t,
		iod_avl_augment_fn aug);
/* @n zeroed nodes (caller frees). */
struct tnode *alloc_nodes(size_t n);
/* Sets the key and an interval end derived from it. */
void set_key(struct tnode *t, uint64_t key);

#endif /* IODIRTY_TESTS_CORE_AVL_TEST_UTIL_H */
