package query

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// The text index: for each part of a geo.Index (its base and its delta, see geo.Part), every
// word of its sites' text fields (textFields, folded and split as textScore does) with the
// positions of the sites that have it. A query word then names its sites without reading
// them: the vocabulary words it matches (exact and prefix by binary search over the sorted
// vocabulary, one edit away by a scan of the words of about its length, each checked by
// wordScore itself) and the union of their postings. Nearest with text takes the k nearest of
// those (geo.Index.AppendNearestAmong), where the best-first search would read every site
// nearer than the first matches: a word no site has costs nothing, a rare one far away as
// much as a near one.
//
// It is built per part, on the first text query that meets the part, in the background: until
// it is ready a query runs as before (IndexText builds it at once). A part is immutable and
// shared by the snapshots derived from it, so the base's index outlives every Apply until the
// next rebuild; the delta, rebuilt by every Apply, is small.

// maxCandidates is the most sites a text query's candidates may number for Nearest to take the
// nearest among them. Measuring them costs a few nanoseconds each (no decoding); Match is
// then called nearest first, as in the tree search. Above it, matches are common enough (one
// site in 16 of 1M) that the best-first search meets them within a few hundred sites.
const maxCandidates = 1 << 16

// textIndex is the text index of one part.
type textIndex struct {
	words []string   // the vocabulary, sorted
	count []uint32   // sites per word
	off   []uint64   // postings of words[i] in post[off[i]:off[i+1]]
	post  []byte     // positions in ascending order, each as the uvarint of its gap to the previous
	byLen [][]uint32 // words by length in bytes, for the one-edit scan
}

// textIndexKey keys the text index among the data kept on a geo.Part.
type textIndexKey struct{}

// textIndexState is what a part keeps: the index once built, and the build run once.
type textIndexState struct {
	once    sync.Once
	started atomic.Bool // a background build was started
	index   atomic.Pointer[textIndex]
}

func (st *textIndexState) build(p geo.Part) {
	st.once.Do(func() { st.index.Store(buildTextIndex(p)) })
}

func partTextState(p geo.Part) *textIndexState {
	return p.Memo(textIndexKey{}, func() any { return new(textIndexState) }).(*textIndexState)
}

// textIndexOf returns the text index of p, or nil while it is not built, starting its build
// in the background the first time.
func textIndexOf(p geo.Part) *textIndex {
	st := partTextState(p)
	if ti := st.index.Load(); ti != nil {
		return ti
	}
	if st.started.CompareAndSwap(false, true) {
		go st.build(p)
	}
	return nil
}

// IndexText builds the text index of ix now, returning when it is ready. Otherwise it is built
// in the background on the first text query, which until then runs as before: a server may call
// it after swapping in a snapshot so that no text query meets it unbuilt; tests and benchmarks
// call it to measure the index.
func IndexText(ix *geo.Index) {
	for _, p := range [...]geo.Part{ix.Base(), ix.Delta()} {
		if p.Len() > 0 {
			partTextState(p).build(p)
		}
	}
}

// buildTextIndex indexes the words of every site of p, tombstones included (the search skips
// them).
func buildTextIndex(p geo.Part) *textIndex {
	n := p.Len()
	var (
		s        aidmap.Site
		buf      []byte
		ids      = make(map[string]uint32)
		vocab    []string
		last     []uint32                 // last site+1 each word was seen in, to count it once a site
		siteWord = make([]uint32, 0, 8*n) // the words of each site, site after site
		ends     = make([]uint32, 0, n)   // end of each site's words in siteWord
	)
	for i := range n {
		p.Hit(uint32(i)).DecodeSite(&s)
		for _, f := range textFields(&s) {
			buf = appendFold(buf[:0], f.text)
			for rest := buf; len(rest) > 0; {
				// Split at spaces, as wordScore does.
				var w []byte
				if j := bytes.IndexByte(rest, ' '); j >= 0 {
					w, rest = rest[:j], rest[j+1:]
				} else {
					w, rest = rest, nil
				}
				if len(w) == 0 {
					continue
				}
				id, ok := ids[string(w)] // no allocation: a map index by string(bytes)
				if !ok {
					id = uint32(len(vocab))
					key := string(w)
					ids[key] = id
					vocab = append(vocab, key)
					last = append(last, 0)
				}
				if last[id] != uint32(i)+1 {
					last[id] = uint32(i) + 1
					siteWord = append(siteWord, id)
				}
			}
		}
		ends = append(ends, uint32(len(siteWord)))
	}
	// Sort the vocabulary; rank maps a word's first number to its place.
	order := make([]uint32, len(vocab))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return strings.Compare(vocab[a], vocab[b]) })
	rank := make([]uint32, len(vocab))
	ti := &textIndex{
		words: make([]string, len(vocab)),
		count: make([]uint32, len(vocab)),
		off:   make([]uint64, len(vocab)+1),
	}
	for r, id := range order {
		rank[id] = uint32(r)
		ti.words[r] = vocab[id]
	}
	// Sizes, then the postings: positions ascend as sites are visited in order.
	clear(last)
	size := make([]uint64, len(vocab))
	forEach := func(fn func(w, pos uint32)) {
		from := uint32(0)
		for i, end := range ends {
			for _, id := range siteWord[from:end] {
				fn(rank[id], uint32(i))
			}
			from = end
		}
	}
	var tmp [binary.MaxVarintLen32]byte
	forEach(func(w, pos uint32) {
		ti.count[w]++
		size[w] += uint64(binary.PutUvarint(tmp[:], uint64(pos-last[w])))
		last[w] = pos
	})
	for w, sz := range size {
		ti.off[w+1] = ti.off[w] + sz
	}
	ti.post = make([]byte, ti.off[len(vocab)])
	next := slices.Clone(ti.off[:len(vocab)])
	clear(last)
	forEach(func(w, pos uint32) {
		next[w] += uint64(binary.PutUvarint(ti.post[next[w]:], uint64(pos-last[w])))
		last[w] = pos
	})
	maxLen := 0
	for _, w := range ti.words {
		maxLen = max(maxLen, len(w))
	}
	ti.byLen = make([][]uint32, maxLen+1)
	for i, w := range ti.words {
		ti.byLen[len(w)] = append(ti.byLen[len(w)], uint32(i))
	}
	return ti
}

