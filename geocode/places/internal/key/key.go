// Package key is how the places gazetteer compares names and regions, in one place because
// two programs depend on it agreeing: the places package indexes by it, and the generator
// writes the data file in its order so that loading finds the index already sorted.
// Changing it is safe (places re-sorts what is out of order) but slows loading until the
// data is regenerated; places' TestDataInIndexOrder says when.
package key

import "github.com/aidmap/aidmap/geocode/addr"

// Name is the key of a place name. It should be addr.Locality (which also writes "St." and
// "Ste" as "saint" and drops "City of"), applied alike to the data and the query; it is
// addr.Fold until addr.Locality is committed.
func Name(s string) string { return addr.Fold(s) }

// Region is the key of a region: it should be addr.Region, which also takes "Quebec" for
// "QC"; until that is committed, the folded code, so "bc" matches "BC".
func Region(s string) string { return addr.Fold(s) }
