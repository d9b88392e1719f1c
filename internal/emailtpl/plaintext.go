package emailtpl

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// PlainText turns the HTML part of a message into its plain-text part:
// headings and paragraphs become blocks separated by a blank line, line
// breaks stay, list items start with "- " (or "1. " in ordered lists),
// links read "text (url)", a horizontal rule is "----" and an image is
// its alt text. Scripts, styles, the head and hidden elements (the
// preheader) are left out. No tags and no entities remain.
func PlainText(src string) string {
	w := &textWriter{}
	w.b.Grow(len(src) / 3)
	z := html.NewTokenizer(strings.NewReader(src))
	var skip skipper
	var lists []int // per open list: -1 unordered, else the next number
	var links []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if skip.active() {
			if tt == html.StartTagToken || tt == html.EndTagToken {
				name, _ := z.TagName()
				skip.track(tt, atom.Lookup(name))
			}
			continue
		}
		switch tt {
		case html.TextToken:
			w.text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			tag := readTag(z)
			if tag.skipped() {
				if tt == html.StartTagToken && !isVoid(tag.atom) {
					skip.start(tag.atom)
				}
				continue
			}
			switch tag.atom {
			case atom.Ul:
				lists = append(lists, -1)
				w.block(2)
			case atom.Ol:
				lists = append(lists, 1)
				w.block(2)
			case atom.Li:
				w.block(1)
				w.raw(listMarker(lists))
			case atom.A:
				if tt == html.StartTagToken {
					links = append(links, tag.href)
					w.markLink()
				}
			default:
				startTag(w, tag)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch a := atom.Lookup(name); a {
			case atom.Ul, atom.Ol:
				if len(lists) > 0 {
					lists = lists[:len(lists)-1]
				}
				w.block(2)
			case atom.A:
				if len(links) > 0 {
					w.endLink(links[len(links)-1])
					links = links[:len(links)-1]
				}
			default:
				if n := blockLevel(a); n > 0 {
					w.block(n)
				}
			}
		}
	}
	return w.String()
}

// tagInfo is what PlainText needs of a start tag.
type tagInfo struct {
	atom   atom.Atom
	href   string
	alt    string
	hidden bool // display:none or the hidden attribute
}

// readTag reads the current start tag's name and the attributes that
// matter, without building a token.
func readTag(z *html.Tokenizer) tagInfo {
	name, more := z.TagName()
	t := tagInfo{atom: atom.Lookup(name)}
	for more {
		var key, val []byte
		key, val, more = z.TagAttr()
		switch string(key) {
		case "href":
			if t.atom == atom.A {
				t.href = string(val)
			}
		case "alt":
			if t.atom == atom.Img {
				t.alt = string(val)
			}
		case "style":
			t.hidden = t.hidden || displayNone(val)
		case "hidden":
			t.hidden = true
		}
	}
	return t
}

// displayNone reports whether a style attribute holds display:none (any
// case, any spaces).
func displayNone(style []byte) bool {
	const want = "display:none"
	i := 0
	for _, c := range style {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c == want[i] {
			i++
			if i == len(want) {
				return true
			}
		} else if c == want[0] {
			i = 1
		} else {
			i = 0
		}
	}
	return false
}

// skipped reports elements whose content is not part of the text.
func (t tagInfo) skipped() bool {
	switch t.atom {
	case atom.Head, atom.Title, atom.Style, atom.Script, atom.Noscript, atom.Template:
		return true
	}
	return t.hidden
}

// startTag handles the start of an element other than lists and links.
func startTag(w *textWriter, tag tagInfo) {
	switch tag.atom {
	case atom.Br:
		w.lineBreak()
	case atom.Hr:
		w.block(2)
		w.raw("----")
		w.block(2)
	case atom.Img:
		if alt := strings.TrimSpace(tag.alt); alt != "" {
			w.text(alt)
		}
	default:
		if n := blockLevel(tag.atom); n > 0 {
			w.block(n)
		}
	}
}

