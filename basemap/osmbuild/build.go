package osmbuild

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/aidmap/aidmap/pmtiles"
)

// Options tune a build. The zero value builds zooms 0 to 15 with every core.
type Options struct {
	MinZoom, MaxZoom int    // inclusive; MaxZoom 0 means 15 (a basemap of zoom 0 alone is of no use)
	Format           string // FormatPBF or FormatXML; "" sniffs the input
	Name             string // the archive's name in its metadata
	Workers          int    // tile encoders; 0 means GOMAXPROCS
	TempDir          string // where tile data is spooled before the archive is assembled; "" = os.TempDir
	// Progress, when set, is called from one goroutine at a time as the build goes.
	Progress func(Progress)
}

// Progress is a step of a build: a stage ("read relations", "read ways", "read nodes",
// "tiles z0" ... "tiles z15") and how far through it, in bytes of input or in tiles.
type Progress struct {
	Stage       string
	Done, Total int64
	Elements    int64 // OpenStreetMap elements read so far (the read stages)
}

// Summary is what a build read and wrote.
type Summary struct {
	Nodes, Ways, Relations int64            // OpenStreetMap elements read
	Features               map[string]int64 // features written to tiles, per layer (a feature counts once per tile)
	Tiles                  int64            // tiles addressed
	UniqueTiles            int64            // distinct tile contents stored
	Bytes                  int64            // archive size
	LargestTile            int64            // bytes of the largest tile as stored (gzip), the size a browser fetches
	LargestTileZXY         [3]int           // its zoom, x and y
	MinZoom, MaxZoom       int
	Bounds                 [4]float64 // west, south, east, north in degrees
	Elapsed                time.Duration
}

// Elements is the number of OpenStreetMap elements read.
func (s Summary) Elements() int64 { return s.Nodes + s.Ways + s.Relations }

func (o *Options) zooms() (uint8, uint8, error) {
	maxZ := o.MaxZoom
	if maxZ == 0 {
		maxZ = MaxZoom
	}
	if o.MinZoom < 0 || maxZ > MaxZoom || o.MinZoom > maxZ {
		return 0, 0, fmt.Errorf("osmbuild: zooms %d-%d: want 0 <= min <= max <= %d", o.MinZoom, maxZ, MaxZoom)
	}
	return uint8(o.MinZoom), uint8(maxZ), nil
}

// BuildFile builds the basemap of the OpenStreetMap extract at in (.osm.pbf or .osm XML) into
// a PMTiles archive at out. The archive is written to a temporary file beside out and renamed
// when complete, so a failed build never leaves a half-written archive where a server looks.
func BuildFile(ctx context.Context, in, out string, opts Options) (Summary, error) {
	f, err := os.Open(in)
	if err != nil {
		return Summary{}, fmt.Errorf("osmbuild: %w", err)
	}
	defer f.Close()
	tmp, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".*.tmp")
	if err != nil {
		return Summary{}, fmt.Errorf("osmbuild: %w", err)
	}
	defer os.Remove(tmp.Name())
	if opts.TempDir == "" {
		opts.TempDir = filepath.Dir(out)
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	sum, err := Build(ctx, f, bw, opts)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return sum, fmt.Errorf("osmbuild: %w", err)
	}
	return sum, nil
}

