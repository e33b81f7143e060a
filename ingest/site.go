package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
)

// Site turns the record into a site of organisation orgID. It fixes what can safely be fixed
// (whitespace, phone and URL formats, category synonyms, a lat/lon swap that only one reading
// allows) and says so in warnings; it rejects what cannot be fixed. The site is usable when no
// problem has Severity Rejected or Skipped.
//
// A site with an address but no coordinates comes back with an empty Precision: it needs the
// geocoder before it can be stored. Opening hours are kept as written in Hours.Notes; parsing
// them is package hours' job, except for readers of structured hours (HSDS schedules), whose
// parsed hours the record carries and the site gets (Hours.Known reports it).
func (r Record) Site(orgID string) (aidmap.Site, []Problem) {
	c := converter{rec: &r, problems: r.Problems}
	s := c.site(orgID)
	return s, c.problems
}

type converter struct {
	rec      *Record
	problems []Problem
}

func (c *converter) add(sev Severity, f Field, value, reason string) {
	p := Problem{Severity: sev, Row: c.rec.Row, Line: c.rec.Line, Field: f.String(), Value: value, Reason: reason}
	if c.rec.Columns != nil && f != FieldNone {
		p.Column = c.rec.Columns[f]
	}
	c.problems = append(c.problems, p)
}

func (c *converter) rejected() bool {
	for _, p := range c.problems {
		if p.Severity != Warning {
			return true
		}
	}
	return false
}

func (c *converter) site(orgID string) aidmap.Site {
	r := c.rec
	s := aidmap.Site{OrganizationID: orgID, Status: aidmap.StatusActive}
	if r.Final && r.Rejected() {
		// The reader rejected the row outright (a broken link in a 211 hierarchy): its problem
		// says why, and checking the rest would only add noise. Its ID is kept, so a replace
		// upload keeps the site it had.
		s.Name = oneLine(r.Get(FieldName))
		if s.ExternalID = oneLine(r.Get(FieldID)); s.ExternalID != "" {
			s.ID = aidmap.SiteID(orgID, s.ExternalID)
		}
		return s
	}

	if yes, ok := c.flag(FieldExclude); ok && yes {
		c.add(Skipped, FieldExclude, r.Get(FieldExclude), "the row is marked as excluded from the website; it is not published")
	}
	s.Status = c.status()

	s.Name = oneLine(r.Get(FieldName))
	if s.Name == "" {
		c.add(Rejected, FieldName, "", "is required: every site needs a name")
	}
	s.Description = cleanText(r.Get(FieldDescription))
	s.Address = aidmap.Address{
		Street:     oneLine(r.Get(FieldAddress)),
		Unit:       oneLine(r.Get(FieldUnit)),
		Locality:   oneLine(r.Get(FieldCity)),
		Region:     oneLine(r.Get(FieldRegion)),
		PostalCode: strings.ToUpper(oneLine(r.Get(FieldPostalCode))),
		Country:    c.country(),
	}
	// The derived ID is taken from the address as written, before it is split, so files
	// uploaded before the splitting existed keep their sites' IDs.
	asWritten := s.Address
	s.Address.Street = c.moveContacts(s.Address.Street)
	splitStreet(&s.Address)
	c.coordinates(&s)

	s.Categories = c.categories()
	s.Phone = c.phone(s.Address.Country)
	s.Website = c.website()
	s.Email = c.email()
	s.Languages = c.languages()
	s.Hours.Notes = cleanText(r.Get(FieldHours))
	if r.Hours != nil { // structured hours from the reader (HSDS); the text stays as notes
		notes := s.Hours.Notes
		s.Hours = *r.Hours
		if s.Hours.Notes == "" {
			s.Hours.Notes = notes
		}
	}
	s.Eligibility = cleanText(r.Get(FieldEligibility))
	s.Fees = cleanText(r.Get(FieldFees))
	s.Accessibility = cleanText(r.Get(FieldAccessibility))
	if yes, ok := c.confidential(); ok {
		s.Confidential = yes
	} else if what := confidentialKind(r.Get(FieldCategory), s.Name); what != "" {
		s.Confidential = true
		p := Problem{Severity: Warning, Row: r.Row, Line: r.Line, Field: FieldConfidential.String(), Value: what,
			Reason: "a transition house, safe home or shelter for people fleeing violence is published only at an approximate location (about 11 km); give a confidential column saying no to publish the exact point"}
		c.problems = append(c.problems, p)
	}

	s.ExternalID = oneLine(r.Get(FieldID))
	if s.ExternalID == "" {
		s.ExternalID = derivedID(s, asWritten)
	}
	s.ID = aidmap.SiteID(orgID, s.ExternalID)

	if c.rejected() || s.Precision == "" {
		return s
	}
	if err := s.Validate(); err != nil {
		var fe *aidmap.FieldError
		p := Problem{Severity: Rejected, Row: r.Row, Line: r.Line, Reason: err.Error()}
		if errors.As(err, &fe) {
			p.Field, p.Value, p.Reason = fe.Field, fe.Value, fe.Reason
		}
		c.problems = append(c.problems, p)
	}
	return s
}

