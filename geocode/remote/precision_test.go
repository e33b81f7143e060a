package remote

import (
	"testing"

	"github.com/aidmap/aidmap"
)

func TestNominatimPrecision(t *testing.T) {
	tests := []struct {
		name string
		p    nominatimPlace
		want aidmap.Precision // "" means dropped
	}{
		{"house number node", nominatimPlace{OSMType: "node", Category: "place", Type: "house", PlaceRank: 30, AddressType: "place"}, aidmap.PrecisionAddress},
		{"building", nominatimPlace{OSMType: "way", Category: "building", Type: "yes", PlaceRank: 30, AddressType: "building"}, aidmap.PrecisionAddress},
		{"POI", nominatimPlace{OSMType: "node", Category: "amenity", Type: "social_facility", PlaceRank: 30, AddressType: "amenity"}, aidmap.PrecisionAddress},
		{"rank 28", nominatimPlace{OSMType: "node", Category: "place", Type: "house", PlaceRank: 28}, aidmap.PrecisionAddress},
		{"interpolation line", nominatimPlace{OSMType: "way", Category: "place", Type: "house", PlaceRank: 30, AddressType: "place"}, aidmap.PrecisionInterpolated},
		{"format=json class", nominatimPlace{OSMType: "way", Class: "place", Type: "house", PlaceRank: 30}, aidmap.PrecisionInterpolated},
		{"road", nominatimPlace{OSMType: "way", Category: "highway", Type: "residential", PlaceRank: 26, AddressType: "road"}, aidmap.PrecisionStreet},
		{"minor road", nominatimPlace{OSMType: "way", Category: "highway", Type: "service", PlaceRank: 27, AddressType: "road"}, aidmap.PrecisionStreet},
		{"postcode", nominatimPlace{Category: "place", Type: "postcode", PlaceRank: 25, AddressType: "postcode"}, aidmap.PrecisionPostalCode},
		{"postal_code boundary", nominatimPlace{OSMType: "relation", Category: "boundary", Type: "postal_code", PlaceRank: 21, AddressType: "postcode"}, aidmap.PrecisionPostalCode},
		{"neighbourhood", nominatimPlace{Category: "place", Type: "neighbourhood", PlaceRank: 22, AddressType: "neighbourhood"}, aidmap.PrecisionLocality},
		{"suburb", nominatimPlace{Category: "place", Type: "suburb", PlaceRank: 19, AddressType: "suburb"}, aidmap.PrecisionLocality},
		{"village", nominatimPlace{Category: "place", Type: "village", PlaceRank: 19, AddressType: "village"}, aidmap.PrecisionLocality},
		{"town", nominatimPlace{Category: "boundary", Type: "administrative", PlaceRank: 16, AddressType: "town"}, aidmap.PrecisionLocality},
		{"city", nominatimPlace{Category: "boundary", Type: "administrative", PlaceRank: 16, AddressType: "city"}, aidmap.PrecisionLocality},
		{"county", nominatimPlace{Category: "boundary", Type: "administrative", PlaceRank: 12, AddressType: "county"}, ""},
		{"county-sized rank without type", nominatimPlace{Category: "boundary", Type: "administrative", PlaceRank: 10}, ""},
		{"state", nominatimPlace{Category: "boundary", Type: "administrative", PlaceRank: 8, AddressType: "state"}, ""},
		{"place=state at a city's rank", nominatimPlace{Category: "place", Type: "state", PlaceRank: 16}, ""},
		{"country", nominatimPlace{Category: "boundary", Type: "administrative", PlaceRank: 4, AddressType: "country"}, ""},
		{"no rank", nominatimPlace{Category: "place", Type: "house"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := nominatimPrecision(tc.p)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("got %q (ok %v), want %q", got, ok, tc.want)
			}
		})
	}
}

func TestPeliasPrecision(t *testing.T) {
	tests := []struct {
		name string
		p    peliasProperties
		want aidmap.Precision
	}{
		{"address point", peliasProperties{Layer: "address", MatchType: "exact", Accuracy: "point"}, aidmap.PrecisionAddress},
		{"address fallback point", peliasProperties{Layer: "address", MatchType: "fallback", Accuracy: "point"}, aidmap.PrecisionAddress},
		{"interpolated", peliasProperties{Layer: "address", MatchType: "interpolated", Accuracy: "point"}, aidmap.PrecisionInterpolated},
		{"address centroid", peliasProperties{Layer: "address", MatchType: "exact", Accuracy: "centroid"}, aidmap.PrecisionInterpolated},
		{"venue point", peliasProperties{Layer: "venue", Accuracy: "point"}, aidmap.PrecisionAddress},
		{"venue polygon centroid", peliasProperties{Layer: "venue", Accuracy: "centroid"}, aidmap.PrecisionStreet},
		{"street", peliasProperties{Layer: "street", Accuracy: "centroid"}, aidmap.PrecisionStreet},
		{"postalcode", peliasProperties{Layer: "postalcode", Accuracy: "centroid"}, aidmap.PrecisionPostalCode},
		{"microhood", peliasProperties{Layer: "microhood"}, aidmap.PrecisionLocality},
		{"neighbourhood", peliasProperties{Layer: "neighbourhood"}, aidmap.PrecisionLocality},
		{"borough", peliasProperties{Layer: "borough"}, aidmap.PrecisionLocality},
		{"locality", peliasProperties{Layer: "locality"}, aidmap.PrecisionLocality},
		{"localadmin", peliasProperties{Layer: "localadmin"}, aidmap.PrecisionLocality},
		{"county", peliasProperties{Layer: "county"}, ""},
		{"macrocounty", peliasProperties{Layer: "macrocounty"}, ""},
		{"region", peliasProperties{Layer: "region"}, ""},
		{"macroregion", peliasProperties{Layer: "macroregion"}, ""},
		{"dependency", peliasProperties{Layer: "dependency"}, ""},
		{"country", peliasProperties{Layer: "country"}, ""},
		{"coarse", peliasProperties{Layer: "coarse"}, ""},
		{"no layer", peliasProperties{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := peliasPrecision(tc.p)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("got %q (ok %v), want %q", got, ok, tc.want)
			}
		})
	}
}

