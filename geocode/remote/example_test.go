package remote_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/geocode/remote"
)

// A Pelias server answers a structured address; the region and country it also returns are
// dropped, and the interpolated address says so.
func ExampleNewFromSpec() {
	body, _ := os.ReadFile("testdata/pelias_mixed.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	p, err := remote.NewFromSpec("pelias="+srv.URL, remote.Options{UserAgent: remote.UserAgent("v1.0.0")})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.Geocode(context.Background(), geocode.Request{
		Address: aidmap.Address{Street: "5171 221A Street", Unit: "203", Locality: "Langley", Region: "BC"},
		Limit:   3,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res {
		fmt.Printf("%-12s %.2f %s\n", r.Precision, r.Confidence, r.Label)
	}
	// Output:
	// address      1.00 1150 Raymur Avenue, Vancouver, BC, Canada
	// interpolated 0.80 5171 221A Street, Langley, BC, Canada
	// address      0.90 Union Gospel Mission, Vancouver, BC, Canada
}
