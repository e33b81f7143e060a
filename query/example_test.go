package query_test

import (
	"fmt"
	"time"

	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geo"
	"github.com/aidmap/aidmap/query"
)

// The five nearest free sites open on Christmas Eve at 18:00 in each site's own time zone, from
// a point in Vancouver: exact however rare such sites are, since the filters the index cannot
// prune by run inside its search.
func ExampleNearest() {
	ix := geo.NewIndex(demo.Publisher().PublicSites(demo.Sites(2000, 1)), 1)
	q := query.Query{
		Lat: 49.2827, Lon: -123.1207, K: 5,
		Free: true,
		Open: true, When: query.OpenAt{Time: time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC), Local: true},
	}
	if err := q.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	res := query.Nearest(ix, &q)
	fmt.Println(len(res.Hits), "sites, complete:", res.Complete)
	for _, h := range res.Hits {
		s := h.Site()
		fmt.Printf("%.0f m %q\n", h.DistanceM, s.Fees)
	}

	bad := query.Query{Lat: 91}
	fmt.Println(bad.Validate())
	// Output:
	// 5 sites, complete: true
	// 563 m "Free."
	// 789 m "Free; donations welcome."
	// 908 m "Free."
	// 956 m "Free; donations welcome."
	// 1121 m "Free."
	// lat: must be between -90 and 90 degrees
}