// confidentialKeys are words (normaliseKey form) in a category or a name that mark a place
// whose address must stay private: shelters for women and children fleeing violence. Their
// lists (ShelterSafe, BC Housing) give city-level points, but a file may still carry exact ones.
var confidentialKeys = []string{"transitionhouse", "safehome", "secondstage", "womensshelter",
	"domesticviolence", "familyviolence", "violenceagainstwomen", "maisondetransition",
	"maisondhebergementpourfemmes", "violenceconjugale", "refugepourfemmes"}

// confidentialStems are words, one of which each confidentialKeys entry contains.
var confidentialStems = []string{"transition", "safe", "stage", "women", "violence", "maison", "refuge"}

// containsAnyFold reports whether a word of s starts with one of the lower-case ASCII words,
// in any case ("Second_Stage" has "stage"). Looking only at word starts keeps it cheap: it
// runs on every row.
func containsAnyFold(s string, words []string) bool {
	for i := 0; i < len(s); i++ {
		if i > 0 && isASCIILetter(s[i-1]) {
			continue
		}
		c := s[i] | 0x20 // ASCII lower case; other bytes never match a word's first letter
		for _, w := range words {
			if c == w[0] && len(s)-i >= len(w) && strings.EqualFold(s[i:i+len(w)], w) {
				return true
			}
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// confidentialKind returns the words that make the site confidential, or "".
func confidentialKind(category, name string) string {
	// Most rows name none of these; find that out without building their keys.
	if !containsAnyFold(category, confidentialStems) && !containsAnyFold(name, confidentialStems) {
		return ""
	}
	for _, v := range []string{category, name} {
		k := NormaliseKey(v)
		for _, key := range confidentialKeys {
			if strings.Contains(k, key) {
				return strings.TrimSpace(v)
			}
		}
	}
	return ""
}

// moveContacts takes phone numbers, e-mail and web addresses out of an address cell into
// their fields when those are empty, with a warning naming what moved. A value whose field is
// already filled stays in the address (unless it repeats the field), so no text is lost.
func (c *converter) moveContacts(street string) string {
	found := splitContacts(street, [3]bool{})
	if len(found.phones)+len(found.emails)+len(found.sites) == 0 {
		return street
	}
	r := c.rec
	var take [3]bool
	var moved []string
	for i, k := range []struct {
		f    Field
		vals []string
		name string
	}{{FieldPhone, found.phones, "phone"}, {FieldEmail, found.emails, "e-mail"}, {FieldWebsite, found.sites, "web address"}} {
		if len(k.vals) == 0 {
			continue
		}
		have := strings.TrimSpace(r.Values[k.f])
		all := strings.Join(k.vals, "; ")
		switch {
		case Missing(have):
			r.Values[k.f] = all
		case NormaliseKey(have) != NormaliseKey(all):
			continue // a different value: keep this one in the address
		}
		take[i] = true
		moved = append(moved, k.name+" "+all)
	}
	if len(moved) == 0 {
		return street
	}
	rest := splitContacts(street, take).rest
	c.add(Warning, FieldAddress, street, "held contact details as well as the address; moved out of it: "+strings.Join(moved, ", "))
	return rest
}

// splitStreet splits a one-line street ("1450 Elford St, Victoria, BC") into the address's
// empty fields, and drops a city, province or postcode the street repeats. When a piece
// disagrees with its own column, the street is left whole.
func splitStreet(a *aidmap.Address) {
	if a.Street == "" || !strings.Contains(a.Street, ",") && (a.PostalCode != "" || a.Locality != "") {
		return
	}
	p := splitOneLine(a.Street)
	if p.locality == "" && p.region == "" && p.postcode == "" {
		return
	}
	agree := func(have, got string) bool {
		return have == "" || got == "" || strings.EqualFold(have, got) || NormaliseKey(have) == NormaliseKey(got)
	}
	cc := a.Country
	if !agree(a.Locality, p.locality) || !agree(a.Region, p.region) || !agree(a.PostalCode, p.postcode) || !agree(cc, p.country) || p.street == "" {
		return
	}
	a.Street = p.street
	if a.Locality == "" {
		a.Locality = p.locality
	}
	if a.Region == "" {
		a.Region = p.region
	}
	if a.PostalCode == "" {
		a.PostalCode = p.postcode
	}
	if a.Country == "" {
		a.Country = p.country
	}
}

// derivedID is the external ID of a row without one: a hash of its name and address (or, with
// no address, its coordinates), insensitive to case, spacing and punctuation, so a re-upload of
// the same list maps to the same sites.
func derivedID(s aidmap.Site, a aidmap.Address) string {
	where := NormaliseKey(a.Street + a.Unit + a.Locality + a.PostalCode)
	if where == "" && s.Precision != "" {
		where = fmt.Sprintf("%.5f,%.5f", s.Lat, s.Lon)
	}
	sum := sha256.Sum256([]byte(NormaliseKey(s.Name) + "\x00" + where))
	return "name-address:" + hex.EncodeToString(sum[:12])
}

// missing reports whether a cell means "no value".
func Missing(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "-", "--", "?", "n/a", "na", "none", "null", "nil", "unknown", "inconnu", "tbd", "#n/a":
		return true
	}
	return false
}

// coordinates reads lat and lon, repairs an unambiguous swap, and rejects what cannot be a
// point on Earth. Without coordinates an address is needed (for the geocoder).
func (c *converter) coordinates(s *aidmap.Site) {
	r := c.rec
	latText, lonText := r.Get(FieldLat), r.Get(FieldLon)
	hasLat, hasLon := !Missing(latText), !Missing(lonText)
	hasAddress := s.Address.Street != "" || s.Address.PostalCode != "" || s.Address.Locality != ""
	switch {
	case !hasLat && !hasLon:
		if !hasAddress {
			c.add(Rejected, FieldNone, "", "has no address and no coordinates, so it cannot be placed on the map")
		}
		return // needs geocoding
	case !hasLat:
		c.add(Rejected, FieldLat, "", "is missing while lon is given ("+strings.TrimSpace(lonText)+")")
		return
	case !hasLon:
		c.add(Rejected, FieldLon, "", "is missing while lat is given ("+strings.TrimSpace(latText)+")")
		return
	}
	lat, _, okLat := ParseDegrees(latText)
	lon, _, okLon := ParseDegrees(lonText)
	if !okLat {
		c.add(Rejected, FieldLat, latText, "is not a number of degrees such as 49.2827")
	}
	if !okLon {
		c.add(Rejected, FieldLon, lonText, "is not a number of degrees such as -123.1207")
	}
	if !okLat || !okLon {
		return
	}
	switch {
	case lat == 0 && lon == 0:
		c.add(Rejected, FieldNone, latText+", "+lonText, "coordinates 0,0 are in the ocean off Africa; they usually mean the location is missing")
		return
	case math.Abs(lat) > 180 || math.Abs(lon) > 180:
		c.add(Rejected, FieldNone, latText+", "+lonText, "are not degrees of latitude and longitude (WGS84); projected coordinates in metres (UTM, BC Albers, …) must be converted first")
		return
	case math.Abs(lat) > 90 && math.Abs(lon) <= 90:
		c.add(Warning, FieldLat, latText+", "+lonText, "latitude and longitude were swapped (a latitude cannot be beyond ±90); they were swapped back")
		lat, lon = lon, lat
	case math.Abs(lat) > 90:
		c.add(Rejected, FieldLat, latText, "must be between -90 and 90")
		return
	}
	s.Lat, s.Lon, s.Precision = lat, lon, aidmap.PrecisionExact
}

// ReasonConfidentialUnclear is the warning for a confidentiality cell that is not clearly yes
// or no: the site is kept confidential (fail closed).
const ReasonConfidentialUnclear = "is not clearly yes or no, so the site is kept confidential: it is published only as an area of about 11 km, never at its address; write no to publish the exact point"

// confidential reads the confidentiality cell; ok is false when it is empty. It fails closed:
// only a clear "no" publishes the exact point, and any other value that is not a clear "yes"
// ("Yes.", "private", "YES - do not publish", "✔", "2", even "n/a" or "?") keeps the site
// confidential with a warning, for a mistyped "yes" must never put a shelter's address on
// the map.
func (c *converter) confidential() (yes, ok bool) {
	v := c.rec.Get(FieldConfidential)
	if strings.TrimSpace(v) == "" {
		return false, false // not given: the name and category decide (confidentialKind)
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "no", "n", "false", "f", "0", "non", "faux", "public", "publique":
		return false, true
	case "yes", "y", "true", "t", "1", "x", "oui", "o", "vrai", "si", "sí":
		return true, true
	}
	c.add(Warning, FieldConfidential, v, ReasonConfidentialUnclear)
	return true, true
}

// flag reads a yes/no cell; ok is false when the cell is empty or unreadable (with a warning).
func (c *converter) flag(f Field) (yes, ok bool) {
	v := c.rec.Get(f)
	if Missing(v) {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "y", "true", "t", "1", "x", "oui", "o", "vrai", "si", "sí":
		return true, true
	case "no", "n", "false", "f", "0", "non", "faux":
		return false, true
	}
	c.add(Warning, f, v, "is not yes or no; ignored")
	return false, false
}

func (c *converter) status() aidmap.Status {
	v := c.rec.Get(FieldStatus)
	switch NormaliseKey(v) {
	case "", "active", "open", "yes", "true", "1", "actif", "ouvert", "operating", "opened":
		return aidmap.StatusActive
	case "temporarilyclosed", "temporaryclosure", "paused", "suspended", "closedtemporarily", "fermetemporairement", "temporairementferme":
		return aidmap.StatusTemporarilyClosed
	case "closed", "permanentlyclosed", "ferme", "closedpermanently", "no", "false", "0":
		return aidmap.StatusClosed
	case "inactive", "deleted", "inactif", "retired", "archived":
		c.add(Skipped, FieldStatus, v, "the row is marked inactive; it is not published")
		return aidmap.StatusClosed
	}
	c.add(Warning, FieldStatus, v, "is not a status we know (active, temporarily closed, closed, inactive); read as active")
	return aidmap.StatusActive
}

var countries = map[string]string{
	"canada": "CA", "can": "CA", "ca": "CA", "usa": "US", "us": "US", "unitedstates": "US",
	"unitedstatesofamerica": "US", "uk": "GB", "gb": "GB", "gbr": "GB", "unitedkingdom": "GB",
	"england": "GB", "scotland": "GB", "wales": "GB", "france": "FR", "fr": "FR", "fra": "FR",
	"mexico": "MX", "mex": "MX", "mx": "MX", "australia": "AU", "aus": "AU", "au": "AU",
}

func (c *converter) country() string {
	v := oneLine(c.rec.Get(FieldCountry))
	if v == "" {
		return ""
	}
	if cc, ok := countries[NormaliseKey(v)]; ok {
		return cc
	}
	if len(v) == 2 {
		return strings.ToUpper(v)
	}
	c.add(Warning, FieldCountry, v, "is not a country we know; use a two-letter code such as CA")
	return ""
}

// categorySynonyms maps words found in category cells (English, French, 211 taxonomy names) to
// our categories. Longer phrases are tried before the words inside them.
var categorySynonyms = []struct {
	key string // normaliseKey form
	cat aidmap.Category
}{
	{"foodbank", aidmap.CategoryFoodBank}, {"foodpantr", aidmap.CategoryFoodBank}, {"emergencyfood", aidmap.CategoryFoodBank}, {"foodassistance", aidmap.CategoryFoodBank}, {"banquealimentaire", aidmap.CategoryFoodBank},
	{"hamper", aidmap.CategoryFoodBank}, {"dépannagealimentaire", aidmap.CategoryFoodBank}, {"depannagealimentaire", aidmap.CategoryFoodBank},
	{"communitykitchen", aidmap.CategoryCommunityKitchen}, {"cuisinecollective", aidmap.CategoryCommunityKitchen},
	{"soupkitchen", aidmap.CategoryFreeMeal}, {"freemeal", aidmap.CategoryFreeMeal}, {"meal", aidmap.CategoryFreeMeal},
	{"repas", aidmap.CategoryFreeMeal}, {"soupepopulaire", aidmap.CategoryFreeMeal},
	{"grocer", aidmap.CategoryGrocery}, {"market", aidmap.CategoryGrocery}, {"epicerie", aidmap.CategoryGrocery},
	{"warming", aidmap.CategoryWarmingCentre}, {"cooling", aidmap.CategoryWarmingCentre}, {"extremeweather", aidmap.CategoryWarmingCentre},
	{"shelter", aidmap.CategoryShelter}, {"refuge", aidmap.CategoryShelter}, {"hebergement", aidmap.CategoryShelter},
	{"transitionhouse", aidmap.CategoryShelter}, {"safehome", aidmap.CategoryShelter}, {"secondstage", aidmap.CategoryShelter}, {"maisondetransition", aidmap.CategoryShelter}, {"maisondhebergement", aidmap.CategoryShelter},
	{"dropin", aidmap.CategoryDropIn}, {"halte", aidmap.CategoryDropIn}, {"accueil", aidmap.CategoryDropIn},
	{"outreach", aidmap.CategoryOutreach}, {"travailderue", aidmap.CategoryOutreach},
	{"hygiene", aidmap.CategoryHygiene}, {"shower", aidmap.CategoryHygiene}, {"douche", aidmap.CategoryHygiene}, {"laundry", aidmap.CategoryHygiene},
	{"mentalhealth", aidmap.CategoryMentalHealth}, {"santementale", aidmap.CategoryMentalHealth}, {"counselling", aidmap.CategoryMentalHealth}, {"counseling", aidmap.CategoryMentalHealth},
	{"clinic", aidmap.CategoryClinic}, {"clinique", aidmap.CategoryClinic}, {"health", aidmap.CategoryClinic}, {"sante", aidmap.CategoryClinic}, {"medical", aidmap.CategoryClinic},
	{"legal", aidmap.CategoryLegalAid}, {"juridique", aidmap.CategoryLegalAid},
	{"newcomer", aidmap.CategoryNewcomer}, {"settlement", aidmap.CategoryNewcomer}, {"immigrant", aidmap.CategoryNewcomer},
	{"refugee", aidmap.CategoryNewcomer}, {"refugie", aidmap.CategoryNewcomer}, {"nouveauxarrivants", aidmap.CategoryNewcomer}, {"immigration", aidmap.CategoryNewcomer},
	{"clothing", aidmap.CategoryClothing}, {"clothes", aidmap.CategoryClothing}, {"vetement", aidmap.CategoryClothing},
}

func (c *converter) categories() []aidmap.Category {
	v := c.rec.Get(FieldCategory)
	if Missing(v) {
		// A file with no category column at all gets one note in the dialect, not one per row.
		if c.rec.Columns == nil || c.rec.Columns[FieldCategory] != "" {
			c.add(Warning, FieldCategory, "", "no category given; filed as other")
		}
		return []aidmap.Category{aidmap.CategoryOther}
	}
	var out []aidmap.Category
	seen := aidmap.CategorySet(0)
	for _, part := range splitList(v) {
		cat, ok := CategoryOf(part)
		if !ok {
			if byName, found := CategoryOf(c.rec.Get(FieldName)); found && byName != aidmap.CategoryOther {
				c.add(Warning, FieldCategory, part, "is not a category we know; filed as "+string(byName)+", as the site's name says")
				cat = byName
			} else {
				c.add(Warning, FieldCategory, part, "is not a category we know; filed as other")
				cat = aidmap.CategoryOther
			}
		}
		if !seen.Has(cat) && len(out) < aidmap.MaxCategories {
			seen |= aidmap.NewCategorySet(cat)
			out = append(out, cat)
		}
	}
	if len(out) == 0 {
		out = []aidmap.Category{aidmap.CategoryOther}
	}
	return out
}

// categoryKeys maps the normalised slug and label of each category to it.
var categoryKeys = func() map[string]aidmap.Category {
	m := map[string]aidmap.Category{}
	for _, info := range aidmap.Categories() {
		m[NormaliseKey(string(info.Slug))] = info.Slug
		m[NormaliseKey(info.Label)] = info.Slug
	}
	return m
}()

func CategoryOf(s string) (aidmap.Category, bool) {
	if c := aidmap.Category(s); c.Valid() {
		return c, true
	}
	k := NormaliseKey(s)
	if c, ok := categoryKeys[k]; ok {
		return c, true
	}
	for _, syn := range categorySynonyms {
		if strings.Contains(k, syn.key) {
			return syn.cat, true
		}
	}
	return "", false
}

// splitList splits a cell listing several values ("English; French", "Food bank, Meals").
func splitList(v string) []string {
	if !strings.ContainsAny(v, ";,|/\n") && !strings.Contains(v, " and ") {
		if v = strings.TrimSpace(v); v == "" {
			return nil
		}
		return []string{v}
	}
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == '|' || r == '/' || r == '\n' }) {
		for _, q := range strings.Split(p, " and ") {
			if q = strings.TrimSpace(q); q != "" {
				out = append(out, q)
			}
		}
	}
	return out
}

