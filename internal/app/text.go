package app

import (
	"strings"
	"unicode/utf8"
)

// clip makes client-supplied text storable: valid UTF-8 without NUL
// bytes, at most n characters (never cut inside one).
func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
