package pmtiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds one range request of an HTTPReader without a Timeout: long enough
// for a large leaf directory on a slow link, short enough that a dead server is noticed.
const DefaultTimeout = 60 * time.Second

// HTTPReader reads byte ranges of an archive published over http(s), one GET with a
// "Range: bytes=a-b" header per read, as object stores and most web servers answer.
type HTTPReader struct {
	URL     string
	Client  *http.Client  // nil: http.DefaultClient
	Timeout time.Duration // per request, body included; 0: DefaultTimeout
}

// ReadRange returns the n bytes at offset off. It reads at most n bytes of any response, and
// refuses a server that ignores the Range header (answering 200 with the whole file) unless
// off is 0, where the start of the whole file is the range asked for.
func (r *HTTPReader) ReadRange(ctx context.Context, off, n int64) ([]byte, error) {
	if off < 0 || n <= 0 || off > (1<<63-1)-n {
		return nil, fmt.Errorf("pmtiles: %s: range %d+%d is not valid", r.URL, off, n)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: %w", err)
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+n-1))
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if start, ok := contentRangeStart(resp.Header.Get("Content-Range")); ok && start != off {
			return nil, fmt.Errorf("pmtiles: %s: asked for bytes from %d, the server sent bytes from %d", r.URL, off, start)
		}
	case http.StatusOK:
		if off != 0 {
			return nil, errors.New("pmtiles: the server ignored the Range header; serve the archive from a host that supports range requests")
		}
	default:
		return nil, fmt.Errorf("pmtiles: %s: HTTP error: %d %s", r.URL, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	// Grow with what arrives rather than trusting n up front: memory follows the bytes the
	// server really sends.
	var buf bytes.Buffer
	buf.Grow(int(min(n, 1<<20)))
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, n)); err != nil {
		return nil, fmt.Errorf("pmtiles: %s: %w", r.URL, err)
	}
	if int64(buf.Len()) != n {
		return nil, fmt.Errorf("pmtiles: %s: short read: %d of %d bytes", r.URL, buf.Len(), n)
	}
	return buf.Bytes(), nil
}

// contentRangeStart parses the first byte position of a "bytes a-b/size" Content-Range.
func contentRangeStart(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	start, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	return start, err == nil
}
