package remote

import (
	"container/list"
	"sync"

	"github.com/aidmap/aidmap/geocode"
)

// lru keeps the most recently used answers in memory. An empty slice is a remembered
// "not found". It is safe for concurrent use.
type lru struct {
	size int

	mu    sync.Mutex
	order *list.List // front is most recent; values are *lruEntry
	items map[string]*list.Element
}

type lruEntry struct {
	key string
	res []geocode.Result
}

func newLRU(size int) *lru {
	return &lru{size: size, order: list.New(), items: make(map[string]*list.Element, size)}
}

func (c *lru) get(key string) ([]geocode.Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruEntry).res, true
}

// put stores a copy of res under key, evicting the least recently used entry when full.
func (c *lru) put(key string, res []geocode.Result) {
	res = append([]geocode.Result(nil), res...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		e.Value.(*lruEntry).res = res
		c.order.MoveToFront(e)
		return
	}
	c.items[key] = c.order.PushFront(&lruEntry{key: key, res: res})
	if c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruEntry).key)
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
