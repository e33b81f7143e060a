package hsds

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/aidmap/aidmap"
)

// The HSDS 3.0 tabular datapackage: one CSV file per table and a datapackage.json describing
// them, as Open Referral's tabular profile has it. `aidmap ingest` reads it back (package
// ingest's HSDS reader), so a published package re-imports to the same sites; confidential
// sites are in it only as the area, as in the API.

// table is one CSV file of the package: its name and columns, and the rows written so far.
type table struct {
	name    string
	columns []string
	f       *os.File
	w       *csv.Writer
	rows    int
}

// tables lists the package's tables and columns, in datapackage.json's order.
var tables = []struct {
	name    string
	columns []string
}{
	{"organizations", []string{"id", "name", "description", "website"}},
	{"services", []string{"id", "organization_id", "name", "description", "url", "email", "status", "fees_description", "eligibility_description", "last_modified"}},
	{"locations", []string{"id", "location_type", "organization_id", "name", "description", "latitude", "longitude"}},
	{"service_at_locations", []string{"id", "service_id", "location_id"}},
	{"addresses", []string{"id", "location_id", "address_1", "address_2", "city", "state_province", "postal_code", "country", "address_type"}},
	{"phones", []string{"id", "service_id", "number"}},
	{"schedules", []string{"id", "service_id", "valid_from", "valid_to", "freq", "wkst", "byday", "opens_at", "closes_at", "description", "notes"}},
	{"languages", []string{"id", "service_id", "code"}},
	{"accessibility", []string{"id", "location_id", "description"}},
	{"attributes", []string{"id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"}},
	{"taxonomies", []string{"id", "name", "description", "version"}},
	{"taxonomy_terms", []string{"id", "code", "name", "description", "taxonomy", "taxonomy_id"}},
}

// PackageWriter writes a datapackage into a directory, a site at a time, so memory stays
// bounded whatever the number of sites.
type PackageWriter struct {
	dir    string
	tables map[string]*table
	orgs   map[string]bool
	err    error // a site that could not be written; Close returns it
	Sites  int   // sites written so far
}