// Build reads an OpenStreetMap extract (three passes, so in must seek) and writes the basemap
// as a PMTiles v3 archive to out.
func Build(ctx context.Context, in io.ReadSeeker, out io.Writer, opts Options) (Summary, error) {
	start := time.Now()
	minZ, maxZ, err := opts.zooms()
	if err != nil {
		return Summary{}, err
	}
	size, err := in.Seek(0, io.SeekEnd)
	if err != nil {
		return Summary{}, fmt.Errorf("osmbuild: %w", err)
	}
	if opts.Format == "" {
		head := make([]byte, 512)
		if _, err := in.Seek(0, io.SeekStart); err != nil {
			return Summary{}, fmt.Errorf("osmbuild: %w", err)
		}
		n, _ := io.ReadFull(in, head)
		if opts.Format, err = Sniff(head[:n]); err != nil {
			return Summary{}, err
		}
	}
	if opts.Format != FormatPBF && opts.Format != FormatXML {
		return Summary{}, fmt.Errorf("osmbuild: format %q: want %q or %q", opts.Format, FormatPBF, FormatXML)
	}
	r := &reader{ctx: ctx, rs: in, size: size, format: opts.Format, opts: &opts}
	if err := r.read(); err != nil {
		return Summary{}, err
	}
	sum := Summary{Nodes: r.nodes.Load(), Ways: r.wayCount.Load(), Relations: r.relations.Load(),
		Features: map[string]int64{}, MinZoom: int(minZ), MaxZoom: int(maxZ)}
	features := r.features()
	if len(features) == 0 {
		return sum, fmt.Errorf("osmbuild: no map features in the extract (%d elements read)", sum.Elements())
	}
	bound := features[0].bound
	for _, f := range features[1:] {
		bound = bound.Union(f.bound)
	}
	if r.bounds != nil {
		// World y grows southwards: the north-west corner is the minimum.
		stated := orb.Bound{Min: project(r.bounds.Min[0], r.bounds.Max[1]), Max: project(r.bounds.Max[0], r.bounds.Min[1])}
		if stated.Intersects(bound) {
			bound = orb.Bound{
				Min: orb.Point{max(stated.Min[0], bound.Min[0]), max(stated.Min[1], bound.Min[1])},
				Max: orb.Point{min(stated.Max[0], bound.Max[0]), min(stated.Max[1], bound.Max[1])},
			}
		}
	}
	props := r.props
	props.done()
	r = nil // the node and way tables are no longer needed
	w, s := unproject(orb.Point{bound.Min[0], bound.Max[1]})
	e, n := unproject(orb.Point{bound.Max[0], bound.Min[1]})
	sum.Bounds = [4]float64{w, s, e, n}

	spool, err := os.CreateTemp(opts.TempDir, "aidmap-basemap-*.tiles")
	if err != nil {
		return sum, fmt.Errorf("osmbuild: %w", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	tw := &tileWriter{w: bufio.NewWriterSize(spool, 1<<20), seen: map[[32]byte]uint64{}}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	encoders := make([]*encoder, workers)
	for i := range encoders {
		encoders[i] = newEncoder(features, props, maxZ)
	}
	var parent []tileJob
	for z := minZ; z <= maxZ; z++ {
		if err := ctx.Err(); err != nil {
			return sum, fmt.Errorf("osmbuild: %w", err)
		}
		jobs := assign(features, z, bound, parent, z > minZ)
		stage := fmt.Sprintf("tiles z%d", z)
		if err := encodeAll(ctx, jobs, parent, encoders, tw, func(done int) {
			if opts.Progress != nil {
				opts.Progress(Progress{Stage: stage, Done: int64(done), Total: int64(len(jobs))})
			}
		}); err != nil {
			return sum, err
		}
		parent = jobs // its pieces are for the next zoom; the last zoom's are dropped with it
	}
	if err := tw.w.Flush(); err != nil {
		return sum, fmt.Errorf("osmbuild: spool tiles: %w", err)
	}
	if len(tw.entries) == 0 {
		return sum, fmt.Errorf("osmbuild: no tiles: every feature was clipped or too small")
	}
	for _, enc := range encoders {
		for i, c := range enc.counts {
			if c > 0 {
				sum.Features[layers[i].name] += c
			}
		}
	}
	for _, en := range tw.entries {
		sum.Tiles += int64(en.RunLength)
	}
	sum.UniqueTiles = int64(len(tw.seen))
	sum.LargestTile = int64(tw.largest)
	if tw.largest > 0 {
		z, x, y := pmtiles.IDToZxy(tw.largestID)
		sum.LargestTileZXY = [3]int{int(z), int(x), int(y)}
	}

	// Assemble: header, root directory, metadata, leaf directories, tile data.
	root, leaves, err := pmtiles.BuildDirectories(tw.entries, pmtiles.MaxRootLen, pmtiles.Gzip)
	if err != nil {
		return sum, fmt.Errorf("osmbuild: %w", err)
	}
	meta, err := pmtiles.SerializeMetadata(metadata(opts.Name, minZ, maxZ, sum.Bounds, sum.Features), pmtiles.Gzip)
	if err != nil {
		return sum, fmt.Errorf("osmbuild: metadata: %w", err)
	}
	cz := centerZoom(bound, minZ, maxZ)
	clon, clat := unproject(orb.Point{(bound.Min[0] + bound.Max[0]) / 2, (bound.Min[1] + bound.Max[1]) / 2})
	h := pmtiles.Header{
		RootOffset:          pmtiles.HeaderLen,
		RootLength:          uint64(len(root)),
		MetadataOffset:      pmtiles.HeaderLen + uint64(len(root)),
		MetadataLength:      uint64(len(meta)),
		LeafDirectoryLength: uint64(len(leaves)),
		TileDataLength:      tw.offset,
		AddressedTilesCount: uint64(sum.Tiles),
		TileEntriesCount:    uint64(len(tw.entries)),
		TileContentsCount:   uint64(sum.UniqueTiles),
		Clustered:           true,
		InternalCompression: pmtiles.Gzip,
		TileCompression:     pmtiles.Gzip,
		TileType:            pmtiles.MVT,
		MinZoom:             minZ,
		MaxZoom:             maxZ,
		MinLonE7:            e7(sum.Bounds[0], math.Floor),
		MinLatE7:            e7(sum.Bounds[1], math.Floor),
		MaxLonE7:            e7(sum.Bounds[2], math.Ceil),
		MaxLatE7:            e7(sum.Bounds[3], math.Ceil),
		CenterZoom:          cz,
		CenterLonE7:         e7(clon, math.Round),
		CenterLatE7:         e7(clat, math.Round),
	}
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return sum, fmt.Errorf("osmbuild: %w", err)
	}
	cw := &countWriter{w: out}
	for _, b := range [][]byte{h.Serialize(), root, meta, leaves} {
		if _, err := cw.Write(b); err != nil {
			return sum, fmt.Errorf("osmbuild: write archive: %w", err)
		}
	}
	if _, err := io.Copy(cw, spool); err != nil {
		return sum, fmt.Errorf("osmbuild: write archive: %w", err)
	}
	sum.Bytes = cw.n
	sum.Elapsed = time.Since(start)
	return sum, nil
}

func e7(deg float64, rnd func(float64) float64) int32 { return int32(rnd(deg * 1e7)) }

// centerZoom is the zoom at which the data's bounds fill about a tile.
func centerZoom(b orb.Bound, minZ, maxZ uint8) uint8 {
	span := max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])
	z := uint8(MaxZoom)
	if span > 0 {
		z = uint8(max(0, min(MaxZoom, math.Floor(math.Log2(1/span)))))
	}
	return max(minZ, min(maxZ, z))
}

