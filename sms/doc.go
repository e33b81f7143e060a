// Package sms answers text messages: "food V6A 2K5" → the three nearest matching sites with
// distance, today's hours and phone, in the language of the message, in at most two SMS
// segments. It is transport-free: web adapts it to SMS gateways' webhooks (Twilio's form
// POST and TwiML, a JSON form for self-hosted gateways) and to GET /api/v1/text, and a USSD
// or voice gateway could call Engine.Answer the same way.
//
// The language a person can guess: a place (postal code, address or place name, for the
// geocoder) and optionally a need word (food, meal, bed, shower, clinic…) in any language of
// the map page, with case, accents and one typo forgiven, and "now"/"open" for places open
// now; "more" for the next three; "help". Anything else gets a short usage reply in the
// language it looked like.
//
// It asks the index through package query (what "active", "open now" and a need mean) and
// places through the geocoder (geocode), and imports the domain; its layer is in
// ARCHITECTURE.md, checked by internal/archtest. It keeps no message text or phone number:
// rate limits and "more" are kept for a while under a keyed hash of the number, with the
// point searched, what was asked and the geocoder's label of the place, in a
// store.SMSState (the store, so every replica sees them, or memory).
package sms
