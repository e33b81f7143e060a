package ingest

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// UTF8Guard checks that a stream is UTF-8, chunk by chunk: a sequence split between two
// chunks waits for the next one. JSON is UTF-8 by definition (RFC 8259), and a decoder that
// quietly turns other bytes into U+FFFD would store names no one wrote.
type UTF8Guard struct {
	tail [utf8.UTFMax]byte
	n    int
}

// Valid reports whether b, after what earlier chunks left pending, is UTF-8 so far; atEOF says
// b is the last chunk, so nothing may stay pending.
func (g *UTF8Guard) Valid(b []byte, atEOF bool) bool {
	data := b
	if g.n > 0 {
		data = append(g.tail[:g.n:g.n], b...)
	}
	end := len(data)
	if !atEOF {
		for i := 1; i < utf8.UTFMax && i <= len(data); i++ {
			c := data[len(data)-i]
			if c < 0x80 {
				break
			}
			if c >= 0xC0 {
				if !utf8.FullRune(data[len(data)-i:]) {
					end = len(data) - i
				}
				break
			}
		}
	}
	if !utf8.Valid(data[:end]) {
		return false
	}
	g.n = copy(g.tail[:], data[end:])
	return true
}

// JSONText returns a JSON string's text or a number's digits; "" for anything else.
func JSONText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw)
	}
	return ""
}

// JSONDepth returns how deeply objects and arrays nest in valid JSON.
func JSONDepth(raw []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			deepest = max(deepest, depth)
		case '}', ']':
			depth--
		}
	}
	return deepest
}
