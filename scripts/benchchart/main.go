// Command benchchart is the helper of scripts/bench (a dev tool, not part of aidmap): it writes
// the fixed list of query points both load generators use, turns pgbench per-transaction logs
// into latency percentiles, and draws the comparison chart (hand-written SVG) and Markdown tables
// from the results CSV. Standard library only.
//
//	go run ./scripts/benchchart points -n 10000 -seed 42 -out points.tsv
//	go run ./scripts/benchchart pglat LOGFILE...
//	go run ./scripts/benchchart chart -in results.csv -svg docs/bench/compare.svg -md tables.md -title ...
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "points":
		err = runPoints(os.Args[2:])
	case "pglat":
		err = runPgLat(os.Args[2:], os.Stdout)
	case "chart":
		err = runChart(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchchart:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchchart points|pglat|chart [flags]  (see scripts/bench)")
	os.Exit(2)
}

// cities are the centres scripts/nearest.lua queries around (the same list, same order).
var cities = [][2]float64{
	{49.28, -123.12}, {43.65, -79.38}, {45.50, -73.57}, {51.51, -0.13}, {48.86, 2.35},
	{40.71, -74.01}, {34.05, -118.24}, {19.43, -99.13}, {-23.55, -46.63}, {-33.87, 151.21},
	{35.68, 139.69}, {28.61, 77.21}, {30.04, 31.24}, {6.52, 3.38}, {-1.29, 36.82},
	{52.52, 13.40}, {41.01, 28.98}, {55.76, 37.62}, {-18.14, 178.44}, {64.15, -21.94},
}

// runPoints writes n query points as "i<TAB>lat<TAB>lon" lines (i from 1), drawn like
// scripts/nearest.lua draws them: a city uniformly at random, then up to ±0.15° in latitude and
// longitude around its centre. Coordinates have 5 decimals, exactly what both sides send.
func runPoints(args []string) error {
	fs := flag.NewFlagSet("points", flag.ExitOnError)
	n := fs.Int("n", 10000, "number of points")
	seed := fs.Uint64("seed", 42, "random seed: the same seed gives the same points")
	out := fs.String("out", "-", "file to write, - for standard output")
	fs.Parse(args)
	if *n < 1 {
		return errors.New("points: -n must be at least 1")
	}
	w := io.Writer(os.Stdout)
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	r := rand.New(rand.NewPCG(*seed, 0x61696d6170))
	for i := 1; i <= *n; i++ {
		c := cities[r.IntN(len(cities))]
		lat := c[0] + (r.Float64()-0.5)*0.3
		lon := c[1] + (r.Float64()-0.5)*0.3
		fmt.Fprintf(bw, "%d\t%.5f\t%.5f\n", i, lat, lon)
	}
	return bw.Flush()
}

// runPgLat reads pgbench per-transaction logs (pgbench -l; "client_id transaction_no time
// script_no time_epoch time_us ...", time in microseconds) and prints
// "count failed mean_ms p50_ms p99_ms".
func runPgLat(files []string, out io.Writer) error {
	if len(files) == 0 {
		return errors.New("pglat: give pgbench log files")
	}
	var lat []float64
	failed := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 6 {
				continue
			}
			if fields[2] == "failed" || fields[2] == "skipped" {
				failed++
				continue
			}
			us, err := strconv.ParseFloat(fields[2], 64)
			if err != nil {
				f.Close()
				return fmt.Errorf("%s: %q: %v", name, sc.Text(), err)
			}
			lat = append(lat, us/1000)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return err
		}
	}
	if len(lat) == 0 {
		return errors.New("pglat: no transactions in the logs")
	}
	slices.Sort(lat)
	sum := 0.0
	for _, v := range lat {
		sum += v
	}
	fmt.Fprintf(out, "%d %d %.3f %.3f %.3f\n", len(lat), failed, sum/float64(len(lat)), percentile(lat, 50), percentile(lat, 99))
	return nil
}

// percentile of sorted values, nearest-rank.
func percentile(sorted []float64, p float64) float64 {
	k := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}

// row is one line of results.csv.
type row struct {
	system, query string
	conc          int
	rps, p50, p99 float64
	requests      int
	errors        int
}

// series names a line on the chart: a system answering one kind of query.
type series struct {
	system, query string
}

