// Package ical writes iCalendar (RFC 5545) files: one VCALENDAR with one
// VEVENT, enough for a meeting or a visit to land in a calendar app.
// Lines are folded at 75 octets without splitting a UTF-8 character, and
// text values escape backslash, semicolon, comma and newlines.
package ical

import (
	"strings"
	"time"
)

// Event is one calendar event. Times are written in UTC.
type Event struct {
	UID         string
	Stamp       time.Time // DTSTAMP: when the file was made
	Start       time.Time
	End         time.Time
	Summary     string
	Description string
	Location    string
	Organizer   Person
	Attendees   []Person
}

// Person is an organizer or an attendee.
type Person struct {
	Name  string
	Email string
}

const stampLayout = "20060102T150405Z"

// Write renders the event as an iCalendar file with CRLF line ends.
func Write(e Event) []byte {
	var b strings.Builder
	line := func(s string) {
		b.WriteString(Fold(s))
		b.WriteString("\r\n")
	}
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Renkei//Renkei//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("BEGIN:VEVENT")
	line("UID:" + Escape(e.UID))
	line("DTSTAMP:" + e.Stamp.UTC().Format(stampLayout))
	line("DTSTART:" + e.Start.UTC().Format(stampLayout))
	if !e.End.IsZero() {
		line("DTEND:" + e.End.UTC().Format(stampLayout))
	}
	line("SUMMARY:" + Escape(e.Summary))
	if e.Description != "" {
		line("DESCRIPTION:" + Escape(e.Description))
	}
	if e.Location != "" {
		line("LOCATION:" + Escape(e.Location))
	}
	if e.Organizer.Email != "" {
		line("ORGANIZER" + cn(e.Organizer.Name) + ":mailto:" + e.Organizer.Email)
	}
	for _, p := range e.Attendees {
		if p.Email != "" {
			line("ATTENDEE" + cn(p.Name) + ";ROLE=REQ-PARTICIPANT:mailto:" + p.Email)
		}
	}
	line("END:VEVENT")
	line("END:VCALENDAR")
	return []byte(b.String())
}

// cn is a CN parameter: a quoted string, which may not hold a double quote
// or control characters (RFC 5545 §3.2), so those are dropped.
func cn(name string) string {
	name = strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		return ""
	}
	return `;CN="` + name + `"`
}

// Escape escapes a TEXT value: \ ; , and newlines (RFC 5545 §3.3.11).
func Escape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)
	return r.Replace(s)
}

// Unescape reverses Escape.
func Unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Fold splits a content line into lines of at most 75 octets, each
// continuation starting with a space, never inside a UTF-8 sequence.
// The result holds CRLF between the parts but not at its end.
func Fold(s string) string {
	const limit = 75
	if len(s) <= limit {
		return s
	}
	var b strings.Builder
	max := limit
	for len(s) > max {
		cut := max
		for cut > 0 && !startOfRune(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		max = limit - 1 // the leading space counts
	}
	b.WriteString(s)
	return b.String()
}

func startOfRune(c byte) bool { return c&0xC0 != 0x80 }

// Unfold joins folded lines and splits the file into content lines.
func Unfold(data []byte) []string {
	s := strings.ReplaceAll(string(data), "\r\n ", "")
	s = strings.ReplaceAll(s, "\r\n\t", "")
	return strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
}
