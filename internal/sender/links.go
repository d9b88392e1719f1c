package sender

import (
	"regexp"
	"strings"
)

// hrefRe finds the href of a link: <a … href="…">. Only double- and
// single-quoted values are rewritten; templates write quoted attributes.
var hrefRe = regexp.MustCompile(`(?i)(<a\b[^>]*?\bhref\s*=\s*)("([^"]*)"|'([^']*)')`)

// RewriteLinks replaces the http(s) target of every link in html with
// wrap(target). Links to mailto:, tel:, anchors and the unsubscribe page
// (skip reports which) are left alone.
func RewriteLinks(html string, skip func(url string) bool, wrap func(url string) string) string {
	if !strings.Contains(html, "href") && !strings.Contains(html, "HREF") {
		return html
	}
	return hrefRe.ReplaceAllStringFunc(html, func(m string) string {
		sub := hrefRe.FindStringSubmatch(m)
		quote, target := `"`, sub[3]
		if sub[4] != "" || strings.HasSuffix(sub[2], "'") {
			quote, target = `'`, sub[4]
		}
		raw := unescapeAttr(strings.TrimSpace(target))
		lower := strings.ToLower(raw)
		if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") || skip(raw) {
			return m
		}
		return sub[1] + quote + escapeAttr(wrap(raw)) + quote
	})
}

// unescapeAttr undoes the entity escapes a template writes in an attribute.
func unescapeAttr(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return attrUnescaper.Replace(s)
}

var (
	attrUnescaper = strings.NewReplacer("&amp;", "&", "&#38;", "&", "&quot;", `"`, "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">")
	attrEscaper   = strings.NewReplacer("&", "&amp;", `"`, "&#34;", "'", "&#39;", "<", "&lt;", ">", "&gt;")
)

func escapeAttr(s string) string { return attrEscaper.Replace(s) }

// InsertBeforeBodyEnd puts snippet just before </body>, or at the end.
func InsertBeforeBodyEnd(html, snippet string) string {
	i := strings.LastIndex(strings.ToLower(html), "</body>")
	if i < 0 {
		return html + snippet
	}
	return html[:i] + snippet + html[i:]
}
