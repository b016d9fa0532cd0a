// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
/*
 * Intrusive AVL tree with parent pointers and optional augmentation. The
 * caller embeds struct iod_avl_node in its own objects and does the key
 * search itself; this file only links, unlinks, rebalances and iterates.
 * Every walk is iterative (no recursion), nothing is allocated, and the
 * optional augment callback is run on each node whose subtree changed,
 * always after its children, so augmented values stay exact.
 */
#include "avl.h"

static int avl_height(const struct iod_avl_node *n)
{
	return n ? n->height : 0;
}

static void avl_update_height(struct iod_avl_node *n)
{
	int hl = avl_height(n->left);
	int hr = avl_height(n->right);

	n->height = (hl > hr ? hl : hr) + 1;
}

/*
 * Points whatever referenced @old (its parent's child slot, or the root)
 * at @new. @parent is @old's parent as it was before the change, passed in
 * because callers have usually already overwritten @old->parent.
 */
static void avl_replace_child(struct iod_avl_root *root,
			      struct iod_avl_node *parent,
			      struct iod_avl_node *old,
			      struct iod_avl_node *new)
{
	if (!parent)
		root->node = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/*
 * Single rotations. @n moves down, its child moves up into @n's place.
 * The node that moved down is recomputed first because it is now a child
 * of the one that moved up.
 */
static struct iod_avl_node *avl_rotate_right(struct iod_avl_root *root,
					     struct iod_avl_node *n,
					     iod_avl_augment_fn aug)
{
	struct iod_avl_node *l = n->left;
	struct iod_avl_node *parent = n->parent;

	n->left = l->right;
	if (l->right)
		l->right->parent = n;
	l->right = n;
	n->parent = l;
	l->parent = parent;
	avl_replace_child(root, parent, n, l);

	avl_update_height(n);
	avl_update_height(l);
	if (aug) {
		aug(n);
		aug(l);
	}
	return l;
}

static struct iod_avl_node *avl_rotate_left(struct iod_avl_root *root,
					    struct iod_avl_node *n,
					    iod_avl_augment_fn aug)
{
	struct iod_avl_node *r = n->right;
	struct iod_avl_node *parent = n->parent;

	n->right = r->left;
	if (r->left)
		r->left->parent = n;
	r->left = n;
	n->parent = r;
	r->parent = parent;
	avl_replace_child(root, parent, n, r);

	avl_update_height(n);
	avl_update_height(r);
	if (aug) {
		aug(n);
		aug(r);
	}
	return r;
}

/*
 * Double rotation, done in one step rather than as two single rotations so
 * that the node ending on top is recomputed once instead of twice. @lo and
 * @hi are the two nodes that move down (@lo < @mid < @hi in key order) and
 * @top, which is either of them, is the subtree root being replaced.
 */
static struct iod_avl_node *avl_rotate_double(struct iod_avl_root *root,
					      struct iod_avl_node *top,
					      struct iod_avl_node *lo,
					      struct iod_avl_node *mid,
					      struct iod_avl_node *hi,
					      iod_avl_augment_fn aug)
{
	struct iod_avl_node *parent = top->parent;

	lo->right = mid->left;
	if (mid->left)
		mid->left->parent = lo;
	hi->left = mid->right;
	if (mid->right)
		mid->right->parent = hi;
	mid->left = lo;
	mid->right = hi;
	lo->parent = mid;
	hi->parent = mid;
	mid->parent = parent;
	avl_replace_child(root, parent, top, mid);

	avl_update_height(lo);
	avl_update_height(hi);
	avl_update_height(mid);
	if (aug) {
		aug(lo);
		aug(hi);
		aug(mid);
	}
	return mid;
}

/*
 * Restores balance at @n, whose children differ in height by exactly two,
 * and returns the new root of the subtree. When the taller child is itself
 * balanced (possible after an erase, never after an insert) a single
 * rotation is required: a double one would leave the result unbalanced.
 */
static struct iod_avl_node *avl_fix_node(struct iod_avl_root *root,
					 struct iod_avl_node *n,
					 iod_avl_augment_fn aug)
{
	struct iod_avl_node *c;

	if (avl_height(n->left) > avl_height(n->right)) {
		c = n->left;
		if (avl_height(c->left) >= avl_height(c->right))
			return avl_rotate_right(root, n, aug);
		return avl_rotate_double(root, n, c, c->right, n, aug);
	}
	c = n->right;
	if (avl_height(c->right) >= avl_height(c->left))
		return avl_rotate_left(root, n, aug);
	return avl_rotate_double(root, n, n, c->left, c, aug);
}

/*
 * Walks from @n, the lowest node whose subtree changed, up to the root,
 * fixing heights and balance. On entry every node on that path still holds
 * the height its subtree had before the change, and everything off the
 * path is consistent. Once a subtree ends up as tall as it was, nothing
 * above it can need rebalancing, so without augmentation the walk stops
 * there; with augmentation every ancestor's contents changed and the walk
 * must reach the root.
 */
static void avl_fixup(struct iod_avl_root *root, struct iod_avl_node *n,
		      iod_avl_augment_fn aug)
{
	while (n) {
		struct iod_avl_node *parent = n->parent;
		int old_height = n->height;
		int diff = avl_height(n->left) - avl_height(n->right);

		if (diff > 1 || diff < -1) {
			n = avl_fix_node(root, n, aug);
		} else {
			avl_update_height(n);
			if (aug)
				aug(n);
		}
		if (!aug && n->height == old_height)
			return;
		n = parent;
	}
}

/**
 * iod_avl_insert() - link a node at a position found by the caller
 * @root: tree
 * @node: node to link; its previous contents are ignored
 * @parent: parent of the position, NULL for an empty tree
 * @link: &root->node if @parent is NULL, else &parent->left or &parent->right
 * @aug: augment callback, or NULL
 */
void iod_avl_insert(struct iod_avl_root *root, struct iod_avl_node *node,
		    struct iod_avl_node *parent, struct iod_avl_node **link,
		    iod_avl_augment_fn aug)
{
	node->left = NULL;
	node->right = NULL;
	node->parent = parent;
	node->height = 1;
	*link = node;
	if (aug)
		aug(node);
	avl_fixup(root, parent, aug);
}

/**
 * iod_avl_erase() - unlink a node and rebalance
 * @root: tree containing @node
 * @node: node to remove; its link fields are left stale
 * @aug: augment callback, or NULL
 *
 * A node with two children is replaced by its in-order successor, which is
 * relinked into @node's place: nodes are embedded in caller objects, so
 * swapping payloads instead would move the caller's data behind its back.
 */
void iod_avl_erase(struct iod_avl_root *root, struct iod_avl_node *node,
		   iod_avl_augment_fn aug)
{
	struct iod_avl_node *parent = node->parent;
	struct iod_avl_node *child, *succ, *fix;

	if (!node->left || !node->right) {
		child = node->left ? node->left : node->right;
		if (child)
			child->parent = parent;
		avl_replace_child(root, parent, node, child);
		fix = parent;
	} else {
		succ = node->right;
		while (succ->left)
			succ = succ->left;
		if (succ == node->right) {
			/* succ keeps its right subtree and adopts the left. */
			fix = succ;
		} else {
			fix = succ->parent;
			fix->left = succ->right;
			if (succ->right)
				succ->right->parent = fix;
			succ->right = node->right;
			node->right->parent = succ;
		}
		succ->left = node->left;
		node->left->parent = succ;
		succ->parent = parent;
		/*
		 * succ now stands where @node stood; give it @node's height so
		 * that avl_fixup() sees the pre-erase height on the whole path.
		 */
		succ->height = node->height;
		avl_replace_child(root, parent, node, succ);
	}
	avl_fixup(root, fix, aug);
}

/**
 * iod_avl_propagate() - recompute augmented values from @node to the root
 * @node: node whose augmented inputs changed
 * @aug: augment callback, must not be NULL
 */
void iod_avl_propagate(struct iod_avl_node *node, iod_avl_augment_fn aug)
{
	for (; node; node = node->parent)
		aug(node);
}

/*
 * The iterators take const nodes so read-only walkers can use them, but
 * return mutable ones because the caller owns the nodes and the tree never
 * hands out anything the caller did not link itself.
 */
static struct iod_avl_node *avl_leftmost(const struct iod_avl_node *n)
{
	while (n->left)
		n = n->left;
	return (struct iod_avl_node *)n;
}

static struct iod_avl_node *avl_rightmost(const struct iod_avl_node *n)
{
	while (n->right)
		n = n->right;
	return (struct iod_avl_node *)n;
}

/**
 * iod_avl_first() - smallest node, or NULL if the tree is empty
 * @root: tree
 */
struct iod_avl_node *iod_avl_first(const struct iod_avl_root *root)
{
	return root->node ? avl_leftmost(root->node) : NULL;
}

/**
 * iod_avl_last() - largest node, or NULL if the tree is empty
 * @root: tree
 */
struct iod_avl_node *iod_avl_last(const struct iod_avl_root *root)
{
	return root->node ? avl_rightmost(root->node) : NULL;
}

/**
 * iod_avl_next() - in-order successor, or NULL after the last node
 * @node: node in a tree
 *
 * Each edge is crossed at most twice over a full iteration, hence
 * amortised O(1) per step on top of the O(log n) worst case.
 */
struct iod_avl_node *iod_avl_next(const struct iod_avl_node *node)
{
	const struct iod_avl_node *p;

	if (node->right)
		return avl_leftmost(node->right);
	/* Climb until we leave a left subtree: that parent comes next. */
	for (p = node->parent; p && node == p->right; p = p->parent)
		node = p;
	return (struct iod_avl_node *)p;
}

/**
 * iod_avl_prev() - in-order predecessor, or NULL before the first node
 * @node: node in a tree
 */
struct iod_avl_node *iod_avl_prev(const struct iod_avl_node *node)
{
	const struct iod_avl_node *p;

	if (node->left)
		return avl_rightmost(node->left);
	for (p = node->parent; p && node == p->left; p = p->parent)
		node = p;
	return (struct iod_avl_node *)p;
}
