package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aidmap/aidmap"
	"github.com/aidmap/aidmap/demo"
	"github.com/aidmap/aidmap/geocode"
	"github.com/aidmap/aidmap/sms"
)

// The worked example of Twilio's "Webhooks security" page
// (https://www.twilio.com/docs/usage/security#validating-requests).
func TestTwilioSignatureDocumentedExample(t *testing.T) {
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+12349013030"},
		"Digits":  {"1234"},
		"From":    {"+12349013030"},
		"To":      {"+18005551212"},
	}
	const u, want = "https://mycompany.com/myapp.php?foo=1&bar=2", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
	if got := TwilioSignature("12345", u, params); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if !ValidTwilioSignature("12345", u, params, want) {
		t.Error("the documented signature does not validate")
	}
	params.Set("Digits", "9999")
	if ValidTwilioSignature("12345", u, params, want) {
		t.Error("a tampered body validates")
	}
	if ValidTwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", params, want) {
		t.Error("another URL validates")
	}
}

type smsEnv struct {
	srv  *httptest.Server
	logs *bytes.Buffer
}

func newSMSEnv(t *testing.T, cfg SMS, sites []aidmap.Site) *smsEnv {
	t.Helper()
	var logs bytes.Buffer
	src := snapshot{ix: publicIndex(sites, 1), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, Version: "test",
		Logger:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Geocoder: geocode.NewGeocoder(geocode.NewEmbedded(nil), nil, nil, nil), SMS: cfg}).Handler())
	t.Cleanup(srv.Close)
	return &smsEnv{srv: srv, logs: &logs}
}

// twilio posts a message as Twilio does: its usual fields, signed with token (none when "").
func (e *smsEnv) twilio(t *testing.T, token, from, body string, drop ...string) (*http.Response, string) {
	t.Helper()
	form := url.Values{
		"ToCountry": {"CA"}, "SmsMessageSid": {"SMbe794ce78f6b9fdf853d2acb76c080db"}, "NumMedia": {"0"},
		"SmsSid": {"SMbe794ce78f6b9fdf853d2acb76c080db"}, "SmsStatus": {"received"}, "Body": {body},
		"To": {"+16045550199"}, "NumSegments": {"1"}, "MessageSid": {"SMbe794ce78f6b9fdf853d2acb76c080db"},
		"AccountSid": {"AC00000000000000000000000000000000"}, "From": {from}, "ApiVersion": {"2010-04-01"},
	}
	for _, k := range drop {
		form.Del(k)
	}
	u := e.srv.URL + "/api/v1/sms/twilio"
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("X-Twilio-Signature", TwilioSignature(token, u, form))
	}
	return do(t, req)
}

func (e *smsEnv) gateway(t *testing.T, secret, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/sms/gateway", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Aidmap-Secret", secret)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

type twiML struct {
	Messages []string `xml:"Message"`
}

// listed reports whether a reply lists its nth site: "1. Name" or, in the compact form of
// UCS-2 replies, "1.Name".
func listed(reply string, n int) bool {
	return regexp.MustCompile(`(?m)^` + strconv.Itoa(n) + `\.`).MatchString(reply)
}

func checkFits(t *testing.T, text string) {
	t.Helper()
	enc, n := sms.Measure(text)
	if n > 2 {
		t.Errorf("%s reply takes %d segments, want at most 2: %q", enc, n, text)
	}
	if text == "" {
		t.Error("empty reply")
	}
}