// metadata is the archive's JSON metadata: TileJSON-like fields and the vector_layers the
// style and TileJSON endpoints read, for the layers present.
func metadata(name string, minZ, maxZ uint8, bounds [4]float64, present map[string]int64) map[string]any {
	if name == "" {
		name = "aidmap basemap"
	}
	var vl []map[string]any
	for _, l := range layers {
		if present[l.name] == 0 {
			continue
		}
		vl = append(vl, map[string]any{
			"id": l.name, "description": l.description, "fields": l.fields,
			"minzoom": max(int(minZ), min(l.minZoom, int(maxZ))), "maxzoom": int(maxZ),
		})
	}
	return map[string]any{
		"name":          name,
		"format":        "pbf",
		"type":          "baselayer",
		"description":   "Streets, water, land use, buildings and places from OpenStreetMap, built by aidmap basemap build",
		"attribution":   `<a href="https://www.openstreetmap.org/copyright">© OpenStreetMap contributors</a>`,
		"generator":     "aidmap osmbuild",
		"version":       "1.0.0",
		"vector_layers": vl,
		"bounds":        bounds[:],
	}
}

// tileWriter appends tiles in tile-ID order to the spool, storing each distinct content once
// and run-length encoding consecutive repeats, as a clustered archive requires.
type tileWriter struct {
	w       *bufio.Writer
	offset  uint64
	entries []pmtiles.Entry
	seen    map[[32]byte]uint64 // content hash -> offset
	// largest is the biggest tile so far and largestID its tile ID: the build reports it so
	// an operator can check tiles stay under what a phone fetches comfortably (500 KB).
	largest   int
	largestID uint64
}