// matching appends to dst the numbers of the vocabulary words that query word w matches at
// all (wordScore above 0), in ascending order.
func (ti *textIndex) matching(dst []uint32, w string) []uint32 {
	start := len(dst)
	i := sort.SearchStrings(ti.words, w)
	if len(w) >= 3 {
		// Exact and prefix matches: a run of the sorted vocabulary.
		for j := i; j < len(ti.words) && strings.HasPrefix(ti.words[j], w); j++ {
			dst = append(dst, uint32(j))
		}
	} else if i < len(ti.words) && ti.words[i] == w {
		dst = append(dst, uint32(i))
	}
	if len(w) >= 5 {
		// One edit away: words of one byte fewer to one more, checked by wordScore itself.
		for n := len(w) - 1; n <= len(w)+1 && n < len(ti.byLen); n++ {
			for _, j := range ti.byLen[n] {
				if v := ti.words[j]; !strings.HasPrefix(v, w) && wordScore(v, w) > 0 {
					dst = append(dst, j)
				}
			}
		}
		slices.Sort(dst[start:])
	}
	return dst
}

// appendPostings appends the positions of word i to dst, in ascending order.
func (ti *textIndex) appendPostings(dst []uint32, i uint32) []uint32 {
	b := ti.post[ti.off[i]:ti.off[i+1]]
	pos := uint32(0)
	for len(b) > 0 {
		gap, n := binary.Uvarint(b)
		b = b[n:]
		pos += uint32(gap)
		dst = append(dst, pos)
	}
	return dst
}

// categoryMatches returns the categories whose words query word w matches: a site of one of
// them matches w whatever its text, so such a word names no small set of sites.
func categoryMatches(w string) aidmap.CategorySet {
	var set aidmap.CategorySet
	for c, text := range categoryWords {
		if wordScore(text, w) > 0 {
			set |= aidmap.NewCategorySet(c)
		}
	}
	return set
}

// textCandidates returns, for the base and the delta of ix, sorted positions of a superset of
// the sites whose text matches every word of words (textScore's sense): the sites having the
// rarest of the words that no category matches, or every site of a part whose text index is
// not built yet. ok is false when there is no such word, or more than most candidates: the
// caller then searches as if there were no index. Which of them match exactly, and how well,
// is still Match's to say.
func textCandidates(ix *geo.Index, words []string, most int) (base, delta []uint32, ok bool) {
	var free []string // the words no category matches
	for _, w := range words {
		if categoryMatches(w) == 0 {
			free = append(free, w)
		}
	}
	if len(free) == 0 {
		return nil, nil, false
	}
	var out [2][]uint32
	var matches []uint32
	for i, p := range [...]geo.Part{ix.Base(), ix.Delta()} {
		n := p.Len()
		if n == 0 {
			continue
		}
		ti := textIndexOf(p)
		if ti == nil {
			if most -= n; most < 0 {
				return nil, nil, false
			}
			all := make([]uint32, n)
			for j := range all {
				all[j] = uint32(j)
			}
			out[i] = all
			continue
		}
		// The rarest word by its postings (an upper bound of its sites when it matches
		// several words).
		var (
			best      []uint32
			bestCount = -1
		)
		for _, w := range free {
			ms := ti.matching(matches[:0], w)
			count := 0
			for _, j := range ms {
				count += int(ti.count[j])
			}
			if bestCount < 0 || count < bestCount {
				best, bestCount = append(best[:0], ms...), count
			}
			matches = ms
			if count == 0 {
				break
			}
		}
		if most -= bestCount; most < 0 {
			return nil, nil, false
		}
		var ps []uint32
		for _, j := range best {
			ps = ti.appendPostings(ps, j)
		}
		if len(best) > 1 {
			slices.Sort(ps)
			ps = slices.Compact(ps)
		}
		out[i] = ps
	}
	return out[0], out[1], true
}

// bytes returns about how much memory ti holds.
func (ti *textIndex) bytes() int {
	n := len(ti.post) + 4*len(ti.count) + 8*len(ti.off) + 24*len(ti.byLen)
	for _, w := range ti.words {
		n += 16 + len(w) + 4 // string header, bytes, its place in byLen
	}
	return n
}

// textFilter adds to f, for a query with text words, a Match that keeps only the sites the text
// index names as candidates (textCandidates): a radius or a box then reads only those, not every
// site in it. Match is left alone when the index names no small set. The exact check is still
// Matcher.Match's.
func textFilter(f *geo.Filter, ix *geo.Index, words []string) {
	if len(words) == 0 {
		return
	}
	base, delta, ok := textCandidates(ix, words, maxCandidates)
	if !ok {
		return
	}
	parts := [2]geo.Part{ix.Base(), ix.Delta()}
	f.Match = func(h geo.Hit) bool {
		if p, ok := parts[0].Position(h); ok {
			_, found := slices.BinarySearch(base, p)
			return found
		}
		p, ok := parts[1].Position(h)
		if !ok {
			return false
		}
		_, found := slices.BinarySearch(delta, p)
		return found
	}
}