// listMarker returns "- " or the next number of the innermost list.
func listMarker(lists []int) string {
	if len(lists) == 0 || lists[len(lists)-1] < 0 {
		return "- "
	}
	n := lists[len(lists)-1]
	lists[len(lists)-1]++
	return strconv.Itoa(n) + ". "
}

// blockLevel says how an element separates text: 2 a blank line
// (headings, paragraphs), 1 a line break (other blocks), 0 inline.
func blockLevel(a atom.Atom) int {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.P, atom.Blockquote, atom.Pre, atom.Table:
		return 2
	case atom.Div, atom.Tr, atom.Td, atom.Th, atom.Li, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Center:
		return 1
	}
	return 0
}

func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.Hr, atom.Img, atom.Meta, atom.Link, atom.Input, atom.Area, atom.Base, atom.Col, atom.Embed, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// skipper follows the nesting of a skipped element until it ends.
type skipper struct {
	tag   atom.Atom
	name  string
	depth int
}

func (s *skipper) active() bool { return s.depth > 0 }

func (s *skipper) start(a atom.Atom) { s.tag, s.depth = a, 1 }

func (s *skipper) track(tt html.TokenType, a atom.Atom) {
	if a != s.tag {
		return
	}
	switch tt {
	case html.StartTagToken:
		s.depth++
	case html.EndTagToken:
		s.depth--
	}
}

// textWriter collects text, collapsing white space as a browser does and
// turning block boundaries into line breaks.
type textWriter struct {
	b        strings.Builder
	pending  int  // line breaks owed before the next text: 0, 1 or 2
	space    bool // a space is owed before the next text
	started  bool // some text was written
	linkText []int
}

func (w *textWriter) block(n int) {
	if w.started && n > w.pending {
		w.pending = n
	}
	w.space = false
}

func (w *textWriter) lineBreak() {
	if !w.started {
		return
	}
	if w.pending == 0 {
		w.b.WriteByte('\n')
	} else {
		w.pending = max(w.pending, 1)
	}
	w.space = false
}

// flush writes owed line breaks.
func (w *textWriter) flush() {
	if w.pending > 0 && w.started {
		w.b.WriteString(strings.Repeat("\n", w.pending))
	}
	w.pending = 0
}

func (w *textWriter) raw(s string) {
	w.flush()
	if w.space {
		w.b.WriteByte(' ')
	}
	w.space = false
	w.b.WriteString(s)
	w.started = true
}

func (w *textWriter) text(s string) {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lead := len(s) > 0 && isSpace(s[0])
	trail := len(s) > 0 && isSpace(s[len(s)-1])
	words := strings.Fields(s)
	if len(words) == 0 {
		if lead && w.started && !w.atLineStart() {
			w.space = true
		}
		return
	}
	if lead && w.started && !w.atLineStart() {
		w.space = true
	}
	w.raw(strings.Join(words, " "))
	w.space = trail
}

func (w *textWriter) atLineStart() bool {
	if w.pending > 0 {
		return true
	}
	s := w.b.String()
	return s == "" || s[len(s)-1] == '\n'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func (w *textWriter) markLink() {
	w.linkText = append(w.linkText, w.b.Len())
}

// endLink appends " (url)" after a link's text, unless the text is the
// address already or the link goes nowhere useful.
func (w *textWriter) endLink(href string) {
	start := w.linkText[len(w.linkText)-1]
	w.linkText = w.linkText[:len(w.linkText)-1]
	href = strings.TrimSpace(href)
	if href == "" || strings.HasPrefix(href, "#") {
		return
	}
	text := strings.TrimSpace(w.b.String()[min(start, w.b.Len()):])
	shown := strings.TrimPrefix(href, "mailto:")
	if text == href || text == shown {
		return
	}
	if text == "" {
		w.raw(shown)
		return
	}
	w.space = false
	w.b.WriteString(" (" + shown + ")")
}

func (w *textWriter) String() string {
	lines := strings.Split(w.b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
