package sender

import (
	"html"
	"regexp"
	"strings"
)

var (
	dropRe  = regexp.MustCompile(`(?is)<(head|style|script|title)\b.*?</(head|style|script|title)\s*>`)
	linkRe  = regexp.MustCompile(`(?is)<a\b[^>]*?\bhref\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a\s*>`)
	breakRe = regexp.MustCompile(`(?i)<(br|/p|/div|/h[1-6]|/li|/tr|hr)\b[^>]*>`)
	tagRe   = regexp.MustCompile(`(?s)<[^>]*>`)
	spaceRe = regexp.MustCompile(`[ \t]+`)
	blankRe = regexp.MustCompile(`\n\s*\n\s*\n+`)
)

// PlainText is a simple text part made from HTML: links become
// "text (url)", block ends become line breaks, tags go, entities are
// decoded. (The templates' own generator can replace it.)
func PlainText(h string) string {
	h = dropRe.ReplaceAllString(h, "")
	h = linkRe.ReplaceAllStringFunc(h, func(m string) string {
		sub := linkRe.FindStringSubmatch(m)
		text := strings.TrimSpace(tagRe.ReplaceAllString(sub[2], ""))
		url := html.UnescapeString(sub[1])
		if text == "" || html.UnescapeString(text) == url {
			return url
		}
		return text + " (" + url + ")"
	})
	h = breakRe.ReplaceAllString(h, "\n")
	h = tagRe.ReplaceAllString(h, "")
	h = html.UnescapeString(h)
	h = spaceRe.ReplaceAllString(h, " ")
	lines := strings.Split(h, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	h = blankRe.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.TrimSpace(h) + "\n"
}