func (t *tileWriter) add(id uint64, data []byte) error {
	if len(data) > t.largest {
		t.largest, t.largestID = len(data), id
	}
	h := sha256.Sum256(data)
	off, dup := t.seen[h]
	if dup {
		if n := len(t.entries); n > 0 {
			last := &t.entries[n-1]
			if last.Offset == off && last.TileID+uint64(last.RunLength) == id {
				last.RunLength++
				return nil
			}
		}
	} else {
		off = t.offset
		if _, err := t.w.Write(data); err != nil {
			return fmt.Errorf("osmbuild: spool tiles: %w", err)
		}
		t.offset += uint64(len(data))
		t.seen[h] = off
	}
	t.entries = append(t.entries, pmtiles.Entry{TileID: id, Offset: off, Length: uint32(len(data)), RunLength: 1})
	return nil
}

// encodeAll encodes jobs on the encoders in parallel and hands the tiles to tw in job order.
// parent holds the jobs of the zoom above (or none), in tile-ID order.
func encodeAll(ctx context.Context, jobs, parent []tileJob, encoders []*encoder, tw *tileWriter, progress func(int)) error {
	const chunk = 64
	progress(0)
	results := make([][]byte, min(len(jobs), chunk*len(encoders)))
	for start := 0; start < len(jobs); start += len(results) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("osmbuild: %w", err)
		}
		end := min(len(jobs), start+len(results))
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			first error
		)
		// Tiles are taken one at a time rather than dealt out in turn: one tile of a sea
		// coast may cost a hundred of farmland, and a dealt-out share would leave the other
		// cores waiting for it. The results go by index, so the archive is the same.
		var next atomic.Int64
		next.Store(int64(start))
		for _, enc := range encoders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < end; i = int(next.Add(1) - 1) {
					b, err := enc.encode(&jobs[i], parentJob(parent, &jobs[i]))
					if err != nil {
						mu.Lock()
						first = cmp(first, err)
						mu.Unlock()
						return
					}
					results[i-start] = b
				}
			}()
		}
		wg.Wait()
		if first != nil {
			return first
		}
		for i := start; i < end; i++ {
			if b := results[i-start]; b != nil {
				if err := tw.add(jobs[i].id, b); err != nil {
					return err
				}
			}
			results[i-start] = nil
			jobs[i].features = nil // the next zoom needs only touched
		}
		progress(end)
	}
	return nil
}

// parentJob finds the job of j's parent tile in parent (sorted by tile ID), or nil.
func parentJob(parent []tileJob, j *tileJob) *tileJob {
	if len(parent) == 0 || j.z == 0 || parent[0].z != j.z-1 {
		return nil
	}
	id := pmtiles.ZxyToID(j.z-1, j.x/2, j.y/2)
	i, ok := slices.BinarySearchFunc(parent, id, func(p tileJob, id uint64) int {
		switch {
		case p.id < id:
			return -1
		case p.id > id:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return &parent[i]
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
