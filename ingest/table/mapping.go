package table

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/ingest"
)

// Mapping is what a data steward writes when detection is not enough (--mapping columns.json).
// Columns maps our fields to their columns; a column is named by its header text (any case),
// a spreadsheet letter ("C") or a 1-based number ("3"), so files without a header can be mapped
// too. Constants give a value to a field for every row, or for rows whose cell is empty when
// the field also has a column.
//
// The JSON form is either flat, field → column, as in {"name":"Program Name","lat":"Y_COORD"},
// or structured:
//
//	{"columns": {"name": "Program Name"}, "constants": {"country": "CA", "category": "food_bank"},
//	 "delimiter": ";", "header": false, "encoding": "windows-1252", "coordinate_order": "lon,lat"}
//
// Field names may be ours ("postal_code") or any header synonym we know ("zip", "ville").
type Mapping struct {
	Columns         map[ingest.Field]string
	Constants       map[ingest.Field]string
	Delimiter       rune
	Header          HeaderMode
	Encoding        ingest.Encoding
	CoordinateOrder ingest.CoordinateOrder
}

// MaxMappingBytes bounds a mapping file.
const MaxMappingBytes = 1 << 20

// ParseMapping reads a mapping file. Errors say which key is wrong and wrap aidmap.ErrInvalid.
func ParseMapping(r io.Reader) (*Mapping, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxMappingBytes+1))
	if err != nil {
		return nil, fmt.Errorf("ingest: read mapping: %w", err)
	}
	if len(data) > MaxMappingBytes {
		return nil, mappingError("the mapping file is larger than %s", ingest.ByteSize(MaxMappingBytes))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, mappingError("not a JSON object such as {\"name\": \"Program Name\"}: %v", err)
	}
	m := &Mapping{Columns: map[ingest.Field]string{}, Constants: map[ingest.Field]string{}}
	str := func(key string, v json.RawMessage) (string, error) {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			var n json.Number
			if err := json.Unmarshal(v, &n); err == nil {
				return n.String(), nil // "name": 3 means column 3
			}
			return "", mappingError("%q must be a string", key)
		}
		return s, nil
	}
	fields := func(into map[ingest.Field]string, obj map[string]json.RawMessage, what string) error {
		for k, v := range obj {
			f, ok := ingest.ParseField(k)
			if !ok {
				return mappingError("%s: %q is not a field; use one of %s", what, k, fieldList())
			}
			s, err := str(k, v)
			if err != nil {
				return err
			}
			if _, dup := into[f]; dup {
				return mappingError("%s: %s is given twice (%q is another name for it)", what, f, k)
			}
			into[f] = s
		}
		return nil
	}
	flat := map[string]json.RawMessage{}
	for k, v := range raw {
		switch ingest.NormaliseKey(k) {
		case "columns", "constants":
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(v, &obj); err != nil {
				return nil, mappingError("%q must be an object of field → value", k)
			}
			into := m.Columns
			if ingest.NormaliseKey(k) == "constants" {
				into = m.Constants
			}
			if err := fields(into, obj, k); err != nil {
				return nil, err
			}
		case "delimiter", "separator":
			s, err := str(k, v)
			if err != nil {
				return nil, err
			}
			if m.Delimiter, err = parseDelimiter(s); err != nil {
				return nil, err
			}
		case "header":
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				return nil, mappingError("\"header\" must be true or false")
			}
			m.Header = HeaderAbsent
			if b {
				m.Header = HeaderPresent
			}
		case "encoding":
			s, err := str(k, v)
			if err != nil {
				return nil, err
			}
			if m.Encoding, err = ingest.ParseEncoding(s); err != nil {
				return nil, fmt.Errorf("%w (%w)", err, aidmap.ErrInvalid)
			}
		case "coordinateorder":
			s, err := str(k, v)
			if err != nil {
				return nil, err
			}
			o, ok := ingest.ParseCoordinateOrder(s)
			if !ok {
				return nil, mappingError("coordinate_order %q: use \"lat,lon\" or \"lon,lat\"", s)
			}
			m.CoordinateOrder = o
		default:
			flat[k] = v
		}
	}
	if err := fields(m.Columns, flat, "columns"); err != nil {
		return nil, err
	}
	return m, nil
}

func mappingError(format string, args ...any) error {
	return &ingest.FileError{Reason: "mapping: " + fmt.Sprintf(format, args...), Err: aidmap.ErrInvalid}
}

func fieldList() string {
	var names []string
	for _, f := range ingest.Fields() {
		names = append(names, f.String())
	}
	return strings.Join(names, ", ")
}

// parseDelimiter reads a delimiter as people write it: ",", ";", "tab", "\t", "|".
func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case ",", "comma":
		return ',', nil
	case ";", "semicolon":
		return ';', nil
	case "\t", "tab", `\t`:
		return '\t', nil
	case "|", "pipe":
		return '|', nil
	}
	if s == "\t" {
		return '\t', nil
	}
	return 0, mappingError("delimiter %q: use \",\", \";\", \"tab\" or \"|\"", s)
}

// columnRef finds the column a mapping names: its header exactly, then ignoring case, accents
// and punctuation, then as a spreadsheet letter or a 1-based number ("column 3" too).
func columnRef(ref string, headers []string, width int) (int, bool) {
	for i, h := range headers {
		if h == ref {
			return i, true
		}
	}
	k := ingest.NormaliseKey(ref)
	if k != "" {
		for i, h := range headers {
			if ingest.NormaliseKey(h) == k {
				return i, true
			}
		}
	}
	s := strings.TrimSpace(ref)
	if t := strings.ToLower(s); strings.HasPrefix(t, "column ") || strings.HasPrefix(t, "col ") {
		s = strings.TrimSpace(s[strings.IndexByte(s, ' ')+1:])
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= width {
		return n - 1, true
	}
	if i, ok := letterIndex(s); ok && i < width {
		return i, true
	}
	return 0, false
}

func letterIndex(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return 0, false
		}
		n = n*26 + int(c-'a'+1)
	}
	return n - 1, true
}

// sortedFields returns the keys of m in field order, so reports and errors are stable.
func sortedFields(m map[ingest.Field]string) []ingest.Field {
	out := make([]ingest.Field, 0, len(m))
	for f := range m {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
