package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
)

// writeSynthetic writes n address points as an OpenAddresses CSV for the 1M import and
// memory benchmarks: 16×16 street names × 8 types in 100 towns, 40 houses a street, each
// street at a random spot in southern British Columbia.
func writeSynthetic(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	first := []string{"Oak", "Maple", "Cedar", "Pine", "Birch", "Elm", "Willow", "Spruce", "Ash", "Alder", "Fir", "Hazel", "Laurel", "Aspen", "Poplar", "Cherry"}
	second := []string{"ridge", "wood", "field", "brook", "dale", "crest", "view", "hill", "grove", "park", "mount", "glen", "side", "way", "lea", "gate"}
	types := []string{"Street", "Avenue", "Road", "Drive", "Boulevard", "Crescent", "Place", "Lane"}
	townA := []string{"North", "South", "East", "West", "New", "Port", "Lake", "Fort", "Glen", "Green"}
	townB := []string{"field", "brook", "ton", "ville", "wood", "haven", "bury", "ford", "mouth", "stead"}
	rng := rand.New(rand.NewPCG(1, 1))
	fmt.Fprintln(w, "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH")
	written := 0
	for i := 0; written < n; i++ {
		town := townA[i%10] + townB[(i/10)%10]
		j := i / 100
		street := first[j%16] + second[(j/16)%16] + " " + types[(j/256)%8]
		lat0, lon0 := 49+rng.Float64(), -123+rng.Float64()
		for num := 100; num < 180 && written < n; num += 2 {
			fmt.Fprintf(w, "%.7f,%.7f,%d,%s,,%s,,BC,,,\n", lon0+float64(num)*1e-5, lat0, num, street, town)
			written++
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
