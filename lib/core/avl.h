/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Intrusive AVL tree with parent pointers and optional augmentation.
 *
 * The tree knows nothing about keys: the caller walks from the root to find
 * the link where a new node belongs (as with the kernel's rbtree), then
 * calls iod_avl_insert(). Augmented trees (e.g. an interval tree keeping the
 * maximum end of each subtree) pass a callback that recomputes a node's
 * augmented value from its own fields and its children; the tree calls it
 * for every node whose subtree changes, children before parents.
 *
 * Not thread-safe: the owner serialises all calls. O(log n) insert/erase.
 */
#ifndef IODIRTY_CORE_AVL_H
#define IODIRTY_CORE_AVL_H

#include "port.h"

struct iod_avl_node {
	struct iod_avl_node *left;
	struct iod_avl_node *right;
	struct iod_avl_node *parent;
	int height;		/* 1 for a leaf */
};

struct iod_avl_root {
	struct iod_avl_node *node;
};

/* Recomputes @n's augmented value from @n and its children. */
typedef void (*iod_avl_augment_fn)(struct iod_avl_node *n);

/*
 * Links @node as the child of @parent at *@link (which is &root->node when
 * @parent is NULL, else &parent->left or &parent->right), then rebalances.
 * @aug may be NULL.
 */
void iod_avl_insert(struct iod_avl_root *root, struct iod_avl_node *node,
		    struct iod_avl_node *parent, struct iod_avl_node **link,
		    iod_avl_augment_fn aug);

/* Removes @node from the tree and rebalances. @aug may be NULL. */
void iod_avl_erase(struct iod_avl_root *root, struct iod_avl_node *node,
		   iod_avl_augment_fn aug);

/*
 * Recomputes the augmented value of @node and of all its ancestors, after
 * the caller changed a field the augmentation depends on without moving the
 * node (which must keep its position in key order).
 */
void iod_avl_propagate(struct iod_avl_node *node, iod_avl_augment_fn aug);

struct iod_avl_node *iod_avl_first(const struct iod_avl_root *root);
struct iod_avl_node *iod_avl_last(const struct iod_avl_root *root);
struct iod_avl_node *iod_avl_next(const struct iod_avl_node *node);
struct iod_avl_node *iod_avl_prev(const struct iod_avl_node *node);

static inline bool iod_avl_empty(const struct iod_avl_root *root)
{
	return !root->node;
}

#endif /* IODIRTY_CORE_AVL_H */
