package hsds

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    Location
		typeErr string // the TypeError's Field, "" for none
	}{
		{"numbers as text", `{"id": 42, "name": "Hall", "addresses": [{"postal_code": 90210, "address_1": "1 Main"}]}`,
			Location{ID: "42", Name: "Hall", Addresses: []Address{{PostalCode: "90210", Address1: "1 Main"}}}, ""},
		{"coordinates keep their text", `{"latitude": 49.2800, "longitude": "-123.1"}`,
			Location{Latitude: 49.28, LatitudeText: "49.2800", LongitudeText: "-123.1"}, ""},
		{"a bad coordinate is kept as written", `{"latitude": "49°N", "longitude": true}`,
			Location{LatitudeText: "49°N", LongitudeText: "true"}, ""},
		{"null, objects and lists leave text alone", `{"name": "A", "name": null, "description": {"x": 1}, "location_type": ["x"]}`,
			Location{Name: "A"}, ""},
		{"keys ignore case, an exact one wins, a later one wins", `{"ID": "a", "Name": "x", "name": "y"}`,
			Location{ID: "a", Name: "y"}, ""},
		{"escapes", `{"name": "Caf\u00e9 \"Nord\""}`, Location{Name: `Café "Nord"`}, ""},
		{"a list that is not one is left out", `{"name": "A", "phones": "555", "addresses": [{"city": "X"}, 3]}`,
			Location{Name: "A", Addresses: []Address{{City: "X"}, {}}}, "phones"},
		{"nested names the path", `{"schedules": [{"id": "s"}], "accessibility": [{"description": []}], "languages": [{"code": "en"}, "fr"]}`,
			Location{Schedules: []Schedule{{ID: "s"}}, Accessibility: []Accessibility{{}}, Languages: []Language{{Code: "en"}, {}}}, "languages"},
		{"unknown keys are ignored", `{"name": "A", "extra": {"deep": [1, 2, {"a": "b"}]}, "latitude_text": "9"}`,
			Location{Name: "A"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Location
			err := Decode([]byte(tt.json), &got)
			var te *TypeError
			switch {
			case tt.typeErr == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.typeErr != "" && (!errors.As(err, &te) || te.Field != tt.typeErr):
				t.Fatalf("got error %v, want a TypeError at %s", err, tt.typeErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestDecodeObject checks that an object of unknown type is read as each type, and that
// nested objects and pages come through.
func TestDecodeObject(t *testing.T) {
	var got []Object
	err := Decode([]byte(`[
		{"id": 1, "name": "Meals", "service": {"id": "S", "organization": {"name": "Org", "phones": [{"number": 5550100, "extension": 7}]}},
		 "location": {"id": "L", "latitude": 48.4}},
		{"contents": [{"id": "P"}]},
		null
	]`), &got)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d objects, want 3", len(got))
	}
	o := got[0]
	if o.Service.ID != "1" || o.Location.ID != "1" || o.Organization.Name != "Meals" || o.ServiceAtLocation.ID != "1" {
		t.Errorf("views: got %+v", o)
	}
	sal := o.ServiceAtLocation
	if sal.Service == nil || sal.Service.ID != "S" || sal.Service.Organization == nil || sal.Location == nil || sal.Location.LatitudeText != "48.4" {
		t.Fatalf("service_at_location: got %+v", sal)
	}
	if p := sal.Service.Organization.Phones; len(p) != 1 || p[0].Number != "5550100" || p[0].Extension != "7" {
		t.Errorf("phones: got %+v", p)
	}
	if c := got[1].Contents; len(c) != 1 || c[0].Service.ID != "P" {
		t.Errorf("page: got %+v", got[1])
	}
	if got[2].Contents != nil || got[2].Service.ID != "" {
		t.Errorf("null: got %+v", got[2])
	}
	if err := Decode([]byte(`{"id": `), &got); err == nil {
		t.Error("invalid JSON: got no error")
	}
}

// TestReadOnlyFieldsNotWritten checks that the fields only a reader fills leave aidmap's
// documents as they were: empty, they are omitted.
func TestReadOnlyFieldsNotWritten(t *testing.T) {
	loc := Location{ID: "L", LocationType: "physical", Latitude: 1, Longitude: 2, LatitudeText: "1.0"}
	b, err := json.Marshal(loc)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"L","location_type":"physical","latitude":1,"longitude":2}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

// FuzzDecode: Decode never panics, and where encoding/json reads a service whose fields are
// all strings, Decode reads the same.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"id": 1}`, `{"name": "a", "phones": [{"number": "1"}]}`, `{"contents": [{"service": {"id": "x"}}]}`,
		`{"latitude": "1", "longitude": 2.5e3}`, `[null, 1, "x", {"ID": "y"}]`, `{"a\u0062": "\ud800", "name": "\u00e9"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var objs []Object
		_ = Decode(data, &objs)
		var o Object
		_ = Decode(data, &o)
		var got, want Service
		if json.Unmarshal(data, &want) != nil {
			return
		}
		if err := Decode(data, &got); err != nil {
			return
		}
		if got.ID != want.ID || got.Name != want.Name || got.Description != want.Description {
			t.Errorf("got %q %q %q, want %q %q %q", got.ID, got.Name, got.Description, want.ID, want.Name, want.Description)
		}
	})
}
