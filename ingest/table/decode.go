package table

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aidmap/aidmap/ingest"
)

func detectEncoding(head []byte) (ingest.Encoding, int) {
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return ingest.EncodingUTF8BOM, 3
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return ingest.EncodingUTF16LE, 2
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return ingest.EncodingUTF16BE, 2
	}
	n := len(head) &^ 1
	if n < 4 {
		return ingest.EncodingUTF8, 0
	}
	var even, odd int // NUL bytes at even and odd offsets
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	switch {
	case odd*10 >= pairs*3 && even*10 < pairs:
		return ingest.EncodingUTF16LE, 0
	case even*10 >= pairs*3 && odd*10 < pairs:
		return ingest.EncodingUTF16BE, 0
	}
	return ingest.EncodingUTF8, 0
}

// textReader decodes a file to UTF-8 and turns every line ending (CRLF, or a lone CR) into LF,
// streaming. Because each line ending becomes exactly one LF, line numbers after decoding are
// line numbers in the file, and a line break inside a quoted cell stays a line break.
type textReader struct {
	src *bufio.Reader
	enc ingest.Encoding
	// declared is true when the encoding was given or marked by a BOM: then bytes that are not
	// UTF-8 are a mistake in places, not a sign that the whole file is Windows-1252.
	declared bool

	raw    []byte // bytes read from src, not yet decoded (a split sequence waits here)
	dec    []byte // decoded UTF-8, line endings not yet normalised
	out    []byte // ready for Read
	outBuf []byte
	err    error

	pendingCR bool // the last byte decoded was a CR; a following LF belongs to it
	lines     int  // line breaks emitted so far (so notes can name a line)
	sawMulti  bool // a valid multi-byte UTF-8 sequence was seen

	crlf, cr, lf int
	notes        []string
	fallback     bool // invalid UTF-8 bytes were read as Windows-1252 in a UTF-8 file
	cut          bool // a UTF-16 file ends in the middle of a character
}

// errCutUTF16 ends the text of a UTF-16 file whose last character is incomplete (an odd byte,
// half a surrogate pair): the file was cut off, so its last row cannot be trusted.
var errCutUTF16 = errors.New("the file ends in the middle of a UTF-16 character; is it complete?")

const decodeChunk = 64 << 10

func newTextReader(src *bufio.Reader, enc ingest.Encoding, declared bool) *textReader {
	return &textReader{src: src, enc: enc, declared: declared, raw: make([]byte, 0, decodeChunk+8)}
}

func (t *textReader) Read(p []byte) (int, error) {
	for len(t.out) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		t.fill()
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	return n, nil
}

// fill reads one chunk from src and decodes it into t.out.
func (t *textReader) fill() {
	start := len(t.raw)
	t.raw = t.raw[:cap(t.raw)]
	n, err := io.ReadAtLeast(t.src, t.raw[start:start+decodeChunk], 1)
	t.raw = t.raw[:start+n]
	atEOF := false
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			atEOF = true
		} else {
			t.err = err
		}
	}
	var used int
	switch t.enc {
	case ingest.EncodingUTF16LE, ingest.EncodingUTF16BE:
		used = t.decodeUTF16(atEOF)
	case ingest.EncodingWindows1252:
		t.dec = appendWindows1252(t.dec[:0], t.raw)
		used = len(t.raw)
	default:
		used = t.decodeUTF8(atEOF)
	}
	rest := copy(t.raw, t.raw[used:])
	t.raw = t.raw[:rest]
	t.normalise(atEOF)
	if atEOF && t.err == nil {
		t.err = io.EOF
		if t.cut {
			t.err = errCutUTF16
		}
	}
}

