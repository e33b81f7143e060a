package hsds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/aidmap/aidmap/hours"
	h3 "github.com/aidmap/aidmap/hsds"
	"github.com/aidmap/aidmap/ingest"
)

// ReadJSON reads HSDS 3.0 JSON: one service, organization, service_at_location or
// location object, an array of them, or an API page ({"contents": [...]}) of them. Services
// are placed at the locations of their service_at_locations; an organization's services at
// its locations (matched by location_id when a service_at_location gives only the ID).
func ReadJSON(r io.Reader, opts Options) (*Reader, error) {
	opts.defaults()
	budget := &byteBudget{left: opts.MaxBytes}
	dec := json.NewDecoder(budgetReader{r, budget})
	var top json.RawMessage
	if err := dec.Decode(&top); err != nil {
		switch {
		case errors.Is(err, errHSDSTooLarge):
			return nil, hsdsError("the JSON is larger than %s; split it into pages", ingest.ByteSize(int(min(opts.MaxBytes, math.MaxInt32))))
		case errors.Is(err, io.EOF):
			return nil, hsdsError("the file is empty")
		}
		return nil, hsdsError("not valid JSON: %v", err)
	}
	if !utf8.Valid(top) {
		return nil, hsdsError("the file is not UTF-8; JSON files must be saved as UTF-8")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, hsdsError("the file goes on after its JSON value ends; is it two files in one, or damaged?")
	}
	if d := ingest.JSONDepth(top); d > 64 {
		return nil, hsdsError("the JSON is nested %d levels deep; at most 64 are read", d)
	}
	var objs []h3.Object
	var typeErr *h3.TypeError
	switch t := firstByte(top); t {
	case '[':
		if err := h3.Decode(top, &objs); err != nil && !errors.As(err, &typeErr) {
			return nil, hsdsError("not an array of HSDS objects: %v", err)
		}
	case '{':
		objs = make([]h3.Object, 1)
		if err := h3.Decode(top, &objs[0]); err != nil && !errors.As(err, &typeErr) {
			return nil, hsdsError("not an HSDS object: %v", err)
		}
	default:
		return nil, hsdsError("not HSDS JSON: expected an object or an array")
	}
	c := h3Converter{opts: opts}
	for i := range objs {
		c.object(&objs[i], 0)
	}
	h := &Reader{sites: c.sites, dialect: ingest.Dialect{Encoding: ingest.EncodingUTF8}}
	if typeErr != nil {
		field := typeErr.Field
		if field == "" {
			field = "a value"
		}
		h.dialect.Notes = append(h.dialect.Notes, fmt.Sprintf("%s is not of the type HSDS 3.0 gives it (%s, not %s); such values were ignored", field, typeErr.Got, typeErr.Want))
	}
	if len(c.unplaced) > 0 {
		h.dialect.Notes = append(h.dialect.Notes, fmt.Sprintf("%d services have no location (helplines, online services) and cannot be placed on the map: %s", len(c.unplaced), listSome(c.unplaced)))
	}
	if len(c.orgsAlone) > 0 {
		h.dialect.Notes = append(h.dialect.Notes, fmt.Sprintf("%d organizations are given without their services or locations, so nothing of them can be placed on the map: %s", len(c.orgsAlone), listSome(c.orgsAlone)))
	}
	if len(c.sites) == 0 && len(c.unplaced) == 0 && len(c.orgsAlone) == 0 {
		return nil, hsdsError("no HSDS service, organization, location or service_at_location found in the JSON")
	}
	return h, nil
}

func firstByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

type h3Converter struct {
	opts      Options
	sites     []hsdsSite
	unplaced  []string
	orgsAlone []string
	seen      map[string]bool // site external IDs already made (an org lists a location twice)
}

