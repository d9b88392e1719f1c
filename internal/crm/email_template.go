package crm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"renkei/internal/emailtpl"
)

// E-mail templates (issue 8 §2): the message a broadcast or a sequence
// step sends. A template is a list of blocks (heading, text, image,
// button, divider, columns) rendered to e-mail-safe HTML, or HTML source
// written by hand. Its subject, preheader, block texts, labels, URLs'
// query parts and source may use merge fields (crm.MergeFields); every
// one is parsed with emailtpl when the template is saved, so a template
// that reaches for anything else is refused with its place.

// EmailEditor says how a template's body is written.
type EmailEditor string

// Editors.
const (
	EditorBlocks EmailEditor = "blocks"
	EditorHTML   EmailEditor = "html"
)

// Block types.
const (
	BlockHeading = "heading"
	BlockText    = "text"
	BlockImage   = "image"
	BlockButton  = "button"
	BlockDivider = "divider"
	BlockColumns = "columns"
)

// Limits of a template.
const (
	MaxEmailBlocks   = 60        // blocks in all, columns' blocks included
	MaxEmailText     = 10000     // characters of one text block
	MaxEmailHeading  = 200       // characters of a heading, subject or preheader
	MaxEmailLabel    = 60        // characters of a button label
	MaxEmailURL      = 2000      // bytes of a URL
	MaxEmailHTML     = 200 << 10 // bytes of HTML source
	EmailWidth       = 600       // pixels: the message's width
	maxEmailNameRune = 100
)

// ButtonColors is the palette of buttons: key → CSS colour.
var ButtonColors = []struct{ Key, Hex string }{
	{"blue", "#2563eb"},
	{"green", "#16a34a"},
	{"orange", "#ea580c"},
	{"red", "#dc2626"},
	{"black", "#111827"},
}

// buttonColor returns the hex of a palette key ("" when unknown).
func buttonColor(key string) string {
	for _, c := range ButtonColors {
		if c.Key == key {
			return c.Hex
		}
	}
	return ""
}

