// Package pmtilescompat holds no code: its tests check aidmap's PMTiles code (packages
// pmtiles, basemap and tiles) against github.com/protomaps/go-pmtiles, the reference Go
// implementation. Each must read what the other writes, and directories must be byte for byte
// what go-pmtiles writes.
//
// It is a module of its own so that go-pmtiles, and the AWS, Google Cloud and Azure SDKs it
// depends on, stay out of the main module's go.sum and out of a plain `go test ./...`.
// scripts/test runs it: cd internal/pmtilescompat && go test ./...
package pmtilescompat