// object dispatches on the shape of o: a page, a service_at_location, a service, an
// organization or a location.
func (c *h3Converter) object(o *h3.Object, depth int) {
	sal, svc, loc, org := &o.ServiceAtLocation, &o.Service, &o.Location, &o.Organization
	switch {
	case depth > 4:
		return
	case o.Contents != nil:
		for i := range o.Contents {
			c.object(&o.Contents[i], depth+1)
		}
	case sal.Service != nil || sal.Location != nil && org.Services == nil:
		svc := sal.Service
		if svc == nil {
			svc = &h3.Service{}
		}
		c.placed(svc, sal, sal.Location, svc.Organization)
	case svc.ServiceAtLocations != nil || svc.Organization != nil && org.Services == nil:
		c.service(svc, svc.Organization, nil)
	case org.Services != nil || org.Locations != nil:
		used := map[string]bool{}
		for i := range org.Services {
			for _, sal := range org.Services[i].ServiceAtLocations {
				if sal.Location != nil {
					used[sal.Location.ID] = true
				} else {
					used[sal.LocationID] = true
				}
			}
			c.service(&org.Services[i], org, org.Locations)
		}
		for i := range org.Locations {
			if !used[org.Locations[i].ID] {
				c.placed(nil, nil, &org.Locations[i], org)
			}
		}
	case loc.LatitudeText != "" || loc.LongitudeText != "" || loc.Addresses != nil || loc.LocationType != "":
		c.placed(nil, nil, loc, nil)
	case org.Website != "" || org.TaxStatus != "" || org.LegalStatus != "":
		c.orgsAlone = append(c.orgsAlone, org.Name) // an organization listed without its services
	case svc.Name != "" || svc.ID != "":
		c.service(svc, svc.Organization, nil)
	}
}

func (c *h3Converter) service(svc *h3.Service, org *h3.Organization, orgLocations []h3.Location) {
	if org == nil {
		org = svc.Organization
	}
	placed := false
	for i := range svc.ServiceAtLocations {
		sal := &svc.ServiceAtLocations[i]
		loc := sal.Location
		if loc == nil {
			for j := range orgLocations {
				if orgLocations[j].ID == sal.LocationID && sal.LocationID != "" {
					loc = &orgLocations[j]
				}
			}
		}
		if loc != nil {
			c.placed(svc, sal, loc, org)
			placed = true
		}
	}
	if !placed {
		c.unplaced = append(c.unplaced, svc.Name)
	}
}

// h3Source is one of the objects a site's phone and hours may come from, as the report
// names it.
type h3Source struct {
	kind, id  string
	phones    []h3.Phone
	schedules []h3.Schedule
}

// sources lists the objects of a site that may give its phone and hours, in the order that
// decides which wins: the service at the location, the service, the location, the
// organization.
func sources(svc *h3.Service, sal *h3.ServiceAtLocation, loc *h3.Location, org *h3.Organization) []h3Source {
	var out []h3Source
	if sal != nil {
		out = append(out, h3Source{"service_at_location", sal.ID, sal.Phones, sal.Schedules})
	}
	if svc != nil {
		out = append(out, h3Source{"service", svc.ID, svc.Phones, svc.Schedules})
	}
	out = append(out, h3Source{"location", loc.ID, loc.Phones, loc.Schedules})
	if org != nil {
		out = append(out, h3Source{"organization", org.ID, org.Phones, nil})
	}
	return out
}

