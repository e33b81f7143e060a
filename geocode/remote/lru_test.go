package remote

import (
	"testing"

	"github.com/aidmap/aidmap/geocode"
)

func TestLRUEvictsLeastRecentlyUsed(t *testing.T) {
	c := newLRU(2)
	r := func(label string) []geocode.Result { return []geocode.Result{{Label: label}} }
	c.put("a", r("a"))
	c.put("b", r("b"))
	if _, ok := c.get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("c", r("c")) // evicts b
	if _, ok := c.get("b"); ok {
		t.Error("b survived, want it evicted as least recently used")
	}
	for _, k := range []string{"a", "c"} {
		if got, ok := c.get(k); !ok || got[0].Label != k {
			t.Errorf("get(%s): got %v, %v", k, got, ok)
		}
	}
	c.put("a", nil) // replace with a remembered "not found"
	if got, ok := c.get("a"); !ok || len(got) != 0 {
		t.Errorf("get(a) after replace: got %v, %v, want an empty hit", got, ok)
	}
	if c.len() != 2 {
		t.Errorf("len: got %d, want 2", c.len())
	}
}
