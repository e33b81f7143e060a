package tiles

import (
	"encoding/json"
	"math"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geo"
)

// TileJSON returns the TileJSON 3.0.0 document of the sites layer of ix, whose tiles are at
// tilesURL (a template with {z}, {x} and {y}). Bounds are the index's, clamped to Web
// Mercator, and the whole world across the antimeridian or when the index is empty.
func TileJSON(ix *geo.Index, tilesURL string) ([]byte, error) {
	bounds := publishedBounds(ix)
	fields := map[string]string{
		"id":           "String: the site ID (UUID); clusters have none",
		"name":         "String: the site's name",
		"categories":   "String: category slugs, comma-separated (for a cluster, those of any of its sites)",
		"status":       "String: active, temporarily_closed or closed",
		"precision":    "String: precision of the published point (locality when confidential)",
		"approximate":  "Boolean: the point is not the site's own door",
		"confidential": "Boolean: the point is an area, never the true location",
		"cluster":      "Boolean: true for a cluster of sites (below zoom 14)",
		"point_count":  "Number: sites in the cluster",
	}
	for _, c := range aidmap.Categories() {
		fields["count_"+string(c.Slug)] = "Number: sites of the cluster with category " + string(c.Slug)
	}
	doc := map[string]any{
		"tilejson":    "3.0.0",
		"name":        "aidmap sites",
		"description": "Places offering food, shelter and other help. Below zoom 14 nearby sites are clustered.",
		"scheme":      "xyz",
		"tiles":       []string{tilesURL},
		"minzoom":     0,
		"maxzoom":     IndividualZoom,
		"bounds":      bounds,
		"center":      []float64{(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 2},
		"vector_layers": []map[string]any{{
			"id":          LayerName,
			"description": "One point per site or cluster of sites",
			"minzoom":     0,
			"maxzoom":     IndividualZoom,
			"fields":      fields,
		}},
	}
	return json.Marshal(doc)
}

func clampLat(lat float64) float64 { return math.Max(-maxMercatorLat, math.Min(maxMercatorLat, lat)) }

// publishedBounds returns the index's bounds as west, south, east, north, clamped to Web
// Mercator; the whole world when the index is empty or its box crosses the antimeridian,
// which TileJSON bounds cannot express.
func publishedBounds(ix *geo.Index) [4]float64 {
	b := [4]float64{-180, -maxMercatorLat, 180, maxMercatorLat}
	if ib, ok := ix.Bounds(); ok {
		b[1], b[3] = clampLat(ib.MinLat), clampLat(ib.MaxLat)
		if ib.MinLon <= ib.MaxLon {
			b[0], b[2] = ib.MinLon, ib.MaxLon
		}
	}
	return b
}
