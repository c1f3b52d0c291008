package client

import (
	"strings"

	"github.com/zabsim/zabsim/tree"
)

// The Kazoo-like convenience layer: composed of the operations above, so
// each step is in the History like any other op.

// EnsurePath creates path and every missing ancestor as persistent nodes
// open to anyone; nodes that already exist are fine.
func (c *Client) EnsurePath(path string, cb func(err tree.Code)) {
	if path == "/" || path == "" {
		if cb != nil {
			cb(tree.OK)
		}
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var step func(i int)
	step = func(i int) {
		if i == len(parts) {
			if cb != nil {
				cb(tree.OK)
			}
			return
		}
		p := "/" + strings.Join(parts[:i+1], "/")
		c.Create(p, nil, tree.OpenACLUnsafe, tree.Persistent, func(_ string, err tree.Code) {
			if err != tree.OK && err != tree.NodeExists {
				if cb != nil {
					cb(err)
				}
				return
			}
			step(i + 1)
		})
	}
	step(0)
}

// DeleteRecursive deletes path and everything under it, children first. A
// node that vanishes meanwhile is fine; one that gains a child is tried
// again.
func (c *Client) DeleteRecursive(path string, cb func(err tree.Code)) {
	done := func(err tree.Code) {
		if cb != nil {
			cb(err)
		}
	}
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
			if i == len(children) {
				c.Delete(path, -1, func(err tree.Code) {
					switch err {
					case tree.OK, tree.NoNode:
						done(tree.OK)
					case tree.NotEmpty:
						c.DeleteRecursive(path, cb)
					default:
						done(err)
					}
				})
				return
			}
			c.DeleteRecursive(tree.JoinPath(path, children[i]), func(err tree.Code) {
				if err != tree.OK {
					done(err)
					return
				}
				next(i + 1)
			})
		}
		next(0)
	})
}
