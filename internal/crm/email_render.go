package crm

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"

	"renkei/internal/emailtpl"
)

// Rendering a template to e-mail-safe HTML: one 600-pixel table, inline
// styles only (no <style>, no external CSS, no scripts), a hidden
// preheader, and "bulletproof" buttons, which is what Gmail and Outlook
// both show as meant. A template is compiled once (blocks → HTML source
// with merge fields → emailtpl) and then rendered for each recipient
// without further parsing.

// EmailRenderer is a compiled template, safe for concurrent use.
type EmailRenderer struct {
	subject   *emailtpl.Template
	body      *emailtpl.Template
	text      *emailtpl.Template // the plain text of body, nil when it cannot be made once
	urlFields []string           // fields used in URLs' query parts, inserted query-escaped
}

// urlSuffix marks a field used inside a URL's query part: its value is
// inserted query-escaped (data[name+urlSuffix]).
const urlSuffix = ".urlq"

const (
	fontStack  = `'Hiragino Sans','Hiragino Kaku Gothic ProN','Noto Sans JP','Yu Gothic',Meiryo,Arial,sans-serif`
	textColor  = "#1f2937"
	linkColor  = "#2563eb"
	pageColor  = "#f3f4f6"
	innerWidth = EmailWidth - 48 // the content's width inside the padding
)

// CompileEmail validates and compiles a template.
func CompileEmail(t EmailTemplate) (*EmailRenderer, error) {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return nil, err
	}
	subj, err := ParseMerge(t.Subject)
	if err != nil {
		return nil, Invalid("subject", err.Error())
	}
	src := tagRE.ReplaceAllStringFunc(t.HTML, escapeFallback)
	if t.Editor == EditorBlocks {
		src = blocksHTML(t)
	} else if t.Preheader != "" {
		src = insertPreheader(src, t.Preheader)
	}
	known := func(name string) bool { return IsMergeField(strings.TrimSuffix(name, urlSuffix)) }
	body, err := emailtpl.Parse(src, known)
	if err != nil {
		return nil, Invalid("html", MergeProblem(err))
	}
	r := &EmailRenderer{subject: subj, body: body}
	// The plain text is made from the HTML once, with the merge tags
	// still in it, and then filled in per recipient like the HTML. When a
	// conditional straddles markup that the text leaves out, it is made
	// from each recipient's HTML instead.
	if text, err := emailtpl.Parse(emailtpl.PlainText(src), known); err == nil {
		r.text = text
	}
	for _, f := range body.Fields() {
		if strings.HasSuffix(f, urlSuffix) {
			r.urlFields = append(r.urlFields, strings.TrimSuffix(f, urlSuffix))
		}
	}
	return r, nil
}

// Render returns one recipient's subject (one line, whatever the values
// hold), HTML part and plain-text part (generated from the HTML).
func (r *EmailRenderer) Render(d emailtpl.Data) (subject, htmlPart, text string) {
	htmlPart = r.body.Execute(r.htmlData(d), false)
	if r.text == nil {
		return r.subject.Subject(d), htmlPart, emailtpl.PlainText(htmlPart)
	}
	if len(r.urlFields) > 0 {
		d = r.withURLFields(d)
	}
	return r.subject.Subject(d), htmlPart, tidyText(r.text.Execute(d, false))
}

// tidyText trims the spaces an empty value leaves at the start or end of
// a line, collapses runs of spaces (as HTML does) and keeps at most one blank line between paragraphs, as
// emailtpl.PlainText does.
func tidyText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	blank := 0
	for line := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		line = strings.Trim(line, " ")
		if strings.Contains(line, "  ") {
			line = strings.Join(strings.Fields(line), " ")
		}
		if line == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			b.WriteString(strings.Repeat("\n", 1+min(blank, 1)))
		}
		blank = 0
		b.WriteString(line)
	}
	return b.String()
}

// withURLFields copies d and adds the query-escaped values of the fields
// used in URLs.
func (r *EmailRenderer) withURLFields(d emailtpl.Data) emailtpl.Data {
	out := make(emailtpl.Data, len(d)+len(r.urlFields))
	for k, v := range d {
		out[k] = v
	}
	for _, f := range r.urlFields {
		out[f+urlSuffix] = url.QueryEscape(d[f])
	}
	return out
}

