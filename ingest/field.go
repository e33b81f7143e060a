package ingest

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field is one of our fields that a column can fill. Its String is the name used in mapping
// files and reports ("name", "postal_code", ...).
type Field uint8

// Fields. Address parts follow aidmap.Address; Coordinates is one column holding both numbers
// ("49.28,-123.1", "POINT(-123.1 49.28)"), split by the reader into Lat and Lon.
const (
	FieldNone Field = iota
	FieldID
	FieldName
	FieldAddress // street address, or the whole address on one or several lines
	FieldUnit
	FieldCity
	FieldRegion // province, state, territory
	FieldPostalCode
	FieldCountry
	FieldLat
	FieldLon
	FieldCoordinates
	FieldHours
	FieldPhone
	FieldWebsite
	FieldEmail
	FieldCategory
	FieldDescription
	FieldLanguages
	FieldEligibility
	FieldFees
	FieldAccessibility
	FieldConfidential
	FieldStatus
	// FieldExclude holds a yes/no "do not publish" flag, such as iCarol's ExcludeFromWebsite.
	FieldExclude
	NumFields
)

var fieldNames = [NumFields]string{
	"", "id", "name", "address", "unit", "city", "region", "postal_code", "country", "lat", "lon",
	"coordinates", "hours", "phone", "website", "email", "category", "description", "languages",
	"eligibility", "fees", "accessibility", "confidential", "status", "exclude",
}

func (f Field) String() string {
	if f < NumFields {
		return fieldNames[f]
	}
	return "field(" + strconv.Itoa(int(f)) + ")"
}

// Fields returns every field a column can be mapped to, in a fixed order.
func Fields() []Field {
	out := make([]Field, 0, NumFields-1)
	for f := FieldID; f < NumFields; f++ {
		out = append(out, f)
	}
	return out
}

// ParseField returns the field named s: our own name ("postal_code") or any header synonym we
// recognise ("Code postal", "zip").
func ParseField(s string) (Field, bool) {
	k := NormaliseKey(s)
	for f := FieldID; f < NumFields; f++ {
		if NormaliseKey(fieldNames[f]) == k {
			return f, true
		}
	}
	if s, ok := synonyms[k]; ok {
		return s.field, true
	}
	return FieldNone, false
}

// HeaderField returns the field a header (normalised by NormaliseKey) names, and its rank
// among that field's synonyms: lower is better, for when several columns could fill one field.
func HeaderField(key string) (f Field, rank int, ok bool) {
	s, ok := synonyms[key]
	return s.field, s.rank, ok
}

// synonym is a header a column may carry, with its rank among the field's synonyms (lower is
// better) for when several columns could fill the same field.
type synonym struct {
	field Field
	rank  int
}

