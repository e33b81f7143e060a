package icarol_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aidmap/aidmap/ingest"
	"github.com/aidmap/aidmap/ingest/icarol"
	"github.com/aidmap/aidmap/ingest/table"
)

// FuzzReadICarol feeds arbitrary bytes to the table reader and, when the columns are an iCarol
// export's, to the hierarchy: it must never panic, must stop with io.EOF or a *FileError, must
// yield records in row order, each converting to a site without panicking.
func FuzzReadICarol(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	const head = "ResourceAgencyNum,PublicName,TaxonomyLevelName,ParentAgencyNum,ConnectsToSiteNum,ConnectsToProgramNum,Latitude,Longitude\n"
	for _, s := range []string{head, head + "A,a,Agency,,,,49,-123\nA,b,Agency,,,,49,-123\n",
		head + "P,p,ProgramAtSite,P,P,P,,\n", head + "S,s,Site,S,,,1,1\nX,x,ProgramAtSite,S,S,X,,\n",
		head + "A,,Agency,0,,,,\nP,,Program,A,,,,\n", "TaxonomyLevelName,ResourceAgencyNum\n\"\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := table.NewReader(bytes.NewReader(data), table.Options{MaxRows: 200})
		if err != nil || !icarol.Detect(tr.Dialect()) {
			return
		}
		h, err := icarol.New(tr, icarol.Options{MaxRows: 200})
		if err != nil {
			var fe *ingest.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("New: got %T %v, want a *FileError", err, err)
			}
			return
		}
		prev := 0
		for {
			rec, err := h.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if rec.Row < prev {
				t.Fatalf("row %d after %d", rec.Row, prev)
			}
			prev = rec.Row
			rec.Site("org")
		}
		h.Dialect()
		c := h.Hierarchy()
		if c.Organizations < 0 || c.Places < 0 || c.Services < 0 {
			t.Fatalf("negative counts %+v", c)
		}
	})
}
