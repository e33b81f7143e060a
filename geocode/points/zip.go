package points

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/aidmap/aidmap"
)

// iso3166 holds every ISO 3166-1 alpha-2 code, two letters each, to recognise the country
// directory of an OpenAddresses path without mistaking any two-letter folder for one.
const iso3166 = "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZ" +
	"CACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGG" +
	"GHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZ" +
	"LALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNR" +
	"NUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZ" +
	"TCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW"

// isCountry reports whether s is an ISO 3166-1 alpha-2 code (either case).
func isCountry(s string) bool {
	if len(s) != 2 {
		return false
	}
	u := strings.ToUpper(s)
	for i := 0; i+2 <= len(iso3166); i += 2 {
		if iso3166[i:i+2] == u {
			return true
		}
	}
	return false
}

// CountryFromPath infers the country of an OpenAddresses file from its path, which
// OpenAddresses lays out as country/region/source or country/source ("us/ca/berkeley.csv",
// "au/vic/city_of_melbourne.csv", "de/berlin.geojson"): the directory two levels above the
// file if it is a lower-case ISO 3166-1 alpha-2 code, else the one just above it. It returns
// "" when neither is; a caller that knows better sets Options.Country.
func CountryFromPath(name string) string {
	parts := strings.Split(strings.ReplaceAll(name, "\\", "/"), "/")
	dirs := parts[:len(parts)-1]
	for _, back := range []int{2, 1} {
		if len(dirs) >= back {
			if d := dirs[len(dirs)-back]; strings.ToLower(d) == d && isCountry(d) {
				return strings.ToUpper(d)
			}
		}
	}
	return ""
}

// openZip reads the address members of a zip archive one after the other.
func openZip(ctx context.Context, ra io.ReaderAt, size int64, name string, opts Options) (Reader, error) {
	cra := &countingReaderAt{r: ra, progress: opts.Progress}
	zr, err := zip.NewReader(cra, size)
	if err != nil {
		return nil, fmt.Errorf("points: %s: %w", name, err)
	}
	var members []*zip.File
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(path.Base(f.Name), ".") || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		switch DetectFormat(f.Name, nil) {
		case FormatOSM, FormatOSMPBF:
			return nil, fmt.Errorf("points: %s: %s: unzip OpenStreetMap files before importing (they are read in several passes): %w", name, f.Name, aidmap.ErrInvalid)
		}
		ext := strings.ToLower(path.Ext(f.Name))
		switch ext {
		case ".csv", ".geojson", ".geojsonl", ".geojsonseq", ".ndjson", ".jsonl":
			members = append(members, f)
		}
	}
	if len(members) == 0 {
		return nil, fmt.Errorf("points: %s: the zip holds no .csv or .geojson file: %w", name, aidmap.ErrInvalid)
	}
	o := opts
	o.Progress = nil // counted on the archive's bytes
	return &zipReader{ctx: ctx, name: name, members: members, opts: o}, nil
}

// zipReader chains the readers of several archive members into one.
type zipReader struct {
	ctx     context.Context
	name    string
	members []*zip.File
	opts    Options
	cur     Reader
	curName string
	rc      io.ReadCloser
	done    Summary
}

func (z *zipReader) Next() ([]aidmap.AddressPoint, error) {
	for {
		if z.cur == nil {
			if len(z.members) == 0 {
				return nil, io.EOF
			}
			m := z.members[0]
			z.members = z.members[1:]
			rc, err := m.Open()
			if err != nil {
				return nil, fmt.Errorf("points: %s: %s: %w", z.name, m.Name, err)
			}
			o := z.opts
			if o.Country == "" {
				o.Country = CountryFromPath(m.Name)
			}
			r, err := Open(z.ctx, m.Name, rc, o)
			if err != nil {
				rc.Close()
				return nil, err
			}
			setFile(r, m.Name)
			z.cur, z.curName, z.rc = r, m.Name, rc
		}
		pts, err := z.cur.Next()
		if err == io.EOF {
			merge(&z.done, z.cur.Summary())
			z.rc.Close()
			z.cur, z.rc = nil, nil
			continue
		}
		if err != nil {
			return nil, err
		}
		return pts, nil
	}
}

func (z *zipReader) Summary() Summary {
	var s Summary
	merge(&s, z.done)
	if z.cur != nil {
		merge(&s, z.cur.Summary())
	}
	return s
}

// setFile labels the rejections of r with the archive member they come from.
func setFile(r Reader, file string) {
	if f, ok := r.(interface{ setFile(string) }); ok {
		f.setFile(file)
	}
}

// countingReaderAt reports the running count of bytes read through it.
type countingReaderAt struct {
	r        io.ReaderAt
	n        int64
	progress func(int64)
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(c.n)
	}
	return n, err
}
