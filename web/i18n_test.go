package web

import (
	"encoding/json"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
)

// The map page's strings live in static/i18n/{lang}.json, one file per language, with English
// as the reference. These tests keep the files in step with each other and with the code that
// reads them, so a new string cannot ship untranslated or a language file drift.

var (
	// A quoted literal that looks like a string key ('list.count', "error.load") in app.js:
	// t('key'), showNotice('key'), a ? 'key1' : 'key2'. Dynamic keys (`cat.${slug}`) are
	// checked against the taxonomy instead.
	keyLiteral = regexp.MustCompile(`['"]((?:app|map|search|locate|filter|list|status|open|details|share|offline|error|cat|lang)\.[A-Za-z_]+)['"]`)
	// data-i18n="key" and data-i18n-aria="key" in index.html (and in app.js's markup).
	dataI18n = regexp.MustCompile(`data-i18n(?:-aria)?['"]?\s*[=:]\s*['"]([^'"]+)['"]`)
	// {name} placeholders in a string.
	placeholder = regexp.MustCompile(`\{(\w+)\}`)
	// const LANGS = ['en', 'fr', ...]; in app.js.
	langsDecl = regexp.MustCompile(`const LANGS = \[([^\]]*)\]`)
)

func readStrings(t *testing.T, static fs.FS, lang string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(static, "i18n/"+lang+".json")
	if err != nil {
		t.Fatalf("language %s: %v", lang, err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("i18n/%s.json: %v", lang, err)
	}
	return m
}

// appLanguages returns the languages app.js offers, from its LANGS declaration.
func appLanguages(t *testing.T, static fs.FS) []string {
	t.Helper()
	src, err := fs.ReadFile(static, "app.js")
	if err != nil {
		t.Fatal(err)
	}
	m := langsDecl.FindSubmatch(src)
	if m == nil {
		t.Fatal("app.js has no const LANGS = [...] declaration")
	}
	var langs []string
	for _, part := range strings.Split(string(m[1]), ",") {
		if l := strings.Trim(strings.TrimSpace(part), `'"`); l != "" {
			langs = append(langs, l)
		}
	}
	return langs
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestI18nFilesAgree checks that every language file has exactly the English file's keys, no
// empty string, and the same {placeholders} in each string; and that every file in i18n/ is a
// language the page offers.
func TestI18nFilesAgree(t *testing.T) {
	static := embeddedStatic()
	langs := appLanguages(t, static)
	for _, want := range []string{"en", "fr", "es", "ar", "fa", "uk", "zh", "pa", "tl", "ko"} {
		if !slices.Contains(langs, want) {
			t.Errorf("app.js LANGS = %v lacks %s", langs, want)
		}
	}
	en := readStrings(t, static, "en")
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			got := readStrings(t, static, lang)
			for _, k := range slices.Sorted(maps.Keys(en)) {
				v, ok := got[k]
				switch {
				case !ok:
					t.Errorf("missing key %q", k)
				case strings.TrimSpace(v) == "":
					t.Errorf("key %q is empty", k)
				case !slices.Equal(placeholders(v), placeholders(en[k])):
					t.Errorf("key %q: got placeholders %v in %q, want %v as in English", k, placeholders(v), v, placeholders(en[k]))
				}
			}
			for _, k := range slices.Sorted(maps.Keys(got)) {
				if _, ok := en[k]; !ok {
					t.Errorf("extra key %q (not in en.json)", k)
				}
			}
		})
	}
	files, err := fs.Glob(static, "i18n/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		lang := strings.TrimSuffix(strings.TrimPrefix(f, "i18n/"), ".json")
		if !slices.Contains(langs, lang) {
			t.Errorf("%s is not offered by app.js (LANGS = %v)", f, langs)
		}
	}
}

// TestI18nKeysUsed checks that every key the page asks for exists in English (and so, by
// TestI18nFilesAgree, in every language): quoted key literals, data-i18n attributes, and
// the keys built from the taxonomy (cat.{slug}) and site statuses (status.{status}).
func TestI18nKeysUsed(t *testing.T) {
	static := embeddedStatic()
	en := readStrings(t, static, "en")
	used := map[string]string{}
	for _, file := range []string{"app.js", "index.html"} {
		src, err := fs.ReadFile(static, file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyLiteral.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = file
		}
		for _, m := range dataI18n.FindAllStringSubmatch(string(src), -1) {
			used[m[1]] = file
		}
	}
	if len(used) < 30 {
		t.Fatalf("found only %d string keys in app.js and index.html: the patterns no longer match the code", len(used))
	}
	for _, c := range aidmap.Categories() {
		used["cat."+string(c.Slug)] = "the taxonomy"
	}
	for _, s := range []aidmap.Status{aidmap.StatusTemporarilyClosed, aidmap.StatusClosed} {
		used["status."+string(s)] = "site statuses"
	}
	for _, k := range slices.Sorted(maps.Keys(used)) {
		if _, ok := en[k]; !ok {
			t.Errorf("%s uses string %q, which en.json lacks", used[k], k)
		}
	}
}