// htmlData is d made ready for the HTML part: values escaped with their
// line breaks as <br> (a signature keeps its lines), plus the
// query-escaped values of the fields used in URLs. Fallbacks were escaped
// when the template was compiled.
func (r *EmailRenderer) htmlData(d emailtpl.Data) emailtpl.Data {
	out := make(emailtpl.Data, len(d)+len(r.urlFields))
	for k, v := range d {
		v = html.EscapeString(v)
		if strings.Contains(v, "\n") {
			v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\n", "<br>\n")
		}
		out[k] = v
	}
	for _, f := range r.urlFields {
		out[f+urlSuffix] = url.QueryEscape(d[f])
	}
	return out
}

// blocksHTML lays out a block template as HTML source with merge fields.
func blocksHTML(t EmailTemplate) string {
	var b strings.Builder
	b.Grow(4096)
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="%s"><head><meta charset="utf-8">`, t.Locale)
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="x-apple-disable-message-reformatting">`)
	fmt.Fprintf(&b, `<title>%s</title></head>`, escapeKeep(t.Subject))
	fmt.Fprintf(&b, `<body style="margin:0;padding:0;background-color:%s;">`, pageColor)
	if t.Preheader != "" {
		b.WriteString(preheaderHTML(t.Preheader))
	}
	fmt.Fprintf(&b, `<table role="presentation" width="100%%" cellpadding="0" cellspacing="0" border="0" style="background-color:%s;">`, pageColor)
	b.WriteString(`<tr><td align="center" style="padding:24px 8px;">`)
	fmt.Fprintf(&b, `<table role="presentation" width="%d" cellpadding="0" cellspacing="0" border="0" style="width:%dpx;max-width:100%%;background-color:#ffffff;">`, EmailWidth, EmailWidth)
	for _, bl := range t.Blocks {
		b.WriteString(`<tr><td style="padding:12px 24px;">`)
		writeBlock(&b, bl, innerWidth)
		b.WriteString("</td></tr>\n")
	}
	b.WriteString("</table></td></tr></table></body></html>\n")
	return b.String()
}

// preheaderHTML is the hidden line inboxes show after the subject.
func preheaderHTML(p string) string {
	return `<div style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;mso-hide:all;">` +
		escapeKeep(p) + "</div>\n"
}

var bodyTagRE = regexp.MustCompile(`(?i)<body[^>]*>`)

// insertPreheader puts the preheader right after <body>, or first.
func insertPreheader(src, p string) string {
	if loc := bodyTagRE.FindStringIndex(src); loc != nil {
		return src[:loc[1]] + preheaderHTML(p) + src[loc[1]:]
	}
	return preheaderHTML(p) + src
}

// writeBlock writes one block for a column width in pixels.
func writeBlock(b *strings.Builder, bl EmailBlock, width int) {
	font := "font-family:" + fontStack + ";color:" + textColor + ";"
	switch bl.Type {
	case BlockHeading:
		tag, size := "h1", 24
		if bl.Level == 2 {
			tag, size = "h2", 19
		}
		fmt.Fprintf(b, `<%s style="margin:0;%sfont-size:%dpx;line-height:1.4;font-weight:bold;">%s</%s>`, tag, font, size, escapeKeep(bl.Text), tag)
	case BlockText:
		for _, para := range paragraphs(bl.Text) {
			fmt.Fprintf(b, `<p style="margin:0 0 12px 0;%sfont-size:15px;line-height:1.7;">%s</p>`, font, inlineText(para))
		}
	case BlockImage:
		w := width
		if bl.Width > 0 && bl.Width < width {
			w = bl.Width
		}
		img := fmt.Sprintf(`<img src="%s" alt="%s" width="%d" style="display:block;width:%dpx;max-width:100%%;height:auto;border:0;outline:none;text-decoration:none;">`,
			urlAttr(bl.Src), escapeKeep(bl.Alt), w, w)
		if bl.Link != "" {
			img = fmt.Sprintf(`<a href="%s" target="_blank">%s</a>`, urlAttr(bl.Link), img)
		}
		b.WriteString(img)
	case BlockButton:
		c := buttonColor(bl.Color)
		fmt.Fprintf(b, `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td align="center" bgcolor="%s" style="border-radius:6px;background-color:%s;">`, c, c)
		fmt.Fprintf(b, `<a href="%s" target="_blank" style="display:inline-block;padding:12px 28px;%sfont-size:15px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:6px;">%s</a>`,
			urlAttr(bl.URL), "font-family:"+fontStack+";", escapeKeep(bl.Label))
		b.WriteString("</td></tr></table>")
	case BlockDivider:
		b.WriteString(`<hr style="border:0;border-top:1px solid #e5e7eb;height:1px;margin:4px 0;">`)
	case BlockColumns:
		n := len(bl.Columns)
		colWidth := (width - 16*(n-1)) / n
		b.WriteString(`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>`)
		for i, col := range bl.Columns {
			pad := ""
			if i > 0 {
				pad = "padding-left:16px;"
			}
			fmt.Fprintf(b, `<td valign="top" width="%d" style="width:%dpx;%s">`, colWidth, colWidth, pad)
			for j, inner := range col {
				if j > 0 {
					b.WriteString(`<div style="height:12px;line-height:12px;font-size:1px;">&nbsp;</div>`)
				}
				writeBlock(b, inner, colWidth)
			}
			b.WriteString("</td>")
		}
		b.WriteString("</tr></table>")
	}
}

