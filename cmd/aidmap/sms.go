package main

import (
	"fmt"
	"strings"

	"github.com/aidmap/aidmap/web"
)

// smsFlags configure the text-message webhooks of serve; all off by default.
type smsFlags struct {
	twilioToken, publicURL, secret, example *string
	perNumber                               *int
}

func addSMSFlags(fs *flagSet) smsFlags {
	return smsFlags{
		twilioToken: fs.String("sms-twilio-token", "", "Twilio auth token: turns on POST /api/v1/sms/twilio and checks X-Twilio-Signature with it; empty leaves it off (404)"),
		publicURL:   fs.String("sms-public-url", "", "scheme and host Twilio calls (https://aid.example.org), which its signature covers; empty takes them from each request"),
		secret:      fs.String("sms-secret", "", "shared secret of POST /api/v1/sms/gateway (self-hosted SMS gateways send it as X-Aidmap-Secret); empty leaves it off (404)"),
		perNumber:   fs.Int("sms-rate", 5, "text messages answered per phone number a minute (kept by a salted hash of the number, in memory)"),
		example:     fs.String("sms-example", "V6A 2K5", "a postal code or place of your area, used in the text-message instructions"),
	}
}

func (sf smsFlags) config() (web.SMS, error) {
	if *sf.perNumber < 1 {
		return web.SMS{}, fmt.Errorf("--sms-rate %d: want 1 or more", *sf.perNumber)
	}
	if u := *sf.publicURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return web.SMS{}, fmt.Errorf("--sms-public-url %q: want https://host (the URL Twilio is configured with, without the path)", u)
	}
	return web.SMS{TwilioToken: *sf.twilioToken, PublicURL: *sf.publicURL, Secret: *sf.secret,
		PerNumberPerMinute: *sf.perNumber, Example: *sf.example}, nil
}
