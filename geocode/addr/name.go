package addr

import "strings"

// StreetName returns the name of a Street key without its directional and its type, the
// part people say when they name a corner: "e hastings st" → "hastings", "main st" →
// "main", "st laurent blvd" → "st laurent". A numbered street keeps its type, which tells
// it apart ("w 4 ave" → "4 ave", not "4"), and so does a key that is only a type ("way").
func StreetName(key string) string {
	name, _ := Undirected(key)
	ws := strings.Fields(name)
	if n := len(ws); n > 1 {
		if canon, ok := suffixTypes[ws[n-1]]; ok && canon == ws[n-1] && !startsDigit(ws[n-2]) {
			ws = ws[:n-1]
		}
	}
	return strings.Join(ws, " ")
}