func TestSMSTwilio(t *testing.T) {
	e := newSMSEnv(t, SMS{TwilioToken: "tok", PerNumberPerMinute: 3}, demo.Sites(300, 1))
	resp, body := e.twilio(t, "tok", "+16045550100", "food V6A 2K5")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
		t.Fatalf("status %d, type %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var tw twiML
	if err := xml.Unmarshal([]byte(body), &tw); err != nil || len(tw.Messages) != 1 {
		t.Fatalf("not TwiML with one Message (%v): %s", err, body)
	}
	checkFits(t, tw.Messages[0])
	if !strings.Contains(tw.Messages[0], "1. ") || !strings.Contains(tw.Messages[0], "km") {
		t.Errorf("no sites in %q", tw.Messages[0])
	}

	for _, tc := range []struct {
		name, token string
		drop        []string
		status      int
	}{
		{"bad signature", "other", nil, 403},
		{"no signature", "", nil, 403},
		{"no Body", "tok", []string{"Body"}, 400},
		{"no From", "tok", []string{"From"}, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.twilio(t, tc.token, "+16045550101", "food V6A 2K5", tc.drop...)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
		})
	}

	t.Run("flood", func(t *testing.T) {
		for i := range 4 {
			resp, body := e.twilio(t, "tok", "+1 604-555-0102", "help")
			want := 200
			if i == 3 {
				want = 429
			}
			if resp.StatusCode != want {
				t.Fatalf("message %d: status %d, want %d: %s", i+1, resp.StatusCode, want, body)
			}
		}
		// The same number written otherwise is the same number; another number is not limited.
		if resp, _ := e.twilio(t, "tok", "+16045550102", "help"); resp.StatusCode != 429 {
			t.Errorf("the same number without spaces: status %d, want 429", resp.StatusCode)
		}
		if resp, _ := e.twilio(t, "tok", "+16045550103", "help"); resp.StatusCode != 200 {
			t.Errorf("another number: status %d, want 200", resp.StatusCode)
		}
	})

	t.Run("more", func(t *testing.T) {
		first := twilioText(t, e, "+16045550104", "shelter V6A 2K5")
		next := twilioText(t, e, "+16045550104", "MORE")
		if first == next || !strings.Contains(next, "4. ") {
			t.Errorf("more did not give the next sites:\n%s\n---\n%s", first, next)
		}
		if other := twilioText(t, e, "+16045550105", "more"); strings.Contains(other, "1. ") {
			t.Errorf("more from another number listed sites: %s", other)
		}
	})

	t.Run("privacy", func(t *testing.T) {
		twilioText(t, e, "+16045550177", "clinic V5L 1A1 secretword")
		logs := e.logs.String()
		for _, leak := range []string{"6045550177", "604-555-0177", "secretword", "V5L"} {
			if strings.Contains(logs, leak) {
				t.Errorf("the logs hold %q:\n%s", leak, logs)
			}
		}
		if !strings.Contains(logs, "route=/api/v1/sms/twilio") {
			t.Errorf("the request was not logged by route:\n%s", logs)
		}
	})
}

func twilioText(t *testing.T, e *smsEnv, from, body string) string {
	t.Helper()
	resp, b := e.twilio(t, "tok", from, body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var tw twiML
	if err := xml.Unmarshal([]byte(b), &tw); err != nil || len(tw.Messages) != 1 {
		t.Fatalf("not TwiML: %s", b)
	}
	checkFits(t, tw.Messages[0])
	return tw.Messages[0]
}

type gatewayReply struct {
	To, Message, Encoding, Lang string
	Segments                    int
}

func TestSMSGateway(t *testing.T) {
	e := newSMSEnv(t, SMS{Secret: "s3cret", PerNumberPerMinute: 100}, demo.Sites(300, 1))
	for _, tc := range []struct {
		name, secret, body string
		status             int
	}{
		{"flat", "s3cret", `{"from":"+16045550100","text":"food V6A 2K5"}`, 200},
		{"android gateway", "s3cret", `{"event":"sms:received","deviceId":"x","payload":{"messageId":"m","message":"food V6A 2K5","phoneNumber":"+16045550100","simNumber":1,"receivedAt":"2026-03-10T14:30:00.000-07:00"}}`, 200},
		{"bad secret", "nope", `{"from":"+16045550100","text":"food V6A 2K5"}`, 403},
		{"no secret", "", `{"from":"+16045550100","text":"food V6A 2K5"}`, 403},
		{"no from", "s3cret", `{"text":"food V6A 2K5"}`, 400},
		{"no text", "s3cret", `{"from":"+16045550100"}`, 400},
		{"not JSON", "s3cret", `from=1&text=2`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.gateway(t, tc.secret, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status != 200 {
				return
			}
			var r gatewayReply
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				t.Fatal(err)
			}
			if r.To != "+16045550100" || r.Lang != "en" || !strings.Contains(r.Message, "1. ") {
				t.Errorf("reply %+v", r)
			}
			enc, n := sms.Measure(r.Message)
			if string(enc) != r.Encoding || n != r.Segments || n > 2 {
				t.Errorf("reply says %s in %d segments, measured %s in %d", r.Encoding, r.Segments, enc, n)
			}
		})
	}
}