// synonymLists gives, per field, the headers we recognise, best first. They are written as
// people write them; matching uses normaliseKey, so case, accents, spaces, punctuation and
// camelCase do not matter ("Code postal" = "code_postal" = "CodePostal").
//
// Names of organisations come after names of programmes and sites: a file with both
// "Organization" and "Program Name" describes one site per programme. iCarol/AIRS 211 export
// columns are listed with their fields (ResourceAgencyNum, PublicName, Physical*, ...).
// iCarol's TaxonomyLevelName is not a category but the record's level (Agency, Site, Program,
// ProgramAtSite), which ingest/icarol reads; its categories are in TaxonomyTerms.
var synonymLists = [NumFields][]string{
	FieldID: {"id", "site id", "shelter id", "facility id", "agency id", "location id", "record id", "external id", "program id", "service id",
		"uid", "identifier", "identifiant", "ResourceAgencyNum", "resource num", "agency num",
		"reference", "ref"},
	FieldName: {"name", "site name", "location name", "program name", "programme name", "program",
		"programme", "service name", "PublicName", "title", "nom", "nom du site",
		"nom du programme", "nom du service", "titre", "facility", "facility name",
		"organization name", "organisation name", "organization", "organisation", "agency name",
		"agency", "operator name", "operator", "provider name", "provider",
		"nom de l'organisme", "organisme", "nom de l'organisation", "établissement", "AgencyName"},
	FieldAddress: {"address", "street address", "street", "address 1", "address line 1", "addr",
		"PhysicalAddress1", "physical address", "civic address", "full address", "site address",
		"location address", "mailing address", "adresse", "adresse 1", "adresse civique", "rue",
		"adresse postale"},
	FieldUnit: {"unit", "suite", "apt", "apartment", "address 2", "address line 2",
		"PhysicalAddress2", "unité", "bureau", "local", "appartement", "adresse 2"},
	FieldCity: {"city", "town", "municipality", "ville", "locality", "PhysicalCity", "community",
		"city name", "municipalité", "localité", "city/town"},
	FieldRegion: {"province", "state", "region", "state/province", "province/state",
		"PhysicalStateProvince", "prov", "territory", "état", "province/territory", "région"},
	FieldPostalCode: {"postal code", "zip", "zip code", "postcode", "post code", "code postal",
		"PhysicalPostalCode", "postal", "cp", "zip/postal code", "postal/zip code", "postal/zip"},
	FieldCountry: {"country", "country code", "pays", "PhysicalCountry"},
	FieldLat: {"lat", "latitude", "y", "y coord", "y coordinate", "PhysicalLatitude", "lat dd",
		"latitude (wgs84)", "geo lat", "location latitude"},
	FieldLon: {"lon", "lng", "long", "longitude", "x", "x coord", "x coordinate",
		"PhysicalLongitude", "lon dd", "longitude (wgs84)", "geo lon", "geo lng",
		"location longitude"},
	FieldCoordinates: {"coordinates", "coordinate", "coords", "lat,lon", "lat,lng", "lat,long",
		"lon,lat", "lng,lat", "long,lat", "x,y", "y,x", "latlon", "latlng", "lonlat", "lnglat",
		"location", "geo", "geolocation", "geo location", "point", "geom", "geometry", "the_geom",
		"wkt", "gps", "position", "coordonnées", "coordonnées gps", "lat/lon", "lat/long",
		"lon/lat"},
	FieldHours: {"hours", "opening hours", "opening_hours", "schedule", "HoursOfOperation",
		"hours of operation", "open hours", "business hours", "heures", "heures d'ouverture",
		"horaire", "horaires", "times"},
	FieldPhone: {"phone", "telephone", "phone number", "tel", "Phone1Number", "phone 1",
		"main phone", "contact phone", "téléphone", "numéro de téléphone", "tél"},
	FieldWebsite: {"website", "url", "web", "web site", "webpage", "homepage", "website url",
		"site web", "site internet", "WebsiteAddress"},
	FieldEmail: {"email", "e-mail", "email address", "contact email", "courriel", "mail",
		"adresse courriel", "EmailAddressMain"},
	FieldCategory: {"category", "categories", "type", "service type", "site type", "kind",
		"catégorie", "type de service", "taxonomy", "service category", "TaxonomyTerms", "TaxonomyTerm"},
	FieldDescription: {"description", "details", "notes", "programme description",
		"program description", "service description", "AgencyDescription", "desc", "remarques"},
	FieldLanguages: {"languages", "language", "langues", "langue", "LanguagesOffered",
		"languages spoken", "languages offered"},
	FieldEligibility: {"eligibility", "who can use", "population served", "program population served",
		"admissibilité", "éligibilité", "clientèle", "Eligibility"},
	FieldFees: {"fees", "fee", "cost", "price", "meal cost", "frais", "coût", "tarif", "FeeStructureSource"},
	FieldAccessibility: {"accessibility", "wheelchair accessible", "accessible", "accessibilité",
		"DisabilitiesAccess"},
	FieldConfidential: {"confidential", "private", "PhysicalAddressIsPrivate", "address is private",
		"confidentiel", "hidden"},
	FieldStatus: {"status", "AgencyStatus", "program status", "site status", "statut", "active",
		"is active"},
	FieldExclude: {"ExcludeFromWebsite", "exclude", "exclude from website", "do not publish",
		"hide from website"},
}

// synonyms maps normaliseKey(header) to its field and rank.
var synonyms = func() map[string]synonym {
	m := make(map[string]synonym)
	for f := FieldID; f < NumFields; f++ {
		for rank, s := range synonymLists[f] {
			k := NormaliseKey(s)
			if _, dup := m[k]; dup {
				continue // the first field listing a header keeps it
			}
			m[k] = synonym{f, rank}
		}
	}
	return m
}()

// coordinateOrderOfHeader tells the order of a combined coordinates column from its header,
// when the header says it.
func CoordinateOrderOfHeader(header string) CoordinateOrder {
	switch NormaliseKey(header) {
	case "lonlat", "lnglat", "longlat", "xy", "longitudelatitude":
		return LonLat
	case "latlon", "latlng", "latlong", "yx", "latitudelongitude":
		return LatLon
	}
	return OrderUnknown
}

// normaliseKey reduces a header to lower-case ASCII letters and digits: accents are dropped,
// everything else (spaces, punctuation, underscores) removed, so "Nom de l'organisme",
// "NOM_DE_L'ORGANISME" and "nomDeLOrganisme" all become "nomdelorganisme".
func NormaliseKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				b.WriteRune(r)
			case 'A' <= r && r <= 'Z':
				b.WriteRune(r + 'a' - 'A')
			}
			continue
		}
		r = foldAccent(unicode.ToLower(r))
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldAccent returns the unaccented letter of a lower-case Latin letter with a diacritic (the
// ones French, Spanish, Portuguese and German headers use), or r itself.
func foldAccent(r rune) rune {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å':
		return 'a'
	case 'ç':
		return 'c'
	case 'è', 'é', 'ê', 'ë':
		return 'e'
	case 'ì', 'í', 'î', 'ï':
		return 'i'
	case 'ñ':
		return 'n'
	case 'ò', 'ó', 'ô', 'õ', 'ö':
		return 'o'
	case 'ù', 'ú', 'û', 'ü':
		return 'u'
	case 'ý', 'ÿ':
		return 'y'
	case 'œ':
		return 'o' // "œ" → "o" is lossy but only ever compared with other keys
	}
	return r
}
