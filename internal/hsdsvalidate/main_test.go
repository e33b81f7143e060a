package main

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/web"
)

type source struct{ ix *geo.Index }

func (s source) Index() *geo.Index { return s.ix }
func (s source) Organization(id string) (aidmap.Organization, bool) {
	return demo.Organization(), id == demo.Organization().ID
}
func (s source) Demo() bool   { return true }
func (s source) Loaded() bool { return true }

func TestWalkLiveAPI(t *testing.T) {
	v, err := newValidator("testdata/schema")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Source: source{geo.NewIndex(demo.Publisher().PublicSites(demo.Sites(250, 3)), 1)}}).Handler()) // as a follower indexes them
	defer srv.Close()
	var out bytes.Buffer
	w := &walker{v: v, base: srv.URL, items: 5, all: true, client: srv.Client(), out: &out}
	if err := w.run(); err != nil {
		t.Fatal(err)
	}
	if len(w.failures) > 0 {
		t.Errorf("failures:\n%s", out.String())
	}
	// 3 pages and 250 NDJSON lines each for services and service_at_locations, and more.
	if w.checked < 2*(3+250+5) {
		t.Errorf("only %d documents checked:\n%s", w.checked, out.String())
	}
	if !strings.Contains(out.String(), "/hsds/services: 3 pages, 250 items, 5 by ID, 250 NDJSON lines") {
		t.Errorf("unexpected summary:\n%s", out.String())
	}
}

func TestValidatorRejects(t *testing.T) {
	v, err := newValidator("testdata/schema")
	if err != nil {
		t.Fatal(err)
	}
	const id = `"3f1b0c2e-1111-5111-8111-111111111111"`
	tests := []struct {
		name, schema, doc, want string
	}{
		{"missing name", "service", `{"id":` + id + `,"status":"active"}`, "missing property 'name'"},
		{"bad status", "service", `{"id":` + id + `,"name":"a","status":"open"}`, "/status"},
		{"not a uuid", "service", `{"id":"x","name":"a","status":"active"}`, "uuid"},
		{"relative url", "service", `{"id":` + id + `,"name":"a","status":"active","url":"x.org"}`, "uri"},
		{"nested phone", "service", `{"id":` + id + `,"name":"a","status":"active","phones":[{"id":` + id + `}]}`, "/phones/0"},
		{"page type", "page", `{"total_items":"3"}`, "/total_items"},
		{"location type", "service_at_location", `{"id":` + id + `,"location":{"id":` + id + `,"location_type":"home"}}`, "/location/location_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			err = v.validate(tc.schema, doc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := newValidator("testdata/nothing"); err == nil {
		t.Error("a missing schema folder compiled")
	}
}