// TestSMSLanguages sends a message in every language of the page, typos and places that do
// not geocode, through the gateway, and checks the language and the length of each reply.
func TestSMSLanguages(t *testing.T) {
	e := newSMSEnv(t, SMS{Secret: "k", PerNumberPerMinute: 1000}, demo.Sites(300, 1))
	for _, tc := range []struct {
		text, lang string
		sites      bool   // the reply lists sites
		has        string // the reply holds this
	}{
		{"food V6A 2K5", "en", true, "Near"},
		{"FOOD v6a2k5 now", "en", true, "open"},
		{"foood V6A 2K5", "en", true, "Near"},
		{"shwoer near V6A", "en", true, "Near"},
		{"clinc V5L", "en", true, "Near"},
		{"nourriture V6A 2K5", "fr", true, "Près de"},
		{"nouriture près de V6A", "fr", true, "Près de"},
		{"Hébergement V6A maintenant", "fr", true, "Près de"},
		{"comida V6A 2K5", "es", true, "Cerca de"},
		{"duchas cerca de V6A", "es", true, "Cerca de"},
		{"طعام V6A 2K5", "ar", true, "قرب"},
		{"مأوى V6A الآن", "ar", true, "قرب"},
		{"غذا V6A 2K5", "fa", true, "نزدیک"},
		{"سرپناه V6A", "fa", true, "نزدیک"},
		{"їжа V6A 2K5", "uk", true, "Біля"},
		{"притулок V6A", "uk", true, "Біля"},
		{"食物 V6A 2K5", "zh", true, "附近"},
		{"我需要洗澡V6A", "zh", true, "附近"},
		{"ਭੋਜਨ V6A 2K5", "pa", true, "ਨੇੜੇ"},
		{"pagkain V6A 2K5", "tl", true, "Malapit"},
		{"음식 V6A 2K5", "ko", true, "근처"},
		{"쉼터를 V6A", "ko", true, "근처"},
		{"help", "en", false, "MORE"},
		{"aide", "fr", false, "PLUS"},
		{"مساعدة", "ar", false, "المزيد"},
		{"کمک", "fa", false, "بیشتر"},
		{"hola", "es", false, "COMIDA"},
		{"bonjour", "fr", false, "NOURRITURE"},
		{"", "en", false, "FOOD"},
		{"food Qqqq Zzzz", "en", false, "Could not find"},
		{"طعام Qqqq", "ar", false, "لم نجد"},
		{"غذا Qqqq", "fa", false, "پیدا نشد"},
		{"食物 Qqqq", "zh", false, "找不到"},
		{strings.Repeat("food ", 300), "en", false, "FOOD"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"from": "+16045550100", "text": tc.text})
			resp, b := e.gateway(t, "k", string(body))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			var r gatewayReply
			if err := json.Unmarshal([]byte(b), &r); err != nil {
				t.Fatal(err)
			}
			if r.Lang != tc.lang {
				t.Errorf("lang %s, want %s", r.Lang, tc.lang)
			}
			if got := listed(r.Message, 1); got != tc.sites {
				t.Errorf("sites listed: %v, want %v", got, tc.sites)
			}
			if !strings.Contains(r.Message, tc.has) {
				t.Errorf("the reply does not hold %q", tc.has)
			}
			if r.Segments > 2 {
				t.Errorf("%d segments", r.Segments)
			}
			if t.Failed() {
				t.Logf("reply: %s", r.Message)
			}
		})
	}
}

func TestSMSOffByDefault(t *testing.T) {
	e := newSMSEnv(t, SMS{}, demo.Sites(10, 1))
	if resp, body := e.twilio(t, "x", "+16045550100", "food V6A"); resp.StatusCode != 404 {
		t.Errorf("twilio: status %d, want 404: %s", resp.StatusCode, body)
	}
	if resp, body := e.gateway(t, "", `{"from":"1","text":"food"}`); resp.StatusCode != 404 {
		t.Errorf("gateway: status %d, want 404: %s", resp.StatusCode, body)
	}
}

