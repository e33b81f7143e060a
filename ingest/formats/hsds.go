package formats

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/hsds"
)

// openHSDS opens an HSDS file: a zip archive is a datapackage (read through Options.At when
// the file allows random access, else buffered within hsds.DefaultMaxBytes), anything else
// HSDS 3.0 JSON. A datapackage folder is not a stream: OpenFolder opens it.
func openHSDS(r io.Reader, opts Options) (ingest.Reader, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4)
	if string(head) != "PK\x03\x04" {
		return hsds.ReadJSON(br, hsds.Options{Today: opts.Today})
	}
	if opts.At != nil && opts.Size > 0 {
		return hsds.ReadZip(opts.At, opts.Size, hsds.Options{Today: opts.Today})
	}
	data, err := io.ReadAll(io.LimitReader(br, hsds.DefaultMaxBytes+1))
	if err != nil {
		return nil, &ingest.FileError{Reason: "read the zip archive", Err: err}
	}
	if len(data) > hsds.DefaultMaxBytes {
		return nil, &ingest.FileError{Reason: fmt.Sprintf("HSDS: the zip archive is larger than %s", ingest.ByteSize(hsds.DefaultMaxBytes)), Err: aidmap.ErrInvalid}
	}
	return hsds.ReadZip(bytes.NewReader(data), int64(len(data)), hsds.Options{Today: opts.Today})
}

// OpenFolder opens a folder, which can only be an unpacked HSDS datapackage
// (datapackage.json and its CSV tables).
func OpenFolder(dir string, opts Options) (ingest.Reader, ingest.Format, error) {
	rd, err := hsds.Open(dir, hsds.Options{Today: opts.Today})
	if err != nil {
		return nil, ingest.FormatHSDS, err
	}
	return rd, ingest.FormatHSDS, nil
}
