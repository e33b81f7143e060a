package tiles

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"io"
	"sync"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// Key identifies a rendered tile: the tiles of one index version never change, so a cached
// tile is valid exactly as long as its version is current.
type Key struct {
	Version int64
	// Places is the generation of the places drawn (RenderPlaces); 0 for none.
	Places     int64
	Categories aidmap.CategorySet // the filter; 0 for all
	Z          uint8
	X, Y       uint32
}

// Cache keeps recently served tiles, gzipped, up to a total size, evicting the least
// recently used. Tiles of an old index version are never asked for again and age out.
// It is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	max   int
	size  int
	order list.List // of *entry, most recently used first
	byKey map[Key]*list.Element
}

type entry struct {
	key Key
	gz  []byte
}

// NewCache returns a cache holding up to maxBytes of gzipped tiles.
func NewCache(maxBytes int) *Cache {
	return &Cache{max: maxBytes, byKey: make(map[Key]*list.Element)}
}

// entryOverhead approximates the memory of an entry beyond its bytes, so a cache of many
// empty tiles stays bounded too.
const entryOverhead = 128

// Gzipped returns tile z/x/y of the sites of ix matching f, gzipped (nil for a tile with no
// site), from the cache or rendered and then cached. Concurrent misses of one tile may
// both render it; that costs a render, never a wrong answer.
func (c *Cache) Gzipped(ix *geo.Index, z, x, y int, f geo.Filter) ([]byte, error) {
	return c.GzippedPlaces(ix, nil, 0, z, x, y, f)
}

// GzippedPlaces is Gzipped for RenderPlaces: gen identifies the places pl (a new generation
// whenever they change), so a tile is cached for one index version and one generation.
func (c *Cache) GzippedPlaces(ix *geo.Index, pl Places, gen int64, z, x, y int, f geo.Filter) ([]byte, error) {
	if err := CheckTile(z, x, y); err != nil {
		return nil, err
	}
	if pl == nil {
		gen = 0
	}
	k := Key{Version: ix.Version(), Places: gen, Categories: f.Categories, Z: uint8(z), X: uint32(x), Y: uint32(y)}
	if gz, ok := c.get(k); ok {
		return gz, nil
	}
	bp := rawPool.Get().(*[]byte)
	raw, err := RenderPlaces((*bp)[:0], ix, pl, z, x, y, f)
	if err != nil {
		return nil, err
	}
	var gz []byte
	if len(raw) > 0 {
		gz = Gzip(nil, raw, gzip.BestSpeed)
	}
	*bp = raw[:0]
	rawPool.Put(bp)
	c.put(k, gz)
	return gz, nil
}

var rawPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func (c *Cache) get(k Key) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*entry).gz, true
}

func (c *Cache) put(k Key, gz []byte) {
	n := len(gz) + entryOverhead
	if n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[k]; ok {
		return
	}
	c.byKey[k] = c.order.PushFront(&entry{k, gz})
	c.size += n
	for c.size > c.max {
		last := c.order.Back()
		e := last.Value.(*entry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.size -= len(e.gz) + entryOverhead
	}
}

// Len returns the number of cached tiles.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// gzipPools hold gzip writers by level: a writer allocates about 800 KB of tables, which
// dominated the cost of compressing a tile when made per call.
var gzipPools [gzip.BestCompression + 1]sync.Pool

// Gzip appends raw gzipped at the given level (gzip.BestSpeed to gzip.BestCompression) to dst.
func Gzip(dst, raw []byte, level int) []byte {
	level = min(max(level, gzip.BestSpeed), gzip.BestCompression)
	buf := bytes.NewBuffer(dst)
	w, _ := gzipPools[level].Get().(*gzip.Writer)
	if w == nil {
		w, _ = gzip.NewWriterLevel(buf, level) // the level is valid
	} else {
		w.Reset(buf)
	}
	_, _ = w.Write(raw) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	gzipPools[level].Put(w)
	return buf.Bytes()
}

// Gunzip appends the decompressed gz to dst, for the rare client that does not accept gzip.
func Gunzip(dst, gz []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return dst, err
	}
	buf := bytes.NewBuffer(dst)
	if _, err := io.Copy(buf, r); err != nil {
		return dst, err
	}
	return buf.Bytes(), nil
}