var blankLinesRE = regexp.MustCompile(`\n[ \t]*\n\s*`)

// paragraphs splits a text block at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range blankLinesRE.Split(strings.TrimSpace(s), -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var boldRE = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)

// inlineText turns a paragraph's text into HTML: [label](url) links,
// **bold**, line breaks as <br>; everything else escaped.
func inlineText(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range linkRE.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(styled(s[last:m[0]]))
		fmt.Fprintf(&b, `<a href="%s" target="_blank" style="color:%s;text-decoration:underline;">%s</a>`,
			urlAttr(s[m[4]:m[5]]), linkColor, styled(s[m[2]:m[3]]))
		last = m[1]
	}
	b.WriteString(styled(s[last:]))
	return b.String()
}

// styled escapes text, then applies **bold** and line breaks.
func styled(s string) string {
	s = boldRE.ReplaceAllString(escapeKeep(s), "<strong>$1</strong>")
	return strings.ReplaceAll(s, "\n", "<br>\n")
}

var tagRE = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// escapeKeep HTML-escapes text but leaves its merge tags as they are
// (their values are escaped when the template is executed).
func escapeKeep(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range tagRE.FindAllStringIndex(s, -1) {
		b.WriteString(html.EscapeString(s[last:m[0]]))
		b.WriteString(escapeFallback(s[m[0]:m[1]]))
		last = m[1]
	}
	b.WriteString(html.EscapeString(s[last:]))
	return b.String()
}

// escapeFallback HTML-escapes the fallback text of a merge tag: values
// are escaped before the template runs, fallbacks when it is compiled.
func escapeFallback(tag string) string {
	name, fallback, ok := strings.Cut(tag, "|")
	if !ok {
		return tag
	}
	i, j := strings.Index(fallback, `"`), strings.LastIndex(fallback, `"`)
	if i < 0 || j <= i {
		return tag
	}
	return name + "|" + fallback[:i+1] + html.EscapeString(fallback[i+1:j]) + fallback[j:]
}

// urlAttr writes a checked URL for an href or src attribute: merge fields
// in the query part are switched to their query-escaped form.
func urlAttr(raw string) string {
	base, query, hasQuery := strings.Cut(raw, "?")
	if !hasQuery {
		return html.EscapeString(base)
	}
	query = tagRE.ReplaceAllStringFunc(query, urlTag)
	return html.EscapeString(base) + "?" + escapeKeep(query)
}

// urlTag rewrites one merge tag of a URL's query part.
func urlTag(tag string) string {
	in := strings.TrimSpace(tag[2 : len(tag)-2])
	switch {
	case in == "else" || in == "/if":
		return tag
	case strings.HasPrefix(in, "#if "):
		return "{{#if " + strings.TrimSpace(in[4:]) + urlSuffix + "}}"
	}
	name, fallback, ok := strings.Cut(in, "|")
	out := "{{" + strings.TrimSpace(name) + urlSuffix
	if ok {
		fb := strings.Trim(strings.TrimSpace(fallback), `"`)
		out += ` | "` + url.QueryEscape(fb) + `"`
	}
	return out + "}}"
}
