// Command geoaccuracy measures the embedded geocoder against real address points: it holds out
// a share of the points, builds the gazetteer from the rest, geocodes the held-out points by
// their address text, and reports how close the answers land. It also geocodes every point
// with the full gazetteer (the address is known) and reports the geocoder's throughput.
//
//	go run ./internal/geoaccuracy [-holdout 0.1] [-seed 1] [-combine] [-v] FILE...
//	go run ./internal/geoaccuracy -write-synthetic /tmp/oa1m.csv -n 1000000
//
// FILE is an OpenAddresses CSV (LON,LAT,NUMBER,STREET,...,CITY,...,REGION,POSTCODE) or a CSV
// with one-line addresses (address,longitude,latitude, like the City of Vancouver's property
// addresses). A civic address that appears on several rows is scored against its nearest
// point. It is a development tool, run by hand as above; BENCHMARKS-geocode.md has its results
// and the files they came from.
package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/geocode/addr"
	"github.com/aidmap/aidmap/geocode/places"
	"github.com/aidmap/aidmap/geocode/points"
)

var verbose bool

// sample is one address point with the text people would write for it.
type sample struct {
	text  string
	point aidmap.AddressPoint
}

func main() {
	holdout := flag.Float64("holdout", 0.1, "share of points held out of the gazetteer")
	seed := flag.Uint64("seed", 1, "random seed for the hold-out")
	combine := flag.Bool("combine", false, "treat all files as one dataset (e.g. two samples of one city)")
	flag.BoolVar(&verbose, "v", false, "print each held-out address more than 100 m off")
	synthetic := flag.String("write-synthetic", "", "write a synthetic OpenAddresses CSV of -n points to this file and exit (for the 1M import benchmarks)")
	n := flag.Int("n", 1_000_000, "points for -write-synthetic")
	flag.Parse()
	if *synthetic != "" {
		if err := writeSynthetic(*synthetic, *n); err != nil {
			fmt.Fprintln(os.Stderr, "geoaccuracy:", err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: geoaccuracy [-holdout 0.1] FILE...")
		os.Exit(2)
	}
	var all []sample
	for _, name := range flag.Args() {
		samples, err := read(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "geoaccuracy:", err)
			os.Exit(1)
		}
		if *combine {
			all = append(all, samples...)
			continue
		}
		report(name, samples, *holdout, *seed)
	}
	if *combine {
		report(strings.Join(flag.Args(), " + "), all, *holdout, *seed)
	}
}

// read reads a file of one-line addresses (an "address" column) itself, and any other address
// point file through geocode/points, writing each point's address out as a person would.
func read(name string) ([]sample, error) {
	if !strings.HasSuffix(strings.ToLower(name), ".csv") || !hasAddressColumn(name) {
		return readPoints(name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	get := func(rec []string, names ...string) string {
		for _, n := range names {
			if i, ok := col[n]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
		}
		return ""
	}
	var out []sample
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		lon, err1 := strconv.ParseFloat(get(rec, "lon", "longitude"), 64)
		lat, err2 := strconv.ParseFloat(get(rec, "lat", "latitude"), 64)
		if err1 != nil || err2 != nil {
			continue
		}
		var s sample
		if line := get(rec, "address"); line != "" {
			// One-line address: the gazetteer gets it split as an address file would have it.
			p := addr.Parse(line)
			s = sample{text: line, point: aidmap.AddressPoint{Lat: lat, Lon: lon, Number: p.Number, Unit: p.Unit,
				Street: p.Street, Locality: p.Locality, Region: p.Region, Postcode: p.Postcode, Country: p.Country}}
		} else {
			p := aidmap.AddressPoint{Lat: lat, Lon: lon, Number: get(rec, "number"), Unit: get(rec, "unit"), Street: get(rec, "street"),
				Locality: get(rec, "city"), Region: get(rec, "region"), Postcode: get(rec, "postcode")}
			parts := []string{strings.TrimSpace(p.Number + " " + p.Street)}
			if p.Locality != "" {
				parts = append(parts, p.Locality)
			}
			if tail := strings.TrimSpace(p.Region + " " + p.Postcode); tail != "" {
				parts = append(parts, tail)
			}
			s = sample{text: strings.Join(parts, ", "), point: p}
		}
		if s.point.Number == "" || s.point.Street == "" {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// build returns a gazetteer of the samples' points.
func build(samples []sample) *geocode.Gazetteer {
	var b geocode.Builder
	for _, s := range samples {
		b.Add(s.point)
	}
	return b.Build()
}

// stats accumulates distances from the true point.
type stats struct {
	n, address, within50, within100, notFound int
	errs                                      []float64
	byPrecision                               map[aidmap.Precision]int
}

func (st *stats) add(r []geocode.Result, err error, truth []aidmap.AddressPoint) {
	st.n++
	if st.byPrecision == nil {
		st.byPrecision = map[aidmap.Precision]int{}
	}
	if err != nil || len(r) == 0 {
		st.notFound++
		return
	}
	best := r[0]
	st.byPrecision[best.Precision]++
	if best.Precision == aidmap.PrecisionAddress {
		st.address++
	}
	d := -1.0
	for _, p := range truth {
		if dd := aidmap.DistanceM(best.Lat, best.Lon, p.Lat, p.Lon); d < 0 || dd < d {
			d = dd
		}
	}
	st.errs = append(st.errs, d)
	if d <= 50 {
		st.within50++
	}
	if d <= 100 {
		st.within100++
	}
}

func (st *stats) print(what string) {
	slices.Sort(st.errs)
	median := 0.0
	if len(st.errs) > 0 {
		median = st.errs[len(st.errs)/2]
	}
	pct := func(k int) string { return fmt.Sprintf("%5.1f%%", 100*float64(k)/float64(max(1, st.n))) }
	fmt.Printf("  %-34s n=%-6d address %s  ≤50 m %s  ≤100 m %s  not found %s  median error %.1f m  %v\n",
		what, st.n, pct(st.address), pct(st.within50), pct(st.within100), pct(st.notFound), median, st.byPrecision)
}

func report(name string, samples []sample, holdout float64, seed uint64) {
	ctx := context.Background()
	// Group the rows of one civic address: its truth is every point it has.
	truth := map[string][]aidmap.AddressPoint{}
	for _, s := range samples {
		truth[s.text] = append(truth[s.text], s.point)
	}
	fmt.Printf("%s: %d points, %d distinct addresses\n", name, len(samples), len(truth))

	// 1. Every address, with its own point in the gazetteer.
	full := geocode.NewEmbedded(build(samples))
	if err := places.Load(); err != nil { // its one-time cost is not the geocoder's speed
		fmt.Fprintln(os.Stderr, "geoaccuracy:", err)
	}
	var known stats
	start := time.Now()
	for text, pts := range truth {
		rs, err := full.Geocode(ctx, geocode.Request{Text: text})
		known.add(rs, err, pts)
		if verbose && (err != nil || rs[0].Precision != aidmap.PrecisionAddress) {
			fmt.Printf("    known but not matched: %q → %+v %v\n", text, rs, err)
		}
	}
	took := time.Since(start)
	known.print("point in the gazetteer")

	// 2. Held-out addresses: every row of a held-out address leaves the gazetteer.
	texts := make([]string, 0, len(truth))
	for t := range truth {
		texts = append(texts, t)
	}
	slices.Sort(texts)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	rng.Shuffle(len(texts), func(i, j int) { texts[i], texts[j] = texts[j], texts[i] })
	cut := int(float64(len(texts)) * holdout)
	held := map[string]bool{}
	for _, t := range texts[:cut] {
		held[t] = true
	}
	var rest []sample
	streets := map[string]bool{}
	for _, s := range samples {
		if !held[s.text] {
			rest = append(rest, s)
			streets[streetKey(s.point)] = true
		}
	}
	part := geocode.NewEmbedded(build(rest))
	var out, onStreet stats
	for _, t := range texts[:cut] {
		rs, err := part.Geocode(ctx, geocode.Request{Text: t})
		out.add(rs, err, truth[t])
		if verbose && len(out.errs) > 0 && out.errs[len(out.errs)-1] > 100 {
			fmt.Printf("    %.0f m off: %q → %+v\n", out.errs[len(out.errs)-1], t, rs[0])
		}
		if streets[streetKey(truth[t][0])] {
			onStreet.add(rs, err, truth[t])
		}
	}
	out.print(fmt.Sprintf("held out (%.0f%%)", holdout*100))
	onStreet.print("held out, street in the gazetteer")
	fmt.Printf("  throughput: %d addresses in %s = %.0f addresses/s (one goroutine)\n",
		len(truth), took.Round(time.Millisecond), float64(len(truth))/took.Seconds())
}

func streetKey(p aidmap.AddressPoint) string {
	a := addr.FromPoint(p.Number, p.Street, p.Unit, p.Locality, p.Region, p.Postcode, p.Country)
	return a.Street + "|" + a.Locality
}

func hasAddressColumn(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	header, err := csv.NewReader(f).Read()
	return err == nil && slices.ContainsFunc(header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), "address") })
}

func readPoints(name string) ([]sample, error) {
	r, closer, err := points.OpenFile(context.Background(), name, points.Options{})
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	var out []sample
	for {
		batch, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for _, p := range batch {
			parts := []string{strings.TrimSpace(p.Number + " " + p.Street)}
			if p.Unit != "" {
				parts[0] = p.Unit + "-" + parts[0]
			}
			if p.Locality != "" {
				parts = append(parts, p.Locality)
			}
			if tail := strings.TrimSpace(p.Region + " " + p.Postcode); tail != "" {
				parts = append(parts, tail)
			}
			out = append(out, sample{text: strings.Join(parts, ", "), point: p})
		}
	}
}
