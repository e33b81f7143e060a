package archtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/aidmap/aidmap"

// layers places every package family of the module (see family) on a layer. A package may
// import the packages of its own family and those of lower layers, never higher or equal
// ones of another family. ARCHITECTURE.md explains each layer; keep the two in step.
var layers = map[string]int{
	"": 0, // the domain: Site, Organization, Category, Hours, errors

	"geo": 1, "store": 1, "geocode": 1, "hours": 1, "tz": 1, "pmtiles": 1, "hsds": 1, "ogc": 1, "demo": 1,
	"internal/pgtest": 1, // the PostgreSQL helper of store tests

	"query": 2, // what a query means (filters, order, pages, validity), run over geo
	"place": 2, // records of one place across providers (matcher), over the domain and geocode/addr

	"ingest": 3, "tiles": 3, "feed": 3, "basemap": 3, "fonts": 3,
	"sms": 3, // text messages answered through query and geocode (transport-free; web adapts it)

	"upload": 4, // the upload service: over ingest and store, under web and cmd

	"web": 5,

	// Wiring and tools: only these may import a store engine.
	"cmd/aidmap": 6, "internal/geoaccuracy": 6, "internal/hsdsvalidate": 6, "scripts/benchchart": 6,
	"internal/archtest": 6,
}

// engines are the store engines: only wiring (layer 6) may import them; everything else
// speaks the store contract, so a third engine touches store/<engine> and cmd only.
var engines = map[string]bool{"store/sqlite": true, "store/postgis": true, "store/storetest": true}

// apart are edges the layers allow that are still forbidden: ingest writes through the
// domain's upload contract (aidmap.UploadOptions, aidmap.Upload), not through store, so its
// pipeline knows nothing of the store package.
var apart = map[string][]string{"ingest": {"store"}}

// family is the part of a package's path (after the module) that names its owner: the first
// element, or the first two under cmd/, internal/ and scripts/. "" is the domain.
func family(rel string) string {
	parts := strings.Split(rel, "/")
	switch parts[0] {
	case "cmd", "internal", "scripts":
		if len(parts) >= 2 {
			return parts[0] + "/" + parts[1]
		}
	}
	return parts[0]
}

// pkg is one package of the module: its path relative to the module ("" for the root) and
// its imports (not its tests'), the module's own relative, the others as they are.
type pkg struct {
	own, other []string
}

// graph runs go list over the module and returns its packages by relative path.
func graph(t *testing.T) map[string]pkg {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "list", "-e", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...")
	cmd.Dir = filepath.Join("..", "..") // the module root
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	rel := func(p string) (string, bool) {
		if p == module {
			return "", true
		}
		r, ok := strings.CutPrefix(p, module+"/")
		return r, ok
	}
	g := map[string]pkg{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		name, ok := rel(f[0])
		if !ok {
			continue
		}
		var p pkg
		for _, imp := range f[1:] {
			if r, ok := rel(imp); ok {
				p.own = append(p.own, r)
			} else {
				p.other = append(p.other, imp)
			}
		}
		g[name] = p
	}
	if len(g) < 30 {
		t.Fatalf("go list found only %d packages:\n%s", len(g), out)
	}
	return g
}

// TestImportLayers fails on an import that goes up or sideways between layers, on a store
// engine imported outside wiring, on an edge kept apart (ingest → store), on a domain that imports anything but the standard library,
// and on a package that is on no layer.
func TestImportLayers(t *testing.T) {
	for _, problem := range check(graph(t)) {
		t.Error(problem)
	}
}

// TestCheckCatches feeds check a graph with one of each forbidden edge.
func TestCheckCatches(t *testing.T) {
	g := map[string]pkg{
		"":               {other: []string{"fmt", "github.com/paulmach/orb"}},
		"geo":            {own: []string{"", "store"}},           // sideways
		"store":          {own: []string{"web"}},                 // up
		"web":            {own: []string{"store/sqlite", "geo"}}, // an engine
		"geocode/remote": {own: []string{"geocode"}},             // own family: fine
		"ingest/table":   {own: []string{"ingest", "store"}},     // apart
		"cmd/aidmap":     {own: []string{"store/postgis", "web"}},
		"newthing":       {},
	}
	got := strings.Join(check(g), "\n")
	for _, want := range []string{
		`imports "github.com/paulmach/orb"`,
		"geo (layer 1) imports store (layer 1)",
		"store (layer 1) imports web (layer 5)",
		"web imports the store engine store/sqlite",
		`package "newthing" is on no layer`,
		"ingest/table imports store: ingest keeps apart from store",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("check missed %q; it said:\n%s", want, got)
		}
	}
	if n := len(check(g)); n != 6 {
		t.Errorf("got %d problems, want 6:\n%s", n, got)
	}
}

// check returns every import of g that breaks the rules.
func check(g map[string]pkg) []string {
	var out []string
	for name, p := range g {
		fam := family(name)
		layer, ok := layers[fam]
		if !ok {
			out = append(out, fmt.Sprintf("package %q is on no layer: add %q to layers in internal/archtest and to ARCHITECTURE.md", name, fam))
			continue
		}
		if name == "" {
			for _, imp := range p.other {
				if strings.Contains(strings.Split(imp, "/")[0], ".") {
					out = append(out, fmt.Sprintf("the domain (module root) imports %q: it imports only the standard library", imp))
				}
			}
		}
		for _, imp := range p.own {
			ifam := family(imp)
			if engines[imp] && layer < 6 && ifam != fam {
				out = append(out, fmt.Sprintf("%s imports the store engine %s: only cmd and tools may; speak the store contract", show(name), imp))
				continue
			}
			if ifam == fam {
				continue
			}
			if slices.Contains(apart[fam], ifam) {
				out = append(out, fmt.Sprintf("%s imports %s: %s keeps apart from %s (apart in internal/archtest)", show(name), show(imp), fam, ifam))
				continue
			}
			il, ok := layers[ifam]
			if !ok {
				continue // reported as its own package
			}
			if il >= layer {
				out = append(out, fmt.Sprintf("%s (layer %d) imports %s (layer %d): imports go down the layers only (ARCHITECTURE.md)", show(name), layer, show(imp), il))
			}
		}
	}
	slices.Sort(out)
	return out
}

func show(rel string) string {
	if rel == "" {
		return "aidmap (the domain)"
	}
	return rel
}
