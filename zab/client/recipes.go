package client

import (
	"strings"

	"github.com/zabsim/zabsim/tree"
)

// Convenience helpers in the manner of Curator's ZKPaths and Kazoo. They
// are made of the operations above, so each step is an op of the History
// like any other.

// deleteRetriesMax bounds how often DeleteRecursive starts over on a node
// that keeps gaining children.
const deleteRetriesMax = 16

// EnsurePath creates path and every missing ancestor as persistent nodes
// open to anyone (ZKPaths.mkdirs); nodes that exist already are fine.
func (c *Client) EnsurePath(path string, cb func(err tree.Code)) {
	done := func(err tree.Code) {
		if cb != nil {
			cb(err)
		}
	}
	if path == "/" {
		c.queue(func() { done(tree.OK) })
		c.settle()
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var step func(i int)
	step = func(i int) {
		p := "/" + strings.Join(parts[:i+1], "/")
		c.Create(p, nil, tree.OpenACLUnsafe, tree.Persistent, func(_ string, err tree.Code) {
			switch {
			case err != tree.OK && err != tree.NodeExists:
				done(err)
			case i+1 == len(parts):
				done(tree.OK)
			default:
				step(i + 1)
			}
		})
	}
	step(0)
}

// DeleteRecursive deletes path and everything under it, children first
// (ZKUtil.deleteRecursive, asynchronously). A node that vanishes meanwhile
// is fine; one that gains a child is tried again, a few times.
func (c *Client) DeleteRecursive(path string, cb func(err tree.Code)) {
	c.deleteRecursive(path, 0, func(err tree.Code) {
		if cb != nil {
			cb(err)
		}
	})
}

func (c *Client) deleteRecursive(path string, attempt int, done func(err tree.Code)) {
	c.GetChildren(path, nil, func(children []string, _ tree.Stat, err tree.Code) {
		switch err {
		case tree.NoNode:
			done(tree.OK)
			return
		case tree.OK:
		default:
			done(err)
			return
		}
		var next func(i int)
		next = func(i int) {
			if i < len(children) {
				c.deleteRecursive(tree.JoinPath(path, children[i]), 0, func(err tree.Code) {
					if err != tree.OK {
						done(err)
						return
					}
					next(i + 1)
				})
				return
			}
			c.Delete(path, -1, func(err tree.Code) {
				switch {
				case err == tree.OK || err == tree.NoNode:
					done(tree.OK)
				case err == tree.NotEmpty && attempt < deleteRetriesMax:
					c.deleteRecursive(path, attempt+1, done)
				default:
					done(err)
				}
			})
		}
		next(0)
	})
}