func readResults(name string) ([]row, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comment = '#'
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("%s: no results", name)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range []string{"system", "query", "concurrency", "requests", "rps", "p50_ms", "p99_ms", "errors"} {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("%s: no column %q", name, h)
		}
	}
	var rows []row
	for _, rec := range recs[1:] {
		var r row
		r.system, r.query = rec[col["system"]], rec[col["query"]]
		var errs []error
		num := func(h string) float64 {
			v, err := strconv.ParseFloat(rec[col[h]], 64)
			errs = append(errs, err)
			return v
		}
		r.conc = int(num("concurrency"))
		r.requests = int(num("requests"))
		r.rps, r.p50, r.p99 = num("rps"), num("p50_ms"), num("p99_ms")
		r.errors = int(num("errors"))
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("%s: %v: %w", name, rec, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func runChart(args []string) error {
	fs := flag.NewFlagSet("chart", flag.ExitOnError)
	in := fs.String("in", "results.csv", "results CSV written by scripts/bench")
	svgOut := fs.String("svg", "", "SVG file to write")
	mdOut := fs.String("md", "", "Markdown tables to write (- for standard output)")
	title := fs.String("title", "aidmap HTTP vs PostGIS", "chart title")
	subtitle := fs.String("subtitle", "", "second title line (machine, run)")
	fs.Parse(args)
	rows, err := readResults(*in)
	if err != nil {
		return err
	}
	if *svgOut != "" {
		if err := os.WriteFile(*svgOut, []byte(drawSVG(rows, *title, *subtitle)), 0o644); err != nil {
			return err
		}
	}
	if *mdOut != "" {
		md := tables(rows)
		if *mdOut == "-" {
			_, err = os.Stdout.WriteString(md)
			return err
		}
		return os.WriteFile(*mdOut, []byte(md), 0o644)
	}
	return nil
}

// pairs are the comparisons the tables make: aidmap's HTTP query against PostGIS's query that
// answers the same question.
var pairs = []struct {
	label           string
	aidmap, postgis series
}{
	{"nearest-10", series{"aidmap", "nearest10"}, series{"postgis", "knn10"}},
	{"nearest-10, fair anchor: the same JSON document", series{"aidmap", "nearest10"}, series{"postgis", "knn10json"}},
	{"nearest-10 gzipped (Accept-Encoding: gzip), against the same JSON", series{"aidmap", "nearest10gz"}, series{"postgis", "knn10json"}},
	{"radius 2 km, first page of 100", series{"aidmap", "radius2km"}, series{"postgis", "dwithin2km"}},
	{"bbox, first page of 100", series{"aidmap", "bbox"}, series{"postgis", "bbox"}},
	{"site tiles, zooms 12-14", series{"aidmap", "tiles"}, series{"postgis", "tiles"}},
}

// healthz is the floor of what an HTTP answer costs on this machine: the ceiling of req/s.
var healthz = series{"aidmap", "healthz"}

func tables(rows []row) string {
	get := func(s series, c int) (row, bool) {
		for _, r := range rows {
			if r.system == s.system && r.query == s.query && r.conc == c {
				return r, true
			}
		}
		return row{}, false
	}
	var concs []int
	for _, r := range rows {
		if !slices.Contains(concs, r.conc) {
			concs = append(concs, r.conc)
		}
	}
	slices.Sort(concs)
	var b strings.Builder
	b.WriteString(targets(get, concs))
	for _, p := range pairs {
		have := false
		for _, c := range concs {
			_, a := get(p.aidmap, c)
			_, g := get(p.postgis, c)
			have = have || a || g
		}
		if !have {
			continue
		}
		fmt.Fprintf(&b, "**%s** (%s vs %s)\n\n", p.label, label(p.aidmap), label(p.postgis))
		b.WriteString("| clients | aidmap req/s | aidmap p50 | aidmap p99 | PostGIS tx/s | PostGIS p50 | PostGIS p99 | aidmap / PostGIS | aidmap / `/healthz` |\n")
		b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, c := range concs {
			a, okA := get(p.aidmap, c)
			g, okG := get(p.postgis, c)
			h, okH := get(healthz, c)
			cell := func(ok bool, r row) string {
				if !ok {
					return "– | – | –"
				}
				s := fmt.Sprintf("%s | %s ms | %s ms", thousands(r.rps), ms(r.p50), ms(r.p99))
				if r.errors > 0 {
					s += fmt.Sprintf(" (%d errors)", r.errors)
				}
				return s
			}
			ratio, share := "–", "–"
			if okA && okG && g.rps > 0 {
				ratio = fmt.Sprintf("%.1f×", a.rps/g.rps)
			}
			if okA && okH && h.rps > 0 {
				share = fmt.Sprintf("%.0f%%", 100*a.rps/h.rps)
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", c, cell(okA, a), cell(okG, g), ratio, share)
		}
		b.WriteString("\n")
	}
	var hb strings.Builder
	for _, c := range concs {
		if h, ok := get(healthz, c); ok {
			fmt.Fprintf(&hb, "| %d | %s | %s ms | %s ms |\n", c, thousands(h.rps), ms(h.p50), ms(h.p99))
		}
	}
	if hb.Len() > 0 {
		b.WriteString("**`/healthz`**, the ceiling: a constant answer through the same server, middleware and connections\n\n")
		b.WriteString("| clients | req/s | p50 | p99 |\n|---:|---:|---:|---:|\n")
		b.WriteString(hb.String())
		b.WriteString("\n")
	}
	return b.String()
}

// targets is the table of issue #20's targets, where the run measured what they need.
func targets(get func(series, int) (row, bool), concs []int) string {
	type check struct {
		what, target, got string
		met               bool
	}
	var cs []check
	near, okN := get(series{"aidmap", "nearest10"}, 2)
	if okN {
		cs = append(cs, check{"nearest-10 req/s, 2 clients", "≥ 15,000", thousands(near.rps), near.rps >= 15000})
		if h, ok := get(healthz, 2); ok {
			cs = append(cs, check{"nearest-10 / `/healthz`, 2 clients", "≥ 65%", fmt.Sprintf("%.0f%% (of %s)", 100*near.rps/h.rps, thousands(h.rps)), near.rps >= 0.65*h.rps})
		}
		if g, ok := get(series{"postgis", "knn10"}, 2); ok {
			cs = append(cs, check{"nearest-10 / PostGIS KNN (ids), 2 clients", "≥ 8×", fmt.Sprintf("%.1f×", near.rps/g.rps), near.rps >= 8*g.rps})
		}
		if g, ok := get(series{"postgis", "knn10json"}, 2); ok {
			cs = append(cs, check{"nearest-10 / PostGIS same JSON, 2 clients", "≥ 5×", fmt.Sprintf("%.1f×", near.rps/g.rps), near.rps >= 5*g.rps})
		}
		cs = append(cs, check{"nearest-10 p99, 2 clients", "≤ 1 ms", ms(near.p99) + " ms", near.p99 <= 1})
	}
	if r, ok := get(series{"aidmap", "nearest10"}, 64); ok {
		cs = append(cs, check{"nearest-10 p99, 64 clients", "≤ 10 ms", ms(r.p99) + " ms", r.p99 <= 10})
	}
	if r, ok := get(series{"aidmap", "radius2km"}, 2); ok {
		cs = append(cs, check{"radius 2 km (page of 100) req/s, 2 clients", "≥ 5,000", thousands(r.rps), r.rps >= 5000})
	}
	if len(cs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("**Targets of issue #20**\n\n| measurement | target | this run | met? |\n|---|---|---|---|\n")
	for _, c := range cs {
		met := "yes"
		if !c.met {
			met = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.what, c.target, c.got, met)
	}
	b.WriteString("\n")
	return b.String()
}

func label(s series) string {
	switch s {
	case series{"aidmap", "nearest10"}:
		return "aidmap HTTP nearest-10"
	case series{"aidmap", "nearest10gz"}:
		return "aidmap HTTP nearest-10, gzip"
	case series{"postgis", "knn10"}:
		return "PostGIS KNN 10 (<->)"
	case series{"postgis", "knn10json"}:
		return "PostGIS KNN 10, json_agg of the same fields"
	case series{"aidmap", "radius2km"}:
		return "aidmap HTTP radius 2 km, 100"
	case series{"postgis", "dwithin2km"}:
		return "PostGIS ST_DWithin 2 km, 100 nearest"
	case series{"aidmap", "bbox"}:
		return "aidmap HTTP bbox page"
	case series{"postgis", "bbox"}:
		return "PostGIS && box, 100 by id"
	case series{"aidmap", "tiles"}:
		return "aidmap site tiles z12-14"
	case series{"postgis", "tiles"}:
		return "PostGIS ST_AsMVT z12-14"
	case healthz:
		return "aidmap /healthz"
	}
	return s.system + " " + s.query
}

func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func ms(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}
