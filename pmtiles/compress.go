package pmtiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// Compression says how tiles, or directories and metadata, are compressed.
type Compression uint8

// Compressions, as the spec numbers them. This package reads and writes NoCompression and
// Gzip; it only names Brotli and Zstd (browsers take them from no tile source).
const (
	UnknownCompression Compression = 0
	NoCompression      Compression = 1
	Gzip               Compression = 2
	Brotli             Compression = 3
	Zstd               Compression = 4
)

// String is the compression's name: "none", "gzip", "brotli", "zstd" or "unknown".
func (c Compression) String() string {
	switch c {
	case UnknownCompression:
		return "unknown"
	case NoCompression:
		return "none"
	case Gzip:
		return "gzip"
	case Brotli:
		return "brotli"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("compression %d", uint8(c))
}

// Limits on decompressed sizes, so a small hostile archive (a gzip bomb) cannot make a reader
// allocate without bound. Real directories are far smaller: a root fits in 16 KiB and writers
// keep leaves to a few hundred KiB even for the whole planet.
const (
	MaxDirectoryBytes = 8 << 20  // one decompressed directory
	MaxMetadataBytes  = 16 << 20 // the decompressed metadata JSON
)

// Decompress returns b decompressed as c says, at most limit bytes: more is an error.
// UnknownCompression is read as none. NoCompression returns b itself.
func Decompress(b []byte, c Compression, limit int64) ([]byte, error) {
	out, err := decompress(b, c, limit)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: %w", err)
	}
	return out, nil
}

// decompress is Decompress with errors left for the caller to prefix.
func decompress(b []byte, c Compression, limit int64) ([]byte, error) {
	switch c {
	case NoCompression, UnknownCompression:
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("%d bytes is more than the limit of %d", len(b), limit)
		}
		return b, nil
	case Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		// A gzip member ends with its uncompressed size (mod 2^32): allocate that once, as
		// far as the limit allows; a false size only costs a regrowth or some spare room.
		hint := int64(1 << 10)
		if len(b) >= 18 {
			// Deflate expands at most 1032 times: a larger claim is a lie.
			hint = min(int64(binary.LittleEndian.Uint32(b[len(b)-4:])), int64(len(b))*1032)
		}
		out, err := readAll(zr, min(hint, limit)+1, limit)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s is not supported", c)
}

// readAll reads r to its end into a buffer of initial capacity size, failing past limit
// bytes.
func readAll(r io.Reader, size, limit int64) ([]byte, error) {
	out := make([]byte, 0, size)
	for {
		if len(out) == cap(out) {
			out = append(out, 0)[:len(out)] // let append pick the growth
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if int64(len(out)) > limit {
			return nil, fmt.Errorf("more than %d bytes once decompressed", limit)
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// compress returns b compressed as c says (NoCompression returns b itself). Gzip uses the
// best compression: directories and metadata are written once and read by every client.
func compress(b []byte, c Compression) ([]byte, error) {
	switch c {
	case NoCompression:
		return b, nil
	case Gzip:
		var out bytes.Buffer
		out.Grow(len(b)/2 + 64)
		zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
		if err != nil {
			return nil, fmt.Errorf("pmtiles: gzip: %w", err)
		}
		if _, err := zw.Write(b); err != nil {
			return nil, fmt.Errorf("pmtiles: gzip: %w", err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("pmtiles: gzip: %w", err)
		}
		return out.Bytes(), nil
	}
	return nil, fmt.Errorf("pmtiles: writing %s is not supported; use gzip or none", c)
}

// SerializeMetadata encodes the archive's JSON metadata object compressed as c (which must
// be the header's internal compression).
func SerializeMetadata(meta map[string]any, c Compression) ([]byte, error) {
	if meta == nil {
		meta = map[string]any{} // the spec wants an object, not null
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: metadata: %w", err)
	}
	return compress(b, c)
}

// DeserializeMetadata decodes metadata compressed as c. It returns the JSON bytes, checked
// to hold a JSON object, so callers can keep them as they are or decode them into their own
// types.
func DeserializeMetadata(b []byte, c Compression) (json.RawMessage, error) {
	raw, err := decompress(b, c, MaxMetadataBytes)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: metadata: %w", err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		if err == nil {
			err = fmt.Errorf("null")
		}
		return nil, fmt.Errorf("pmtiles: metadata is not a JSON object: %w", err)
	}
	return raw, nil
}
