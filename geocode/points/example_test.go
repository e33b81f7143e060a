package points_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aidmap/aidmap/geocode/points"
)

// A city's address file with its own column names: longitude and latitude are found by
// name, and the whole-address column is cut into number, street, city and region.
func ExampleOpen() {
	data := `id,address,longitude,latitude
1,"1 ALEXANDER ST, VANCOUVER, BC",-123.1039785,49.28368576
2,"ATHLETES WAY, VANCOUVER, BC",-123.1057142,49.27178777
`
	r, err := points.Open(context.Background(), "addresses.csv", strings.NewReader(data), points.Options{Country: "CA"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		pts, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, p := range pts {
			fmt.Printf("%s | %s | %s %s %s | %.5f,%.5f\n", p.Number, p.Street, p.Locality, p.Region, p.Country, p.Lat, p.Lon)
		}
	}
	s := r.Summary()
	fmt.Printf("read %d, accepted %d, rejected %d\n", s.Read, s.Accepted, s.Rejected)
	for _, e := range s.Examples {
		fmt.Println(e)
	}
	// Output:
	// 1 | ALEXANDER ST | VANCOUVER BC CA | 49.28369,-123.10398
	// read 2, accepted 1, rejected 1
	// line 3: address: missing house number
}