// decodeUTF8 moves valid UTF-8 from raw to dec and returns how many bytes of raw it used; an
// incomplete sequence at the end waits for the next chunk. The first invalid byte in a file that
// had no multi-byte UTF-8 before it switches the whole file to Windows-1252; later ones, or any
// in a file marked as UTF-8, are read as Windows-1252 one by one and noted.
func (t *textReader) decodeUTF8(atEOF bool) int {
	b := t.raw
	end := len(b)
	if !atEOF {
		// Hold back a sequence cut by the chunk boundary.
		for i := 1; i <= 3 && i <= len(b); i++ {
			c := b[len(b)-i]
			if c < 0x80 {
				break
			}
			if c >= 0xC0 {
				if !utf8.FullRune(b[len(b)-i:]) {
					end = len(b) - i
				}
				break
			}
		}
	}
	b = b[:end]
	if utf8.Valid(b) {
		if !t.sawMulti && !isASCII(b) {
			t.sawMulti = true
		}
		t.dec = append(t.dec[:0], b...)
		return end
	}
	t.dec = t.dec[:0]
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			t.dec = append(t.dec, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			t.sawMulti = true
			t.dec = append(t.dec, b[i:i+size]...)
			i += size
			continue
		}
		line := t.lines + bytes.Count(t.dec, []byte{'\n'}) + bytes.Count(t.dec, []byte{'\r'}) - bytes.Count(t.dec, []byte("\r\n")) + 1
		if !t.sawMulti && !t.declared {
			// A file with no UTF-8 before its first non-UTF-8 byte is Windows-1252 through and
			// through: decode the rest that way (even bytes that happen to look like UTF-8).
			t.enc = ingest.EncodingWindows1252
			t.notes = append(t.notes, fmt.Sprintf("the file is not UTF-8 (first at line %d); it was read as Windows-1252 (Latin-1). If accents look wrong, save it as \"CSV UTF-8\"", line))
			t.dec = appendWindows1252(t.dec, t.raw[i:])
			return len(t.raw)
		}
		if !t.fallback {
			t.fallback = true
			t.notes = append(t.notes, fmt.Sprintf("line %d (and maybe others) has bytes that are not UTF-8; they were read as Windows-1252", line))
		}
		t.dec = appendWindows1252(t.dec, b[i:i+1])
		i++
	}
	return end
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// windows1252 maps bytes 0x80–0x9F; the other bytes are their own code points (Latin-1). The
// five bytes Windows-1252 leaves undefined keep their Latin-1 meaning, as WHATWG decoders do.
var windows1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

func appendWindows1252(dst, src []byte) []byte {
	for _, c := range src {
		switch {
		case c < 0x80:
			dst = append(dst, c)
		case c < 0xA0:
			dst = utf8.AppendRune(dst, windows1252[c-0x80])
		default:
			dst = utf8.AppendRune(dst, rune(c))
		}
	}
	return dst
}

// decodeUTF16 decodes whole code units (and whole surrogate pairs) from raw into dec. An odd
// byte or an unpaired surrogate at the end of the file becomes U+FFFD.
func (t *textReader) decodeUTF16(atEOF bool) int {
	b := t.raw
	t.dec = t.dec[:0]
	i := 0
	unit := func(j int) uint16 {
		if t.enc == ingest.EncodingUTF16LE {
			return uint16(b[j]) | uint16(b[j+1])<<8
		}
		return uint16(b[j])<<8 | uint16(b[j+1])
	}
	for i+1 < len(b) {
		u := unit(i)
		switch {
		case u < 0x80:
			t.dec = append(t.dec, byte(u))
			i += 2
		case utf16.IsSurrogate(rune(u)):
			if i+3 >= len(b) {
				if !atEOF {
					return i // wait for the other half
				}
				t.cut = true
				t.dec = utf8.AppendRune(t.dec, utf8.RuneError)
				i += 2
				continue
			}
			r := utf16.DecodeRune(rune(u), rune(unit(i+2)))
			if r == utf8.RuneError {
				t.dec = utf8.AppendRune(t.dec, r)
				i += 2 // resynchronise on the next unit
				continue
			}
			t.dec = utf8.AppendRune(t.dec, r)
			i += 4
		default:
			t.dec = utf8.AppendRune(t.dec, rune(u))
			i += 2
		}
	}
	if atEOF && i < len(b) {
		t.cut = true
		i = len(b)
	}
	return i
}

// normalise turns CRLF and lone CR in dec into LF, counting each kind, and sets out.
func (t *textReader) normalise(atEOF bool) {
	d := t.dec
	if !t.pendingCR && bytes.IndexByte(d, '\r') < 0 {
		n := bytes.Count(d, []byte{'\n'})
		t.lf += n
		t.lines += n
		t.out = d
		return
	}
	out := t.outBuf[:0]
	for i := 0; i < len(d); i++ {
		c := d[i]
		if t.pendingCR {
			t.pendingCR = false
			if c == '\n' {
				t.crlf++
				continue // the LF was already emitted for the CR
			}
			t.cr++
		}
		switch c {
		case '\r':
			t.pendingCR = true
			out = append(out, '\n')
			t.lines++
		case '\n':
			t.lf++
			t.lines++
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	if atEOF && t.pendingCR {
		t.pendingCR = false
		t.cr++
	}
	t.outBuf = out
	t.out = out
}

// lineEnding reports the line endings seen so far.
func (t *textReader) lineEnding() ingest.LineEnding {
	kinds := 0
	var le ingest.LineEnding
	for _, k := range []struct {
		n  int
		le ingest.LineEnding
	}{{t.lf, ingest.LineEndingLF}, {t.crlf, ingest.LineEndingCRLF}, {t.cr, ingest.LineEndingCR}} {
		if k.n > 0 {
			kinds++
			le = k.le
		}
	}
	if kinds > 1 {
		return ingest.LineEndingMixed
	}
	return le
}