// placed makes the site of svc (nil for a location alone) at loc.
func (c *h3Converter) placed(svc *h3.Service, sal *h3.ServiceAtLocation, loc *h3.Location, org *h3.Organization) {
	if loc == nil {
		if svc != nil {
			c.unplaced = append(c.unplaced, svc.Name)
		}
		return
	}
	var s hsdsSite
	w := func(kind, id, field string) string {
		return kind + " " + id + " " + field
	}
	perService := svc != nil && len(svc.ServiceAtLocations) > 1
	if svc != nil && (svc.Name != "" || svc.ID != "") {
		name := svc.Name
		if name == "" {
			name = loc.Name
		}
		if perService && loc.Name != "" && !strings.EqualFold(loc.Name, name) {
			name += " – " + loc.Name
		}
		s.set(ingest.FieldName, name, w("service", svc.ID, "name"))
		s.set(ingest.FieldID, svc.ID+"@"+loc.ID, "")
		s.set(ingest.FieldDescription, svc.Description, w("service", svc.ID, "description"))
		s.set(ingest.FieldWebsite, svc.URL, w("service", svc.ID, "url"))
		s.set(ingest.FieldEmail, svc.Email, w("service", svc.ID, "email"))
		s.set(ingest.FieldFees, svc.FeesDescription, w("service", svc.ID, "fees_description"))
		s.set(ingest.FieldEligibility, svc.EligibilityDescription, w("service", svc.ID, "eligibility_description"))
		s.set(ingest.FieldStatus, hsdsStatus(svc.Status), w("service", svc.ID, "status"))
		var terms []string
		for _, a := range svc.Attributes {
			if a.TaxonomyTerm != nil && a.TaxonomyTerm.Name != "" {
				terms = append(terms, a.TaxonomyTerm.Name)
			}
		}
		s.categories(terms, svc.Name, w("service", svc.ID, "attributes"))
	} else {
		s.set(ingest.FieldName, loc.Name, w("location", loc.ID, "name"))
		s.set(ingest.FieldID, "location:"+loc.ID, "")
		s.categories(nil, loc.Name, w("location", loc.ID, "name"))
		if org != nil || svc != nil {
			s.warn(ingest.FieldNone, w("location", loc.ID, ""), loc.Name, "no service is offered at this location in the file; it is shown under its own name")
		}
	}
	if sal != nil {
		s.set(ingest.FieldDescription, sal.Description, w("service_at_location", sal.ID, "description"))
	}
	s.set(ingest.FieldDescription, loc.Description, w("location", loc.ID, "description"))
	if org != nil {
		s.set(ingest.FieldName, org.Name, w("organization", org.ID, "name"))
		s.set(ingest.FieldDescription, org.Description, w("organization", org.ID, "description"))
		s.set(ingest.FieldWebsite, org.Website, w("organization", org.ID, "website"))
		s.set(ingest.FieldWebsite, org.URL, w("organization", org.ID, "url"))
		s.set(ingest.FieldEmail, org.Email, w("organization", org.ID, "email"))
	}
	if len(loc.Addresses) > 0 {
		a := loc.Addresses[0]
		for _, b := range loc.Addresses {
			if strings.EqualFold(b.AddressType, "physical") {
				a = b
				break
			}
		}
		aw := w("location", loc.ID, "addresses")
		if strings.EqualFold(a.AddressType, "postal") {
			s.warn(ingest.FieldAddress, aw, a.Address1, "only a postal address is given; it may not be where the service is")
		}
		s.set(ingest.FieldAddress, a.Address1, aw)
		s.set(ingest.FieldUnit, a.Address2, aw)
		s.set(ingest.FieldCity, a.City, aw)
		s.set(ingest.FieldRegion, a.StateProvince, aw)
		s.set(ingest.FieldRegion, a.Region, aw)
		s.set(ingest.FieldPostalCode, a.PostalCode, aw)
		s.set(ingest.FieldCountry, a.Country, aw)
	}
	s.coordinates(loc.LatitudeText, loc.LongitudeText, "", "", w("location", loc.ID, ""))
	from := sources(svc, sal, loc, org)
	for _, o := range from {
		if len(o.phones) > 0 && o.phones[0].Number != "" {
			num := strings.Trim(o.phones[0].Number, `"`)
			if ext := o.phones[0].Extension; ext != "" {
				num += " ext. " + ext
			}
			s.set(ingest.FieldPhone, num, w(o.kind, o.id, "phones"))
			break
		}
	}
	for _, o := range from {
		if len(o.schedules) > 0 {
			sc := hsdsSchedule{where: w(o.kind, o.id, "schedules")}
			for _, x := range o.schedules {
				sc.v3 = append(sc.v3, hours.HSDSSchedule{Freq: x.Freq, Interval: x.Interval, ByDay: x.ByDay,
					ByWeekNo: x.ByWeekNo, ByMonthDay: x.ByMonthDay, ByYearDay: x.ByYearDay,
					OpensAt: x.OpensAt, ClosesAt: x.ClosesAt, ValidFrom: x.ValidFrom,
					ValidTo: x.ValidTo, Until: x.Until, Description: x.Description})
				sc.text = append(sc.text, x.Description)
			}
			sc.apply(&s, c.opts.Today)
			break
		}
	}
	var ls []string
	for _, langs := range [][]h3.Language{serviceLanguages(svc), loc.Languages} {
		for _, l := range langs {
			if l.Code != "" {
				ls = append(ls, l.Code)
			} else {
				ls = append(ls, l.Name)
			}
		}
	}
	if len(ls) > 0 {
		s.set(ingest.FieldLanguages, strings.Join(dedupe(ls), "; "), "languages")
	}
	var acc []string
	for _, a := range loc.Accessibility {
		acc = append(acc, strings.TrimSpace(a.Description+" "+a.Details))
	}
	s.set(ingest.FieldAccessibility, strings.Join(dedupe(acc), "; "), w("location", loc.ID, "accessibility"))
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if id := s.Values[ingest.FieldID]; c.seen[id] {
		return
	} else {
		c.seen[id] = true
	}
	c.sites = append(c.sites, s)
}

func serviceLanguages(svc *h3.Service) []h3.Language {
	if svc == nil {
		return nil
	}
	return svc.Languages
}