func TestTextEndpoint(t *testing.T) {
	e := newSMSEnv(t, SMS{}, demo.Sites(300, 1))
	resp, body := get(t, e.srv.URL+"/api/v1/text?q=food+V6A2K5")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, type %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if !strings.Contains(string(body), "1. ") || resp.Header.Get("X-SMS-Segments") == "" {
		t.Errorf("reply %q, segments %q", body, resp.Header.Get("X-SMS-Segments"))
	}
	checkFits(t, strings.TrimSuffix(string(body), "\n"))
	if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, q := range []string{"", "q=", "q=" + strings.Repeat("a", 481)} {
		if resp, body := get(t, e.srv.URL+"/api/v1/text?"+q); resp.StatusCode != 400 {
			t.Errorf("%q: status %d, want 400: %s", q, resp.StatusCode, body)
		}
	}
	if strings.Contains(e.logs.String(), "V6A") {
		t.Errorf("the logs hold the query:\n%s", e.logs)
	}
}

// TestTextRateLimited: /api/v1/text is limited per IP like the other public endpoints.
func TestTextRateLimited(t *testing.T) {
	src := snapshot{ix: publicIndex(demo.Sites(10, 1), 1), orgs: map[string]aidmap.Organization{"demo": demo.Organization()}}
	srv := httptest.NewServer(NewServer(Config{Source: src, Store: pinger{}, PublicPerMinute: 2}).Handler())
	t.Cleanup(srv.Close)
	var last int
	for range 3 {
		resp, _ := get(t, srv.URL+"/api/v1/text?q=help")
		last = resp.StatusCode
	}
	if last != 429 {
		t.Errorf("third request: status %d, want 429", last)
	}
}

// TestSMSConfidential: a confidential site is its name, "area only" and its phone: no street,
// postal code or locality, whatever the question.
func TestSMSConfidential(t *testing.T) {
	sites := demo.Sites(300, 1)
	for i := range sites {
		sites[i].Confidential = true
	}
	e := newSMSEnv(t, SMS{Secret: "k", PerNumberPerMinute: 1000}, sites)
	checked := 0
	for _, q := range []string{"food V6A 2K5", "shelter V6A", "bed V5L now", "طعام V6A", "食物 V6A"} {
		for _, more := range []bool{false, true} {
			text := q
			if more {
				text = "more"
			}
			body, _ := json.Marshal(map[string]string{"from": "+16045550100", "text": text})
			_, b := e.gateway(t, "k", string(body))
			var r gatewayReply
			if err := json.Unmarshal([]byte(b), &r); err != nil {
				t.Fatal(err)
			}
			if !listed(r.Message, 1) && !listed(r.Message, 4) {
				continue
			}
			checked++
			area := map[string]string{"en": "area only", "ar": "المنطقة فقط", "zh": "仅显示区域"}[r.Lang]
			if !strings.Contains(r.Message, area) {
				t.Errorf("%q: no %q in %q", text, area, r.Message)
			}
			for _, s := range sites {
				for _, secret := range []string{s.Address.Street, s.Address.PostalCode} {
					if secret != "" && strings.Contains(r.Message, secret) {
						t.Errorf("%q: the reply holds %q of a confidential site: %s", text, secret, r.Message)
					}
				}
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d replies listed sites", checked)
	}
}

// TestSMSKnowsPageLabels: the engine understands each category label of the page, in every
// language, as that category.
func TestSMSKnowsPageLabels(t *testing.T) {
	files, err := filepath.Glob("static/i18n/*.json")
	if err != nil || len(files) != len(sms.Languages) {
		t.Fatalf("%d language files (%v), want %d", len(files), err, len(sms.Languages))
	}
	for _, f := range files {
		lang := strings.TrimSuffix(filepath.Base(f), ".json")
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, c := range aidmap.Categories() {
			label := m["cat."+string(c.Slug)]
			if got := sms.CategoryLabels(lang)[c.Slug]; got != label {
				t.Errorf("%s %s: sms has %q, the page %q", lang, c.Slug, got, label)
			}
			if c.Slug == aidmap.CategoryOther {
				continue
			}
			if q := sms.Parse(label + " V6A"); !q.Needs.Has(c.Slug) || q.Place != "V6A" {
				t.Errorf("%s %q: needs %v, place %q", lang, label, q.Needs.Slice(), q.Place)
			}
		}
	}
}
