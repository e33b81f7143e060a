package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/aidmap/aidmap"
)

// init adds the HSDS readers to the pipeline: a zip archive is a datapackage (read through
// ReadOptions.At when the file allows random access, else buffered within
// DefaultMaxHSDSBytes), anything else HSDS 3.0 JSON. A datapackage folder is not a stream:
// open it with OpenHSDS.
func init() {
	readers[FormatHSDS] = func(r io.Reader, opts ReadOptions) (Reader, error) {
		br := bufio.NewReader(r)
		head, _ := br.Peek(4)
		if string(head) != "PK\x03\x04" {
			return ReadHSDSJSON(br, HSDSOptions{Today: opts.Today})
		}
		if opts.At != nil && opts.Size > 0 {
			return ReadHSDSZip(opts.At, opts.Size, HSDSOptions{Today: opts.Today})
		}
		data, err := io.ReadAll(io.LimitReader(br, DefaultMaxHSDSBytes+1))
		if err != nil {
			return nil, &FileError{Reason: "read the zip archive", Err: err}
		}
		if len(data) > DefaultMaxHSDSBytes {
			return nil, &FileError{Reason: fmt.Sprintf("HSDS: the zip archive is larger than %s", byteSize(DefaultMaxHSDSBytes)), Err: aidmap.ErrInvalid}
		}
		return ReadHSDSZip(bytes.NewReader(data), int64(len(data)), HSDSOptions{Today: opts.Today})
	}
}