// phone keeps the first phone number of the cell, in +1 NNN-NNN-NNNN form for North American
// numbers (with any extension), else as written with whitespace tidied.
func (c *converter) phone(country string) string {
	v := oneLine(c.rec.Get(FieldPhone))
	if Missing(v) {
		return ""
	}
	main, ext := v, ""
	for _, sep := range []string{",", ";", "/", " or ", " ou "} { // a second number
		if i := strings.Index(main, sep); i > 0 {
			main = main[:i]
		}
	}
	lower := strings.ToLower(main)
	for _, sep := range []string{" ext.", " ext", " x", " poste", "#"} {
		if i := strings.Index(lower, sep); i > 0 {
			main, ext = main[:i], strings.TrimSpace(strings.TrimLeft(main[i+len(sep):], ". :"))
			break
		}
	}
	var digits []byte
	for i := 0; i < len(main); i++ {
		if isDigitByte(main[i]) {
			digits = append(digits, main[i])
		}
	}
	if len(digits) < 7 || len(digits) > 15 {
		c.add(Warning, FieldPhone, v, "is not a phone number (it needs 7 to 15 digits); left out")
		return ""
	}
	nanp := country == "" || country == "CA" || country == "US"
	if nanp && len(digits) == 11 && digits[0] == '1' {
		digits = digits[1:]
	}
	intl := strings.HasPrefix(strings.TrimSpace(main), "+")
	if nanp && len(digits) == 10 && (!intl || strings.HasPrefix(strings.TrimSpace(main), "+1")) {
		out := "+1 " + string(digits[:3]) + "-" + string(digits[3:6]) + "-" + string(digits[6:])
		if ext != "" {
			out += " ext. " + ext
		}
		return out
	}
	return v
}

