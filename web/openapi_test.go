package web

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// openAPIURL is where the tests load the document as a JSON Schema resource, so that
// response schemas are compiled from it by JSON pointer and its internal $refs resolve.
const openAPIURL = "https://aidmap.invalid/api/openapi.json"

// notAPI are the routes that are pages or files of the app, not API endpoints.
var notAPI = map[string]bool{"/": true, "/manage": true, "/static/*": true}

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

// TestOpenAPIDocument checks the document's shape: OpenAPI 3.1, every operation with an ID
// and responses, every local $ref resolving, and every component schema compiling as JSON
// Schema 2020-12 (the dialect OpenAPI 3.1 uses).
func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	ids := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			o := op.(map[string]any)
			id, _ := o["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: operationId %q missing or repeated", method, path, id)
			}
			ids[id] = true
			if len(o["responses"].(map[string]any)) == 0 {
				t.Errorf("%s %s: no responses", method, path)
			}
			// Every path parameter of the template is declared, and no other.
			var declared []string
			params, _ := o["parameters"].([]any)
			for _, p := range params {
				p := resolve(t, doc, p.(map[string]any))
				if p["in"] == "path" {
					declared = append(declared, p["name"].(string))
				}
			}
			var inPath []string
			for _, seg := range strings.Split(path, "{")[1:] {
				inPath = append(inPath, seg[:strings.Index(seg, "}")])
			}
			slices.Sort(declared)
			slices.Sort(inPath)
			if !slices.Equal(declared, inPath) {
				t.Errorf("%s %s: path parameters %v, the path has %v", method, path, declared, inPath)
			}
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && strings.HasPrefix(ref, "#") {
				pointer(t, doc, ref)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	c := openAPICompiler(t)
	for name := range doc["components"].(map[string]any)["schemas"].(map[string]any) {
		if _, err := c.Compile(openAPIURL + "#/components/schemas/" + name); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
}

// resolve follows a local $ref, if any.
func resolve(t *testing.T, doc, v map[string]any) map[string]any {
	if ref, ok := v["$ref"].(string); ok {
		return pointer(t, doc, ref).(map[string]any)
	}
	return v
}

// pointer returns what a local reference (#/a/b) points to in doc.
func pointer(t *testing.T, doc map[string]any, ref string) any {
	t.Helper()
	var cur any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		if u, err := url.PathUnescape(tok); err == nil {
			tok = u
		}
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok || m[tok] == nil {
			t.Fatalf("$ref %s does not resolve (at %q)", ref, tok)
		}
		cur = m[tok]
	}
	return cur
}

func openAPICompiler(t *testing.T) *jsonschema.Compiler {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPIDoc))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(openAPIURL, v); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOpenAPIMatchesRoutes walks the router of a server with every optional part enabled
// (the organisations' API) and checks that each API route is in the document, with its
// method, and that the document has no path or method the server does not serve.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	served := map[string]bool{}
	err := chi.Walk(e.server.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.ReplaceAll(route, "/*/", "/") // chi's mark of a mounted subrouter
		if !notAPI[route] {
			served[method+" "+route] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range loadOpenAPI(t)["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("%s is served but not in web/openapi.json", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("%s is in web/openapi.json but not served", k)
		}
	}
	if len(served) < 40 {
		t.Errorf("walked only %d routes: %v", len(served), served)
	}
}

// TestOpenAPIResponses validates real responses against the schema the document gives for
// their path, status and content type.
func TestOpenAPIResponses(t *testing.T) {
	e := newAccountsEnv(t, Uploads{}, 0)
	ix := e.server.source.Index()
	b, _ := ix.Bounds()
	var site aidmap.Site // as in newAccountsEnv's index
	for _, s := range demo.Sites(10, 7) {
		if s.Visible() && !s.Confidential {
			site = s
			break
		}
	}
	if _, ok := ix.Site(site.ID); !ok {
		t.Fatalf("site %s is not in the index", site.ID)
	}
	bbox := url.QueryEscape(strings.Join([]string{num(b.MinLon), num(b.MinLat), num(b.MaxLon), num(b.MaxLat)}, ","))
	lat, lon := num(site.Lat), num(site.Lon)
	tests := []struct {
		path, template, token string
		status                int
	}{
		{"/api/v1/info", "/api/v1/info", "", 200},
		{"/api/v1/", "/api/v1/", "", 200},
		{"/api/v1/categories", "/api/v1/categories", "", 200},
		{"/api/v1/sites?limit=3&bbox=" + bbox, "/api/v1/sites", "", 200},
		{"/api/v1/sites?format=geojson&limit=3&bbox=" + bbox, "/api/v1/sites", "", 200},
		{"/api/v1/sites?open_now=true&radius_m=100000&lat=" + lat + "&lon=" + lon, "/api/v1/sites", "", 200},
		{"/api/v1/sites?q=food&radius_m=100000&lat=" + lat + "&lon=" + lon, "/api/v1/sites", "", 200},
		{"/api/v1/sites/nearest?limit=10&lat=" + lat + "&lon=" + lon, "/api/v1/sites/nearest", "", 200},
		{"/api/v1/sites/nearest?format=geojson&open_at=2026-12-24T18:00&lat=" + lat + "&lon=" + lon, "/api/v1/sites/nearest", "", 200},
		{"/api/v1/sites/" + site.ID, "/api/v1/sites/{id}", "", 200},
		{"/api/v1/sites/" + site.ID + "?format=geojson", "/api/v1/sites/{id}", "", 200},
		{"/api/v1/sites/nope", "/api/v1/sites/{id}", "", 404},
		{"/api/v1/sites?bbox=1,2,3", "/api/v1/sites", "", 400},
		{"/api/v1/orgs/fbs/uploads", "/api/v1/orgs/{org}/uploads", "", 401},
		{"/api/v1/orgs/fbs/uploads", "/api/v1/orgs/{org}/uploads", "fbs", 200},
		{"/healthz", "/healthz", "", 200},
		{"/api/openapi.json", "/api/openapi.json", "", 200},
	}
	doc := loadOpenAPI(t)
	c := openAPICompiler(t)
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := e.do("GET", tc.path, tc.token, "", nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			base := "#/paths/" + escapePointer(tc.template) + "/get/responses"
			responses := pointer(t, doc, base).(map[string]any)
			status := strconv.Itoa(tc.status)
			if _, ok := responses[status]; !ok {
				status = "default"
			}
			base += "/" + status
			if ref, ok := responses[status].(map[string]any)["$ref"].(string); ok {
				base = ref
			}
			if _, ok := pointer(t, doc, base).(map[string]any)["content"].(map[string]any)[ct]; !ok {
				t.Fatalf("the document has no %s response of type %s", status, ct)
			}
			loc := openAPIURL + base + "/content/" + escapePointer(ct) + "/schema"
			sch, err := c.Compile(loc)
			if err != nil {
				t.Fatalf("compile %s: %v", loc, err)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("the response does not match the document:\n%v\n%s", err, clip(string(body)))
			}
		})
	}
}

func escapePointer(s string) string {
	return url.PathEscape(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}