func TestPhotonPrecision(t *testing.T) {
	tests := []struct {
		name string
		p    photonProperties
		want aidmap.Precision
	}{
		{"house", photonProperties{Type: "house", OSMKey: "place", OSMValue: "house", HouseNumber: "1150"}, aidmap.PrecisionAddress},
		{"POI", photonProperties{Type: "house", OSMKey: "amenity", OSMValue: "food_bank"}, aidmap.PrecisionAddress},
		{"street", photonProperties{Type: "street", OSMKey: "highway", OSMValue: "residential"}, aidmap.PrecisionStreet},
		{"district", photonProperties{Type: "district", OSMKey: "place", OSMValue: "suburb"}, aidmap.PrecisionLocality},
		{"locality", photonProperties{Type: "locality", OSMKey: "place", OSMValue: "hamlet"}, aidmap.PrecisionLocality},
		{"city", photonProperties{Type: "city", OSMKey: "place", OSMValue: "town"}, aidmap.PrecisionLocality},
		{"postcode", photonProperties{Type: "other", OSMKey: "place", OSMValue: "postcode"}, aidmap.PrecisionPostalCode},
		{"postal_code boundary", photonProperties{Type: "other", OSMKey: "boundary", OSMValue: "postal_code"}, aidmap.PrecisionPostalCode},
		{"county", photonProperties{Type: "county", OSMKey: "boundary", OSMValue: "administrative"}, ""},
		{"state", photonProperties{Type: "state", OSMKey: "place", OSMValue: "state"}, ""},
		{"country", photonProperties{Type: "country", OSMKey: "place", OSMValue: "country"}, ""},
		{"other natural", photonProperties{Type: "other", OSMKey: "natural", OSMValue: "peak"}, ""},
		{"other building", photonProperties{Type: "other", OSMKey: "building", OSMValue: "yes"}, aidmap.PrecisionAddress},
		{"old server: house number", photonProperties{OSMKey: "place", OSMValue: "house", HouseNumber: "3"}, aidmap.PrecisionAddress},
		{"old server: road", photonProperties{OSMKey: "highway", OSMValue: "primary"}, aidmap.PrecisionStreet},
		{"old server: village", photonProperties{OSMKey: "place", OSMValue: "village"}, aidmap.PrecisionLocality},
		{"old server: neighbourhood", photonProperties{OSMKey: "place", OSMValue: "neighbourhood"}, aidmap.PrecisionLocality},
		{"old server: island", photonProperties{OSMKey: "place", OSMValue: "island"}, ""},
		{"old server: administrative", photonProperties{OSMKey: "boundary", OSMValue: "administrative"}, ""},
		{"nothing", photonProperties{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := photonPrecision(tc.p)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("got %q (ok %v), want %q", got, ok, tc.want)
			}
		})
	}
}

func TestPhotonLabel(t *testing.T) {
	tests := []struct {
		name string
		p    photonProperties
		want string
	}{
		{"address", photonProperties{HouseNumber: "1150", Street: "Raymur Avenue", City: "Vancouver", State: "British Columbia", Postcode: "V6A 3T2", Country: "Canada"},
			"1150 Raymur Avenue, Vancouver, British Columbia V6A 3T2, Canada"},
		{"named POI", photonProperties{Name: "Food Bank", HouseNumber: "1", Street: "Main St", City: "Banff", Country: "Canada"},
			"Food Bank, 1 Main St, Banff, Canada"},
		{"city names itself once", photonProperties{Name: "Banff", City: "Banff", State: "Alberta", Country: "Canada"}, "Banff, Alberta, Canada"},
		{"street named as street", photonProperties{Name: "Main St", Street: "Main St", City: "Banff"}, "Main St, Banff"},
		{"empty", photonProperties{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := photonLabel(tc.p); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPeliasConfidence(t *testing.T) {
	tests := []struct {
		body string
		want float64
	}{
		{`0.42`, 0.42},
		{`1.7`, 1},
		{`-0.5`, 0},
		{`null`, 0.9}, // no score: the address base
	}
	for _, tc := range tests {
		body := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-123.1,49.2]},` +
			`"properties":{"layer":"address","match_type":"exact","accuracy":"point","confidence":` + tc.body + `,"label":"x"}}]}`
		res, err := parsePelias([]byte(body))
		if err != nil || len(res) != 1 {
			t.Fatalf("confidence %s: got %v, %v", tc.body, res, err)
		}
		if res[0].Confidence != tc.want {
			t.Errorf("confidence %s: got %v, want %v", tc.body, res[0].Confidence, tc.want)
		}
	}
}

func TestPhotonNumericHouseNumber(t *testing.T) {
	body := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[13.2395,52.5146]},` +
		`"properties":{"type":"house","osm_key":"leisure","osm_value":"stadium","name":"Olympiastadion","housenumber":3,"street":"Olympischer Platz","postcode":14053,"city":"Berlin","country":"Germany"}}]}`
	res, err := parsePhoton([]byte(body))
	if err != nil || len(res) != 1 {
		t.Fatalf("got %v, %v", res, err)
	}
	if want := "Olympiastadion, 3 Olympischer Platz, Berlin, 14053, Germany"; res[0].Label != want {
		t.Errorf("label: got %q, want %q", res[0].Label, want)
	}
}
