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
	var objs []h3Object
	var typeErr *json.UnmarshalTypeError
	switch t := firstByte(top); t {
	case '[':
		if err := json.Unmarshal(top, &objs); err != nil && !errors.As(err, &typeErr) {
			return nil, hsdsError("not an array of HSDS objects: %v", err)
		}
	case '{':
		var o h3Object
		if err := json.Unmarshal(top, &o); err != nil && !errors.As(err, &typeErr) {
			return nil, hsdsError("not an HSDS object: %v", err)
		}
		objs = []h3Object{o}
	default:
		return nil, hsdsError("not HSDS JSON: expected an object or an array")
	}
	c := h3Converter{opts: opts}
	for i := range objs {
		c.object(&objs[i], 0)
	}
	h := &Reader{sites: c.sites, dialect: ingest.Dialect{Encoding: ingest.EncodingUTF8}}
	if typeErr != nil {
		h.dialect.Notes = append(h.dialect.Notes, fmt.Sprintf("%s is not of the type HSDS 3.0 gives it (%s, not %s); such values were ignored", typeErr.Field, typeErr.Value, typeErr.Type))
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

// jstr is a JSON scalar read as text: HSDS 3.0 examples write IDs, extensions and intervals as
// numbers or strings.
type jstr string

func (s *jstr) UnmarshalJSON(b []byte) error {
	if t := ingest.JSONText(b); t != "" {
		*s = jstr(t)
		return nil
	}
	switch string(b) {
	case "true", "false":
		*s = jstr(b)
	}
	return nil // null, objects and arrays are ignored rather than failing the whole file
}

// h3Object is any HSDS 3.0 object this reader understands, with the union of their fields.
type h3Object struct {
	ID                 jstr       `json:"id"`
	Name               jstr       `json:"name"`
	Description        jstr       `json:"description"`
	URL                jstr       `json:"url"`
	Website            jstr       `json:"website"`
	Email              jstr       `json:"email"`
	Status             jstr       `json:"status"`
	Fees               jstr       `json:"fees_description"`
	Eligibility        jstr       `json:"eligibility_description"`
	LocationID         jstr       `json:"location_id"`
	LocationType       jstr       `json:"location_type"`
	TaxStatus          jstr       `json:"tax_status"`
	LegalStatus        jstr       `json:"legal_status"`
	Latitude           jstr       `json:"latitude"`
	Longitude          jstr       `json:"longitude"`
	Contents           []h3Object `json:"contents"`
	Services           []h3Object `json:"services"`
	Locations          []h3Object `json:"locations"`
	ServiceAtLocations []h3Object `json:"service_at_locations"`
	Service            *h3Object  `json:"service"`
	Location           *h3Object  `json:"location"`
	Organization       *h3Object  `json:"organization"`
	Addresses          []h3Address
	Phones             []struct{ Number, Extension jstr }
	Schedules          []h3Schedule
	Languages          []struct{ Name, Code jstr }
	Accessibility      []struct{ Description, Details jstr }
	Attributes         []struct {
		TaxonomyTerm *struct{ Name, Code jstr } `json:"taxonomy_term"`
	}
}

type h3Address struct {
	Address1      jstr `json:"address_1"`
	Address2      jstr `json:"address_2"`
	City          jstr `json:"city"`
	Region        jstr `json:"region"`
	StateProvince jstr `json:"state_province"`
	PostalCode    jstr `json:"postal_code"`
	Country       jstr `json:"country"`
	AddressType   jstr `json:"address_type"`
}

type h3Schedule struct {
	Freq, Interval, ByDay, Description jstr
	ByWeekNo                           jstr `json:"byweekno"`
	ByMonthDay                         jstr `json:"bymonthday"`
	ByYearDay                          jstr `json:"byyearday"`
	OpensAt                            jstr `json:"opens_at"`
	ClosesAt                           jstr `json:"closes_at"`
	ValidFrom                          jstr `json:"valid_from"`
	ValidTo                            jstr `json:"valid_to"`
	Until                              jstr
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
func (c *h3Converter) object(o *h3Object, depth int) {
	switch {
	case depth > 4:
		return
	case o.Contents != nil:
		for i := range o.Contents {
			c.object(&o.Contents[i], depth+1)
		}
	case o.Service != nil || o.Location != nil && o.Services == nil:
		svc := o.Service
		if svc == nil {
			svc = &h3Object{}
		}
		org := svc.Organization
		c.placed(svc, o, o.Location, org)
	case o.ServiceAtLocations != nil || o.Organization != nil && o.Services == nil:
		c.service(o, o.Organization, nil)
	case o.Services != nil || o.Locations != nil:
		used := map[string]bool{}
		for i := range o.Services {
			for _, sal := range o.Services[i].ServiceAtLocations {
				if sal.Location != nil {
					used[string(sal.Location.ID)] = true
				} else {
					used[string(sal.LocationID)] = true
				}
			}
			c.service(&o.Services[i], o, o.Locations)
		}
		for i := range o.Locations {
			if !used[string(o.Locations[i].ID)] {
				c.placed(nil, nil, &o.Locations[i], o)
			}
		}
	case o.Latitude != "" || o.Longitude != "" || o.Addresses != nil || o.LocationType != "":
		c.placed(nil, nil, o, nil)
	case o.Website != "" || o.TaxStatus != "" || o.LegalStatus != "":
		c.orgsAlone = append(c.orgsAlone, string(o.Name)) // an organization listed without its services
	case o.Name != "" || o.ID != "":
		c.service(o, o.Organization, nil)
	}
}

func (c *h3Converter) service(svc, org *h3Object, orgLocations []h3Object) {
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
		c.unplaced = append(c.unplaced, string(svc.Name))
	}
}

// placed makes the site of svc (nil for a location alone) at loc.
func (c *h3Converter) placed(svc, sal, loc, org *h3Object) {
	if loc == nil {
		if svc != nil {
			c.unplaced = append(c.unplaced, string(svc.Name))
		}
		return
	}
	var s hsdsSite
	w := func(kind string, o *h3Object, field string) string {
		return kind + " " + string(o.ID) + " " + field
	}
	perService := svc != nil && len(svc.ServiceAtLocations) > 1
	if svc != nil && (svc.Name != "" || svc.ID != "") {
		name := string(svc.Name)
		if name == "" {
			name = string(loc.Name)
		}
		if perService && loc.Name != "" && !strings.EqualFold(string(loc.Name), name) {
			name += " – " + string(loc.Name)
		}
		s.set(ingest.FieldName, name, w("service", svc, "name"))
		s.set(ingest.FieldID, string(svc.ID)+"@"+string(loc.ID), "")
		s.set(ingest.FieldDescription, string(svc.Description), w("service", svc, "description"))
		s.set(ingest.FieldWebsite, string(svc.URL), w("service", svc, "url"))
		s.set(ingest.FieldEmail, string(svc.Email), w("service", svc, "email"))
		s.set(ingest.FieldFees, string(svc.Fees), w("service", svc, "fees_description"))
		s.set(ingest.FieldEligibility, string(svc.Eligibility), w("service", svc, "eligibility_description"))
		s.set(ingest.FieldStatus, hsdsStatus(string(svc.Status)), w("service", svc, "status"))
		var terms []string
		for _, a := range svc.Attributes {
			if a.TaxonomyTerm != nil && a.TaxonomyTerm.Name != "" {
				terms = append(terms, string(a.TaxonomyTerm.Name))
			}
		}
		s.categories(terms, string(svc.Name), w("service", svc, "attributes"))
	} else {
		s.set(ingest.FieldName, string(loc.Name), w("location", loc, "name"))
		s.set(ingest.FieldID, "location:"+string(loc.ID), "")
		s.categories(nil, string(loc.Name), w("location", loc, "name"))
		if org != nil || svc != nil {
			s.warn(ingest.FieldNone, w("location", loc, ""), string(loc.Name), "no service is offered at this location in the file; it is shown under its own name")
		}
	}
	if sal != nil && sal != svc {
		s.set(ingest.FieldDescription, string(sal.Description), w("service_at_location", sal, "description"))
	}
	s.set(ingest.FieldDescription, string(loc.Description), w("location", loc, "description"))
	if org != nil {
		s.set(ingest.FieldName, string(org.Name), w("organization", org, "name"))
		s.set(ingest.FieldDescription, string(org.Description), w("organization", org, "description"))
		s.set(ingest.FieldWebsite, string(org.Website), w("organization", org, "website"))
		s.set(ingest.FieldWebsite, string(org.URL), w("organization", org, "url"))
		s.set(ingest.FieldEmail, string(org.Email), w("organization", org, "email"))
	}
	if len(loc.Addresses) > 0 {
		a := loc.Addresses[0]
		for _, b := range loc.Addresses {
			if strings.EqualFold(string(b.AddressType), "physical") {
				a = b
				break
			}
		}
		aw := w("location", loc, "addresses")
		if strings.EqualFold(string(a.AddressType), "postal") {
			s.warn(ingest.FieldAddress, aw, string(a.Address1), "only a postal address is given; it may not be where the service is")
		}
		s.set(ingest.FieldAddress, string(a.Address1), aw)
		s.set(ingest.FieldUnit, string(a.Address2), aw)
		s.set(ingest.FieldCity, string(a.City), aw)
		s.set(ingest.FieldRegion, string(a.StateProvince), aw)
		s.set(ingest.FieldRegion, string(a.Region), aw)
		s.set(ingest.FieldPostalCode, string(a.PostalCode), aw)
		s.set(ingest.FieldCountry, string(a.Country), aw)
	}
	s.coordinates(string(loc.Latitude), string(loc.Longitude), "", "", w("location", loc, ""))
	for _, o := range []*h3Object{sal, svc, loc, org} {
		if o != nil && len(o.Phones) > 0 && o.Phones[0].Number != "" {
			num := strings.Trim(string(o.Phones[0].Number), `"`)
			if ext := o.Phones[0].Extension; ext != "" {
				num += " ext. " + string(ext)
			}
			s.set(ingest.FieldPhone, num, w(kindOf(o, sal, svc, loc), o, "phones"))
			break
		}
	}
	for _, o := range []*h3Object{sal, svc, loc} {
		if o != nil && len(o.Schedules) > 0 {
			sc := hsdsSchedule{where: w(kindOf(o, sal, svc, loc), o, "schedules")}
			for _, x := range o.Schedules {
				sc.v3 = append(sc.v3, hours.HSDSSchedule{Freq: string(x.Freq), Interval: string(x.Interval), ByDay: string(x.ByDay),
					ByWeekNo: string(x.ByWeekNo), ByMonthDay: string(x.ByMonthDay), ByYearDay: string(x.ByYearDay),
					OpensAt: string(x.OpensAt), ClosesAt: string(x.ClosesAt), ValidFrom: string(x.ValidFrom),
					ValidTo: string(x.ValidTo), Until: string(x.Until), Description: string(x.Description)})
				sc.text = append(sc.text, string(x.Description))
			}
			sc.apply(&s, c.opts.Today)
			break
		}
	}
	var ls []string
	for _, o := range []*h3Object{svc, loc} {
		if o == nil {
			continue
		}
		for _, l := range o.Languages {
			if l.Code != "" {
				ls = append(ls, string(l.Code))
			} else {
				ls = append(ls, string(l.Name))
			}
		}
	}
	if len(ls) > 0 {
		s.set(ingest.FieldLanguages, strings.Join(dedupe(ls), "; "), "languages")
	}
	var acc []string
	for _, a := range loc.Accessibility {
		acc = append(acc, strings.TrimSpace(string(a.Description)+" "+string(a.Details)))
	}
	s.set(ingest.FieldAccessibility, strings.Join(dedupe(acc), "; "), w("location", loc, "accessibility"))
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

func kindOf(o, sal, svc, loc *h3Object) string {
	switch o {
	case sal:
		return "service_at_location"
	case svc:
		return "service"
	case loc:
		return "location"
	}
	return "organization"
}
