package hsds

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Reading HSDS. The objects above are what aidmap writes and also what its HSDS reader
// (ingest/hsds) reads, so there is one model of HSDS 3.0 in the code. Files in the wild are
// looser than the schema: IDs, postal codes, phone extensions and schedule intervals come as
// numbers or strings, and a coordinate may be written as text. Decode reads them as they
// come, and keeps a coordinate's text (Location.LatitudeText) so that a reader checks it by
// its own rules and names a bad one as the file wrote it.

// Object is one object of a file that does not say its type (a file of mixed objects, an
// API page): the same object read as each type it may be. A reader tells from the fields
// which it is (a service_at_location has a service or a location, an organization services
// or locations...). Contents are a page's objects.
type Object struct {
	Service           Service           `hsds:"object"`
	ServiceAtLocation ServiceAtLocation `hsds:"object"`
	Location          Location          `hsds:"object"`
	Organization      Organization      `hsds:"object"`
	Contents          []Object          `json:"contents"`
}

// A TypeError says that a value is not of the type HSDS gives it (an object where text is
// expected, text where a list is). Decode leaves such values out and goes on.
type TypeError struct {
	Field string // the JSON names from the top, joined with dots: "services.phones"
	Got   string // "a string", "a number", "an object", "a list", "true or false"
	Want  string
}

func (e *TypeError) Error() string {
	return "hsds: " + e.Field + " is " + e.Got + ", not " + e.Want
}

// Decode reads JSON data into v, a pointer to an HSDS object, a slice of them or an Object,
// as encoding/json would (keys matched to the json names, exactly or else ignoring case;
// unknown keys ignored; a later key wins), with this tolerance: a text field takes a string,
// a number (its digits as written) or true/false, and ignores null, objects and lists; a
// float64 field X with a string field XText tagged `json:"-"` beside it keeps the value's
// text there as well; a struct field tagged `hsds:"object"` reads the whole object as its
// type (Object). A value of another type than its field's is left out; Decode then
// returns the first as a *TypeError, with everything else read. Invalid JSON is an error and
// leaves v alone.
func Decode(data []byte, v any) error {
	if !json.Valid(data) {
		return errors.New("hsds: invalid JSON")
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("hsds: Decode needs a non-nil pointer")
	}
	var d decoder
	data = skipSpace(data)
	d.value(data[:valueEnd(data)], rv.Elem(), "")
	if d.err != nil {
		return d.err
	}
	return nil
}

type decoder struct {
	err *TypeError // the first
}

func (d *decoder) typeError(path string, raw []byte, want string) {
	if d.err != nil {
		return
	}
	got := "a number"
	switch raw[0] {
	case '"':
		got = "a string"
	case '{':
		got = "an object"
	case '[':
		got = "a list"
	case 't', 'f':
		got = "true or false"
	}
	d.err = &TypeError{Field: path, Got: got, Want: want}
}