func (c *converter) website() string {
	v := strings.TrimSpace(c.rec.Get(FieldWebsite))
	if Missing(v) {
		return ""
	}
	u := v
	if !strings.Contains(u, "://") {
		u = "https://" + u
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || !strings.Contains(p.Host, ".") || strings.ContainsAny(v, " \t\n") {
		c.add(Warning, FieldWebsite, v, "is not a web address such as https://example.org; left out")
		return ""
	}
	p.Scheme = strings.ToLower(p.Scheme)
	p.Host = strings.ToLower(p.Host)
	return p.String()
}

func (c *converter) email() string {
	v := strings.TrimSpace(c.rec.Get(FieldEmail))
	if Missing(v) {
		return ""
	}
	v2 := strings.TrimPrefix(strings.TrimPrefix(v, "mailto:"), "MAILTO:")
	a, err := mail.ParseAddress(v2)
	if err != nil || !strings.Contains(a.Address[strings.LastIndexByte(a.Address, '@')+1:], ".") {
		c.add(Warning, FieldEmail, v, "is not an e-mail address such as info@example.org; left out")
		return ""
	}
	return a.Address
}

var languageTags = map[string]string{
	"english": "en", "anglais": "en", "ingles": "en", "french": "fr", "francais": "fr", "spanish": "es",
	"espagnol": "es", "espanol": "es", "chinese": "zh", "chinois": "zh", "mandarin": "zh", "cantonese": "yue",
	"punjabi": "pa", "panjabi": "pa", "arabic": "ar", "arabe": "ar", "tagalog": "tl", "filipino": "fil",
	"vietnamese": "vi", "vietnamien": "vi", "korean": "ko", "coreen": "ko", "farsi": "fa", "persian": "fa",
	"persan": "fa", "dari": "prs", "hindi": "hi", "urdu": "ur", "portuguese": "pt", "portugais": "pt",
	"russian": "ru", "russe": "ru", "ukrainian": "uk", "ukrainien": "uk", "somali": "so", "tigrinya": "ti",
	"amharic": "am", "italian": "it", "italien": "it", "german": "de", "allemand": "de", "polish": "pl",
	"polonais": "pl", "japanese": "ja", "japonais": "ja", "turkish": "tr", "turc": "tr", "swahili": "sw",
	"tamil": "ta", "bengali": "bn", "gujarati": "gu", "greek": "el", "grec": "el", "hebrew": "he",
	"creole": "ht", "haitiancreole": "ht", "creolehaitien": "ht", "asl": "ase", "americansignlanguage": "ase",
	"lsq": "fcs", "cree": "cr", "ojibwe": "oj", "inuktitut": "iu", "romanian": "ro", "hungarian": "hu",
	"serbian": "sr", "croatian": "hr", "nepali": "ne", "thai": "th", "khmer": "km", "pashto": "ps",
	"kurdish": "ku", "dutch": "nl", "malay": "ms", "indonesian": "id", "burmese": "my", "karen": "kar",
	"yiddish": "yi", "hmong": "hmn", "haitian": "ht", "kreyol": "ht", "sinhala": "si", "lao": "lo",
	"armenian": "hy", "albanian": "sq", "bosnian": "bs", "czech": "cs", "slovak": "sk", "bulgarian": "bg",
}

func (c *converter) languages() []string {
	v := c.rec.Get(FieldLanguages)
	if Missing(v) {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, part := range splitList(v) {
		// "Spanish (limited)": the language, whatever the note about it says.
		if i := strings.IndexByte(part, '('); i > 0 && strings.HasSuffix(strings.TrimSpace(part), ")") {
			if _, ok := languageTags[NormaliseKey(part[:i])]; ok {
				part = strings.TrimSpace(part[:i])
			}
		}
		tag, ok := languageTags[NormaliseKey(part)]
		if !ok && isLanguageTag(part) {
			tag, ok = strings.ToLower(part[:2])+part[2:], true
		}
		if !ok {
			c.add(Warning, FieldLanguages, part, "is not a language we know; use a name such as French or a code such as fr")
			continue
		}
		if !seen[tag] && len(out) < aidmap.MaxLanguages {
			seen[tag] = true
			out = append(out, tag)
		}
	}
	return out
}

// isLanguageTag accepts the simple BCP 47 shapes lists use: "fr", "fil", "fr-CA", "zh-Hant".
func isLanguageTag(s string) bool {
	main, region, _ := strings.Cut(s, "-")
	if len(main) < 2 || len(main) > 3 || len(region) > 8 {
		return false
	}
	for _, r := range main + region {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return strings.ToLower(main) == main || strings.ToUpper(main) != main // "FR" is a country, not a language
}

// oneLine tidies a short field: line breaks become ", " (the Toronto file writes the city on a
// second line of the address) and runs of spaces one space.
func oneLine(s string) string {
	if tidy(s) {
		return s
	}
	if strings.ContainsRune(s, '\n') {
		var parts []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				parts = append(parts, strings.TrimRight(l, ","))
			}
		}
		s = strings.Join(parts, ", ")
	}
	return strings.Join(strings.Fields(s), " ")
}

// cleanText tidies long text: each line trimmed and its runs of spaces collapsed, blank lines
// kept single, so paragraphs survive.
func cleanText(s string) string {
	if tidy(s) {
		return s
	}
	if !strings.ContainsRune(s, '\n') {
		return strings.Join(strings.Fields(s), " ")
	}
	var lines []string
	blank := false
	for _, l := range strings.Split(s, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			blank = len(lines) > 0
			continue
		}
		if blank {
			lines = append(lines, "")
			blank = false
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// tidy reports whether s needs no tidying: ASCII spaces only, single, and not at either end.
// Most cells are like that, and checking is much cheaper than rebuilding them.
func tidy(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' && s[i+1] == ' ', c < ' ', c >= utf8.RuneSelf:
			return false
		}
	}
	return true
}
