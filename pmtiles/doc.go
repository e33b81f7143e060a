// Package pmtiles reads and writes the PMTiles version 3 archive format: the 127-byte header,
// Hilbert tile IDs, varint directories (root and leaves), gzip metadata, and byte ranges of
// remote archives over HTTP Range requests.
//
// It exists so that aidmap does not link github.com/protomaps/go-pmtiles, whose pmtiles
// package pulls in the Google Cloud, Azure and AWS SDKs (over 40 MB of binary) for a few
// format helpers. Only version 3 is supported: older versions are refused with an error.
//
// Everything that decodes bytes from an archive is bounds-checked: a corrupt or hostile
// archive gives an error, never a panic, and allocations are bounded by the input size and
// by MaxDirectoryBytes and MaxMetadataBytes (so a gzip bomb cannot exhaust memory).
//
// It imports the standard library only. internal/pmtilescompat, a module of its own (so the
// cloud SDKs stay out of this module's go.sum), checks it against go-pmtiles: each reads what
// the other writes, and directories are byte for byte the same.
package pmtiles