// value decodes raw, one valid JSON value without leading space, into v.
func (d *decoder) value(raw []byte, v reflect.Value, path string) {
	null := raw[0] == 'n'
	switch v.Kind() {
	case reflect.String:
		if t, ok := text(raw); ok {
			v.SetString(t)
		}
	case reflect.Float32, reflect.Float64:
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			v.SetFloat(f)
		} else if !null {
			d.typeError(path, raw, "a number")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil && !v.OverflowInt(n) {
			v.SetInt(n)
		} else if !null {
			d.typeError(path, raw, "a whole number")
		}
	case reflect.Bool:
		switch raw[0] {
		case 't', 'f':
			v.SetBool(raw[0] == 't')
		case 'n':
		default:
			d.typeError(path, raw, "true or false")
		}
	case reflect.Pointer:
		if null {
			v.SetZero()
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(raw, v.Elem(), path)
	case reflect.Slice:
		switch raw[0] {
		case 'n':
			v.SetZero()
		case '[':
			var elems [][]byte
			eachElement(raw, func(e []byte) { elems = append(elems, e) })
			s := reflect.MakeSlice(v.Type(), len(elems), len(elems))
			for i, e := range elems {
				d.value(e, s.Index(i), path)
			}
			v.Set(s)
		default:
			d.typeError(path, raw, "a list")
		}
	case reflect.Struct:
		switch raw[0] {
		case 'n':
		case '{':
			d.object(raw, v, path)
		default:
			d.typeError(path, raw, "an object")
		}
	}
}

// object decodes the members of a JSON object into the struct v.
func (d *decoder) object(raw []byte, v reflect.Value, path string) {
	fs := fieldsOf(v.Type())
	for _, view := range fs.views {
		d.object(raw, v.Field(view), path)
	}
	eachMember(raw, func(key string, val []byte) {
		f := fs.find(key)
		if f == nil {
			return
		}
		p := f.name
		if path != "" {
			p = path + "." + f.name
		}
		if f.text < 0 {
			d.value(val, v.Field(f.index), p)
			return
		}
		// A coordinate: its text is what counts, whatever it is; the value only if a number.
		t, ok := text(val)
		if !ok {
			return
		}
		v.Field(f.text).SetString(t)
		n, err := strconv.ParseFloat(string(val), 64)
		if err != nil {
			n = 0
		}
		v.Field(f.index).SetFloat(n)
	})
}

// text returns a JSON scalar as text: a string's value, a number's digits as written,
// "true" or "false". ok is false for null, objects and lists.
func text(raw []byte) (string, bool) {
	switch raw[0] {
	case '"':
		body := raw[1 : len(raw)-1]
		if !strings.ContainsRune(string(body), '\\') && utf8.Valid(body) {
			return string(body), true
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s, true
		}
		return "", false
	case 'n', '{', '[':
		return "", false
	}
	return string(raw), true
}

// field is a struct field Decode fills: its JSON name, its index and, for a float, the
// index of the string field that keeps its text (-1 if none).
type field struct {
	name  string
	index int
	text  int
}

type structFields struct {
	views  []int // fields tagged hsds:"object": each is the whole object read as its type
	fields []field
}

// find returns the field named key, exactly or else ignoring case.
func (fs *structFields) find(key string) *field {
	for i := range fs.fields {
		if fs.fields[i].name == key {
			return &fs.fields[i]
		}
	}
	for i := range fs.fields {
		if strings.EqualFold(fs.fields[i].name, key) {
			return &fs.fields[i]
		}
	}
	return nil
}

var fieldCache sync.Map // reflect.Type → *structFields

func fieldsOf(t reflect.Type) *structFields {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*structFields)
	}
	fs := &structFields{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Tag.Get("hsds") == "object" && sf.Type.Kind() == reflect.Struct {
			fs.views = append(fs.views, i)
			continue
		}
		tag := sf.Tag.Get("json")
		if !sf.IsExported() || tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		fs.fields = append(fs.fields, field{name: name, index: i, text: -1})
	}
	for i, f := range fs.fields {
		sf := t.Field(f.index)
		if sf.Type.Kind() != reflect.Float64 {
			continue
		}
		if tf, ok := t.FieldByName(sf.Name + "Text"); ok && tf.Type.Kind() == reflect.String && tf.Tag.Get("json") == "-" && len(tf.Index) == 1 {
			fs.fields[i].text = tf.Index[0]
		}
	}
	got, _ := fieldCache.LoadOrStore(t, fs)
	return got.(*structFields)
}

// The scanner below walks JSON that json.Valid accepted, so it only has to find where each
// value ends.

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}

// valueEnd returns the length of the value at the start of b.
func valueEnd(b []byte) int {
	switch b[0] {
	case '"':
		return stringEnd(b)
	case '{', '[':
		depth := 0
		for i := 0; i < len(b); i++ {
			switch b[i] {
			case '"':
				i += stringEnd(b[i:]) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	i := 0
	for i < len(b) && !strings.ContainsRune(" \t\r\n,]}", rune(b[i])) {
		i++
	}
	return i
}

// stringEnd returns the length of the string at the start of b, quotes included.
func stringEnd(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// eachElement calls f with each element of the array raw.
func eachElement(raw []byte, f func([]byte)) {
	b := skipSpace(raw[1:])
	for len(b) > 0 && b[0] != ']' {
		n := valueEnd(b)
		f(b[:n])
		b = skipSpace(b[n:])
		if len(b) > 0 && b[0] == ',' {
			b = skipSpace(b[1:])
		}
	}
}

// eachMember calls f with each key and value of the object raw, in order.
func eachMember(raw []byte, f func(key string, val []byte)) {
	b := skipSpace(raw[1:])
	for len(b) > 0 && b[0] == '"' {
		n := stringEnd(b)
		key, _ := text(b[:n])
		b = skipSpace(b[n:])
		b = skipSpace(b[1:]) // the colon
		n = valueEnd(b)
		f(key, b[:n])
		b = skipSpace(b[n:])
		if len(b) > 0 && b[0] == ',' {
			b = skipSpace(b[1:])
		}
	}
}