// NewPackageWriter creates dir (which must not hold a datapackage already) and the package's
// table files in it.
func NewPackageWriter(dir string) (*PackageWriter, error) {
	if _, err := os.Stat(filepath.Join(dir, "datapackage.json")); err == nil {
		return nil, fmt.Errorf("hsds: %s already holds a datapackage; choose an empty folder", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("hsds: %w", err)
	}
	p := &PackageWriter{dir: dir, tables: map[string]*table{}, orgs: map[string]bool{}}
	for _, t := range tables {
		f, err := os.Create(filepath.Join(dir, t.name+".csv"))
		if err != nil {
			p.abort()
			return nil, fmt.Errorf("hsds: %w", err)
		}
		tb := &table{name: t.name, columns: t.columns, f: f, w: csv.NewWriter(f)}
		_ = tb.w.Write(t.columns)
		p.tables[t.name] = tb
	}
	tx := AidmapTaxonomy()
	p.row("taxonomies", tx.ID, tx.Name, tx.Description, tx.Version)
	for _, c := range aidmap.Categories() {
		t := Term(c.Slug)
		p.row("taxonomy_terms", t.ID, t.Code, t.Name, t.Description, t.Taxonomy, t.TaxonomyID)
	}
	t := ExternalIDTerm()
	p.row("taxonomy_terms", t.ID, t.Code, t.Name, t.Description, t.Taxonomy, t.TaxonomyID)
	return p, nil
}

func (p *PackageWriter) row(table string, cells ...string) {
	t := p.tables[table]
	_ = t.w.Write(cells) // errors stick in the csv.Writer; Close reports them
	t.rows++
}

func (p *PackageWriter) abort() {
	for _, t := range p.tables {
		_ = t.f.Close()
	}
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// AddOrganization writes an organisation once, by name only: the importer falls back to the
// organisation's description and website for sites without their own, so writing them (the
// API repeats the name as the description, which the JSON schema requires) would change those
// sites on re-import.
func (p *PackageWriter) AddOrganization(o aidmap.Organization) {
	if p.orgs[o.ID] {
		return
	}
	p.orgs[o.ID] = true
	org := NewOrganization(o.ID, o)
	p.row("organizations", org.ID, org.Name, "", "")
}

// AddSite writes a visible site's service, location, link, address, phone, schedules,
// languages, accessibility and categories. Retired sites are skipped. The package is open
// data: a confidential site must be in its public form (aidmap.Publisher.Public), and one in
// any other form is left out, with an error from Close.
func (p *PackageWriter) AddSite(site *aidmap.Site, org aidmap.Organization) {
	p.addSite(site, org, nil)
}

// addSite is AddSite with the site's service at loc, its place's location written already
// (AddPlace); nil writes the site's own location.
func (p *PackageWriter) addSite(site *aidmap.Site, org aidmap.Organization, loc *Location) {
	if !site.Visible() {
		return
	}
	if site.Confidential && !site.IsPublic() {
		if p.err == nil {
			p.err = fmt.Errorf("hsds: site %s is confidential and not in its public form; it was left out", site.ID)
		}
		return
	}
	if org.ID == "" {
		org.ID = site.OrganizationID
	}
	p.AddOrganization(org)
	s := NewService(site, org, false)
	p.row("services", s.ID, s.OrganizationID, s.Name, s.Description, s.URL, s.Email, s.Status,
		s.FeesDescription, s.EligibilityDescription, s.LastModified)
	if loc == nil {
		loc = NewLocation(site)
		p.writeLocation(loc)
	}
	sal := NewServiceAtLocation(site, org, false)
	AtLocation(&sal, loc)
	p.row("service_at_locations", sal.ID, sal.ServiceID, sal.LocationID)
	if site.Phone != "" {
		p.row("phones", SiteObjectID(site.ID, KindPhone), s.ID, site.Phone)
	}
	for _, sc := range Schedules(site.Hours, site.ID) {
		p.row("schedules", sc.ID, sc.ServiceID, sc.ValidFrom, sc.ValidTo, sc.Freq, sc.Wkst, sc.ByDay, sc.OpensAt, sc.ClosesAt, sc.Description, sc.Notes)
	}
	for _, l := range Languages(site) {
		p.row("languages", l.ID, l.ServiceID, l.Code)
	}
	for _, a := range Attributes(site) {
		p.row("attributes", a.ID, a.LinkID, a.TaxonomyTermID, a.LinkType, a.LinkEntity, "")
	}
	if !site.Confidential {
		// The site's own key, so that ingest gives it back the same ID (see ExternalIDTerm).
		// A confidential site's key may be derived from its address, which the package hides.
		t := ExternalIDTerm()
		p.row("attributes", KeyID(KindAttribute, site.ID+"/"+ExternalIDTermName), sal.ID, t.ID,
			"service_at_location", "service_at_location", site.ExternalID)
	}
	p.Sites++
}

// writeLocation writes a location with its addresses and accessibility.
func (p *PackageWriter) writeLocation(loc *Location) {
	p.row("locations", loc.ID, loc.LocationType, loc.OrganizationID, loc.Name, loc.Description,
		num(loc.Latitude), num(loc.Longitude))
	for _, a := range loc.Addresses {
		p.row("addresses", a.ID, a.LocationID, a.Address1, a.Address2, a.City, a.StateProvince, a.PostalCode, a.Country, a.AddressType)
	}
	for _, a := range loc.Accessibility {
		p.row("accessibility", a.ID, a.LocationID, a.Description)
	}
}

// Close flushes the tables and writes datapackage.json.
func (p *PackageWriter) Close() error {
	first := p.err
	type field struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	type resource struct {
		Name    string `json:"name"`
		Path    string `json:"path"`
		Profile string `json:"profile"`
		Schema  struct {
			Fields []field `json:"fields"`
		} `json:"schema"`
	}
	var res []resource
	for _, t := range tables {
		tb := p.tables[t.name]
		tb.w.Flush()
		if err := tb.w.Error(); err != nil && first == nil {
			first = fmt.Errorf("hsds: write %s.csv: %w", t.name, err)
		}
		if err := tb.f.Close(); err != nil && first == nil {
			first = fmt.Errorf("hsds: %w", err)
		}
		r := resource{Name: t.name, Path: t.name + ".csv", Profile: "tabular-data-resource"}
		for _, c := range t.columns {
			typ := "string"
			if c == "latitude" || c == "longitude" {
				typ = "number"
			}
			r.Schema.Fields = append(r.Schema.Fields, field{Name: c, Type: typ})
		}
		res = append(res, r)
	}
	if first != nil {
		return first
	}
	b, err := json.MarshalIndent(map[string]any{
		"name":      "aidmap",
		"title":     "aidmap sites as HSDS " + Version,
		"profile":   "tabular-data-package",
		"resources": res,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("hsds: %w", err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, "datapackage.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("hsds: %w", err)
	}
	return nil
}

// ZipDir writes the files of dir (not its subfolders) into a zip archive at w, in sorted
// order: a package is written to a folder first, then zipped, because a zip archive is
// written one file at a time and the tables are written side by side.
func ZipDir(dir string, w io.Writer) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("hsds: %w", err)
	}
	zw := zip.NewWriter(w)
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("hsds: %w", err)
		}
		dst, err := zw.Create(e.Name())
		if err == nil {
			_, err = io.Copy(dst, f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("hsds: zip %s: %w", e.Name(), err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("hsds: %w", err)
	}
	return nil
}