// EmailTemplate is a saved message.
type EmailTemplate struct {
	ID        int64
	Name      string
	Locale    Language
	Subject   string
	Preheader string
	Editor    EmailEditor
	Blocks    []EmailBlock
	HTML      string // the source, editor html
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// EmailBlock is one block of a template. Which fields count depends on
// the type: heading (Text, Level 1 or 2), text (Text: paragraphs split by
// blank lines, line breaks kept, **bold** and [label](url) links), image
// (Src, Alt, Width, Link), button (Label, URL, Color), divider, and
// columns (Columns: 2 or 3 lists of blocks other than columns).
type EmailBlock struct {
	Type    string         `json:"type"`
	Text    string         `json:"text,omitempty"`
	Level   int            `json:"level,omitempty"`
	Src     string         `json:"src,omitempty"`
	Alt     string         `json:"alt,omitempty"`
	Width   int            `json:"width,omitempty"`
	Link    string         `json:"link,omitempty"`
	Label   string         `json:"label,omitempty"`
	URL     string         `json:"url,omitempty"`
	Color   string         `json:"color,omitempty"`
	Columns [][]EmailBlock `json:"columns,omitempty"`
}

// Normalize trims names and fills defaults.
func (t *EmailTemplate) Normalize() {
	t.Name = strings.TrimSpace(t.Name)
	t.Subject = strings.TrimSpace(t.Subject)
	t.Preheader = strings.TrimSpace(t.Preheader)
	if t.Locale == "" {
		t.Locale = LangJA
	}
	if t.Editor == "" {
		t.Editor = EditorBlocks
	}
	for i := range t.Blocks {
		t.Blocks[i].normalize()
	}
}

func (b *EmailBlock) normalize() {
	b.Type = strings.TrimSpace(b.Type)
	b.Src, b.Link, b.URL = strings.TrimSpace(b.Src), strings.TrimSpace(b.Link), strings.TrimSpace(b.URL)
	b.Alt, b.Label = strings.TrimSpace(b.Alt), strings.TrimSpace(b.Label)
	b.Text = strings.ReplaceAll(b.Text, "\r\n", "\n")
	if b.Type == BlockHeading && b.Level == 0 {
		b.Level = 1
	}
	if b.Type == BlockButton && b.Color == "" {
		b.Color = "blue"
	}
	for _, col := range b.Columns {
		for i := range col {
			col[i].normalize()
		}
	}
}

// Validate checks the template: the name, the locale, the subject, the
// blocks (or the source) and every merge field, each with its place
// ("blocks[2].url", "blocks[3].columns[1][0].text").
func (t EmailTemplate) Validate() error {
	v := &ValidationError{}
	switch n := utf8.RuneCountInString(t.Name); {
	case n == 0:
		v.Add("name", "enter a name")
	case n > maxEmailNameRune:
		v.Add("name", "use at most 100 characters")
	}
	if t.Locale != LangJA && t.Locale != LangEN {
		v.Add("locale", "choose ja or en")
	}
	if t.Subject == "" {
		v.Add("subject", "enter a subject")
	}
	checkMergeLine(v, "subject", t.Subject)
	checkMergeLine(v, "preheader", t.Preheader)
	switch t.Editor {
	case EditorBlocks:
		validateBlocks(v, t.Blocks)
	case EditorHTML:
		switch {
		case strings.TrimSpace(t.HTML) == "":
			v.Add("html", "enter the HTML of the message")
		case len(t.HTML) > MaxEmailHTML:
			v.Add("html", "the HTML is larger than 200 KB")
		default:
			checkMerge(v, "html", t.HTML)
		}
	default:
		v.Add("editor", "choose blocks or html")
	}
	return v.Err()
}

// checkMergeLine checks a one-line text with merge fields (subject, preheader).
func checkMergeLine(v *ValidationError, field, s string) {
	switch {
	case utf8.RuneCountInString(s) > MaxEmailHeading:
		v.Add(field, "use at most 200 characters")
	case strings.ContainsAny(s, "\r\n"):
		v.Add(field, "must be on one line")
	default:
		checkMerge(v, field, s)
	}
}

// checkMerge parses s as a template of merge fields and records the
// problem, if any.
func checkMerge(v *ValidationError, field, s string) {
	if _, err := ParseMerge(s); err != nil {
		v.Add(field, err.Error())
	}
}

// ParseMerge parses text that may hold merge fields, allowing only
// crm.MergeFields. Its error is a message for a person.
func ParseMerge(s string) (*emailtpl.Template, error) {
	t, err := emailtpl.Parse(s, IsMergeField)
	if err != nil {
		return nil, errors.New(MergeProblem(err))
	}
	return t, nil
}

// MergeProblem words an emailtpl error for a person; the Japanese
// translation follows the same shapes (i18n).
func MergeProblem(err error) string {
	var e *emailtpl.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	msg := e.Msg
	if strings.HasSuffix(msg, "is not a known field") || strings.Contains(msg, "is not a field:") {
		tag, _, _ := strings.Cut(msg, "}}")
		msg = tag + "}} is not a merge field; use one from the list"
	}
	if e.Line > 1 {
		msg += fmt.Sprintf(" (line %d)", e.Line)
	}
	return msg
}

// validateBlocks checks the top-level blocks.
func validateBlocks(v *ValidationError, blocks []EmailBlock) {
	if len(blocks) == 0 {
		v.Add("blocks", "add at least one block")
		return
	}
	n := 0
	for i, b := range blocks {
		n++
		for _, col := range b.Columns {
			n += len(col)
		}
		b.validate(v, fmt.Sprintf("blocks[%d]", i), true)
	}
	if n > MaxEmailBlocks {
		v.Add("blocks", "use at most 60 blocks")
	}
}

// validate checks one block; path is its place.
func (b EmailBlock) validate(v *ValidationError, path string, top bool) {
	switch b.Type {
	case BlockHeading:
		switch {
		case strings.TrimSpace(b.Text) == "":
			v.Add(path+".text", "enter the heading")
		default:
			checkMergeLine(v, path+".text", b.Text)
		}
		if b.Level != 1 && b.Level != 2 {
			v.Add(path+".level", "choose a large or a small heading")
		}
	case BlockText:
		switch {
		case strings.TrimSpace(b.Text) == "":
			v.Add(path+".text", "enter the text")
		case utf8.RuneCountInString(b.Text) > MaxEmailText:
			v.Add(path+".text", "use at most 10,000 characters")
		default:
			checkMerge(v, path+".text", b.Text)
			for _, l := range textLinks(b.Text) {
				if msg := checkURL(l, false); msg != "" {
					v.Add(path+".text", msg)
					break
				}
			}
		}
	case BlockImage:
		if msg := checkURL(b.Src, true); msg != "" {
			v.Add(path+".src", msg)
		}
		if utf8.RuneCountInString(b.Alt) > MaxEmailHeading {
			v.Add(path+".alt", "use at most 200 characters")
		} else {
			checkMerge(v, path+".alt", b.Alt)
		}
		if b.Width < 0 || b.Width > EmailWidth {
			v.Add(path+".width", "enter a width from 1 to 600 pixels, or leave it empty")
		}
		if b.Link != "" {
			if msg := checkURL(b.Link, false); msg != "" {
				v.Add(path+".link", msg)
			}
		}
	case BlockButton:
		switch {
		case b.Label == "":
			v.Add(path+".label", "enter the button's label")
		case utf8.RuneCountInString(b.Label) > MaxEmailLabel:
			v.Add(path+".label", "use at most 60 characters")
		default:
			checkMergeLine(v, path+".label", b.Label)
		}
		if msg := checkURL(b.URL, false); msg != "" {
			v.Add(path+".url", msg)
		}
		if buttonColor(b.Color) == "" {
			v.Add(path+".color", "choose one of the colours")
		}
	case BlockDivider:
	case BlockColumns:
		if !top {
			v.Add(path+".type", "columns cannot hold columns")
			return
		}
		if len(b.Columns) != 2 && len(b.Columns) != 3 {
			v.Add(path+".columns", "use 2 or 3 columns")
			return
		}
		for c, col := range b.Columns {
			for i, inner := range col {
				inner.validate(v, fmt.Sprintf("%s.columns[%d][%d]", path, c, i), false)
			}
		}
	default:
		v.Add(path+".type", "choose a heading, text, image, button, divider or columns")
	}
}

// checkURL checks a link or image address: http or https (images), or
// also mailto (links); merge fields only in the query part. It returns a
// message, or "".
func checkURL(raw string, image bool) string {
	switch {
	case raw == "":
		if image {
			return "enter the image's address (https://…)"
		}
		return "enter the address the link opens (https://…)"
	case len(raw) > MaxEmailURL:
		return "use at most 2,000 characters"
	case strings.ContainsAny(raw, " \t\r\n\"<>\\"):
		return "an address cannot hold spaces, quotes or < >"
	}
	base, query, _ := strings.Cut(raw, "?")
	if strings.Contains(base, "{{") {
		return "merge fields may only be used after ? in an address"
	}
	if _, err := ParseMerge(query); err != nil {
		return err.Error()
	}
	u, err := url.Parse(base)
	if err != nil {
		return "is not a valid address"
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return "is not a valid address"
		}
		return ""
	case "mailto":
		if !image && u.Opaque != "" {
			return ""
		}
	}
	if image {
		return "use an http:// or https:// address"
	}
	return "use an http://, https:// or mailto: address"
}

// textLinks lists the URLs of [label](url) links in a text block.
func textLinks(s string) []string {
	var out []string
	for _, m := range linkRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[2])
	}
	return out
}

// linkRE is a [label](url) link of a text block.
var linkRE = regexp.MustCompile(`\[([^\[\]\n]+)\]\(([^()\s]+)\)`)

// ParseEmailBlocks reads a block list from JSON.
func ParseEmailBlocks(data []byte) ([]EmailBlock, error) {
	var out []EmailBlock
	if len(data) == 0 {
		return nil, nil
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, Invalid("blocks", "the blocks are not valid JSON")
	}
	return out, nil
}

// BlocksJSON is the stored form of a block list.
func BlocksJSON(blocks []EmailBlock) string {
	if len(blocks) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(blocks)
	return string(b)
}
