package tiles_test

import (
	"fmt"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/tiles"
)

// Render makes one tile of the sites layer from an index; here the z12 tile of central
// Vancouver, decoded with orb: sites close together are clusters, the others single sites.
func ExampleRender() {
	sites := demo.Sites(300, 1)
	ix := geo.NewIndex(demo.Publisher().PublicSites(sites), 1) // confidential ones as their areas
	tile, err := tiles.Render(nil, ix, 12, 647, 1402, geo.Filter{})
	if err != nil {
		fmt.Println(err)
		return
	}
	layers, _ := mvt.Unmarshal(tile)
	clusters, single, total := 0, 0, 0
	for _, f := range layers[0].Features {
		if n, ok := f.Properties["point_count"].(float64); ok {
			clusters++
			total += int(n)
		} else {
			single++
			total++
		}
	}
	fmt.Printf("layer %s: %d clusters and %d single sites, %d sites in all\n", layers[0].Name, clusters, single, total)
	// Output: layer sites: 4 clusters and 23 single sites, 32 sites in all
}
