// Command hsdsvalidate checks a live HSDS 3.0 API against the official JSON Schemas: it walks
// GET BASE/hsds/, each list endpoint (the Page wrapper and every item), a sample of single
// objects by ID and the NDJSON dumps, and validates each response against the schema files in
// a folder (a checkout of openreferral/specification's schema directory). scripts/validate-hsds
// runs it:
//
//	scripts/validate-hsds SCHEMA_DIR BASE_URL [-items N] [-all]
//
// It exits 1 when any response fails, listing where and why. It is a tool for people, not
// part of the binary, so it may use a JSON Schema library the server does not need.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// specBase is where the schemas say they live; their absolute $refs point under it.
const specBase = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

func main() {
	fs := flag.NewFlagSet("hsdsvalidate", flag.ExitOnError)
	items := fs.Int("items", 20, "single objects fetched by ID per list endpoint")
	all := fs.Bool("all", false, "walk every page of every list, not only the first")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: hsdsvalidate [-items N] [-all] SCHEMA_DIR BASE_URL")
		fs.PrintDefaults()
	}
	// Flags may come after the two arguments too.
	var pos []string
	args := os.Args[1:]
	for len(args) > 0 {
		_ = fs.Parse(args)
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 2 {
		fs.Usage()
		os.Exit(2)
	}
	v, err := newValidator(pos[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	w := &walker{v: v, base: strings.TrimSuffix(pos[1], "/"), items: *items, all: *all,
		client: &http.Client{Timeout: 60 * time.Second}, out: os.Stdout}
	if err := w.run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stdout, "%d documents checked, %d failed\n", w.checked, len(w.failures))
	if len(w.failures) > 0 {
		os.Exit(1)
	}
}

// validator holds the compiled schemas by name: "service", "page", ….
type validator struct {
	schemas map[string]*jsonschema.Schema
}

// dirLoader serves the spec's URLs from a local folder, so validation needs no network.
type dirLoader string

func (d dirLoader) Load(url string) (any, error) {
	rel, ok := strings.CutPrefix(url, specBase)
	if !ok {
		return nil, fmt.Errorf("hsdsvalidate: %s is outside the schema folder", url)
	}
	f, err := os.Open(filepath.Join(string(d), filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("hsdsvalidate: %w", err)
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// objectSchemas names the schema file of each object the API serves.
var objectSchemas = map[string]string{
	"service":             "service.json",
	"service_at_location": "service_at_location.json",
	"organization":        "organization.json",
	"taxonomy":            "taxonomy.json",
	"taxonomy_term":       "taxonomy_term.json",
}

func newValidator(dir string) (*validator, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(dirLoader(dir))
	c.AssertFormat() // uuid, uri, email and date-time are part of the contract
	v := &validator{schemas: map[string]*jsonschema.Schema{}}
	for name, file := range objectSchemas {
		s, err := c.Compile(specBase + file)
		if err != nil {
			return nil, fmt.Errorf("hsdsvalidate: compile %s: %w", file, err)
		}
		v.schemas[name] = s
	}
	s, err := c.Compile(specBase + "openapi.json#/components/schemas/Page")
	if err != nil {
		return nil, fmt.Errorf("hsdsvalidate: compile the Page schema of openapi.json: %w", err)
	}
	v.schemas["page"] = s
	return v, nil
}

// validate checks one decoded document against the named schema.
func (v *validator) validate(name string, doc any) error {
	return v.schemas[name].Validate(doc)
}

// walker visits the API and records every failure.
type walker struct {
	v        *validator
	base     string
	items    int
	all      bool
	client   *http.Client
	out      io.Writer
	checked  int
	failures []string
}

func (w *walker) fail(where string, err error) {
	msg := fmt.Sprintf("FAIL %s: %v", where, err)
	w.failures = append(w.failures, msg)
	fmt.Fprintln(w.out, msg)
}

func (w *walker) get(path string) ([]byte, error) {
	resp, err := w.client.Get(w.base + path)
	// A server's per-IP rate limit (aidmap's --rate-limit) answers 429 with Retry-After: wait
	// and ask again, a few times, rather than report the whole walk as failed.
	for tries := 0; err == nil && resp.StatusCode == http.StatusTooManyRequests && tries < 5; tries++ {
		wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		resp.Body.Close()
		time.Sleep(time.Duration(min(max(wait, 1), 60)) * time.Second)
		resp, err = w.client.Get(w.base + path)
	}
	if err != nil {
		return nil, fmt.Errorf("hsdsvalidate: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("hsdsvalidate: read %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("hsdsvalidate: GET %s: %s: %.200s", path, resp.Status, body)
	}
	return body, nil
}

// check decodes body and validates it; it returns the document for further walking.
func (w *walker) check(where, schema string, body []byte) any {
	w.checked++
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		w.fail(where, err)
		return nil
	}
	if err := w.v.validate(schema, doc); err != nil {
		w.fail(where, err)
	}
	return doc
}

var lists = []struct{ path, kind string }{
	{"/hsds/services", "service"},
	{"/hsds/service_at_locations", "service_at_location"},
	{"/hsds/organizations", "organization"},
	{"/hsds/taxonomies", "taxonomy"},
	{"/hsds/taxonomy_terms", "taxonomy_term"},
}

func (w *walker) run() error {
	body, err := w.get("/hsds/")
	if err != nil {
		return err
	}
	var info struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.Version != "3.0" {
		w.fail("/hsds/", fmt.Errorf("version %q, want 3.0 (%v)", info.Version, err))
	}
	for _, l := range lists {
		var ids []string
		pages, items := 0, 0
		for page := 1; ; page++ {
			path := fmt.Sprintf("%s?page=%d&per_page=100", l.path, page)
			body, err := w.get(path)
			if err != nil {
				w.fail(path, err)
				break
			}
			doc, _ := w.check(path, "page", body).(map[string]any)
			contents, _ := doc["contents"].([]any)
			for i, item := range contents {
				w.checked++
				if err := w.v.validate(l.kind, item); err != nil {
					w.fail(fmt.Sprintf("%s contents[%d]", path, i), err)
				}
				if obj, ok := item.(map[string]any); ok && len(ids) < w.items {
					if id, ok := obj["id"].(string); ok {
						ids = append(ids, id)
					}
				}
			}
			pages++
			items += len(contents)
			if last, _ := doc["last_page"].(bool); last || !w.all || len(contents) == 0 {
				break
			}
		}
		for _, id := range ids {
			path := l.path + "/" + id
			if body, err := w.get(path); err != nil {
				w.fail(path, err)
			} else {
				w.check(path, l.kind, body)
			}
		}
		nd := w.checkNDJSON(l.path+"?format=ndjson", l.kind)
		fmt.Fprintf(w.out, "%s: %d pages, %d items, %d by ID, %d NDJSON lines\n", l.path, pages, items, len(ids), nd)
	}
	return nil
}

// checkNDJSON validates every line of an NDJSON dump; it returns the number of lines.
func (w *walker) checkNDJSON(path, kind string) int {
	resp, err := w.client.Get(w.base + path)
	if err != nil {
		w.fail(path, err)
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		w.check(fmt.Sprintf("%s line %d", path, n), kind, sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		w.fail(path, err)
	}
	return n
}
