// Package emailtpl is the merge language of marketing e-mail: a template is
// text with fields ({{family_name}}), fields with a fallback
// ({{company | "御社"}}) and conditionals ({{#if owner_name}}…{{else}}…{{/if}}).
// Nothing else exists in the language: no functions, no loops, no access to
// the environment, files or the network, so a template written by any user
// can be run for every recipient without risk. Unknown fields are refused
// when the template is parsed, not silently left empty when it is sent.
package emailtpl

import (
	"fmt"
	"html"
	"strings"
)

// MaxSize is the largest template source accepted, in bytes.
const MaxSize = 512 << 10

// maxDepth is how deeply conditionals may nest.
const maxDepth = 8

// Data holds the values of one recipient's fields. A missing key and an
// empty value are the same: the fallback (or nothing) is used.
type Data map[string]string

// Error is a parse error with the line it was found on.
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Template is a parsed template, safe for concurrent use.
type Template struct {
	nodes  []node
	fields []string
}

// node is literal text, a field, or a conditional.
type node struct {
	text     string // literal (kind 0)
	field    string // field name (kinds 1 and 2)
	fallback string // kind 1
	kind     int    // 0 text, 1 field, 2 if
	then     []node
	els      []node
}

// Parse reads a template. known reports whether a field name exists (nil
// accepts any well-formed name); a template using another is refused with
// its line.
func Parse(src string, known func(string) bool) (*Template, error) {
	if len(src) > MaxSize {
		return nil, &Error{Line: 1, Msg: fmt.Sprintf("the template is larger than %d KB", MaxSize>>10)}
	}
	p := &parser{src: src, line: 1, known: known, seen: map[string]bool{}}
	nodes, end, err := p.parse(0)
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, &Error{Line: p.line, Msg: "{{" + end + "}} without {{#if …}}"}
	}
	return &Template{nodes: nodes, fields: p.fields}, nil
}

// Fields lists the field names the template uses, in order of first use.
func (t *Template) Fields() []string { return t.fields }

// Execute writes the template for one recipient. With escapeHTML, values
// are HTML-escaped (the HTML part); without, they are inserted as they are
// (the subject and the plain-text part).
func (t *Template) Execute(d Data, escapeHTML bool) string {
	var b strings.Builder
	execute(&b, t.nodes, d, escapeHTML)
	return b.String()
}

// Subject executes a template meant for a header: line breaks in values
// become spaces, so a recipient's name cannot start a new header.
func (t *Template) Subject(d Data) string {
	s := t.Execute(d, false)
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

func execute(b *strings.Builder, nodes []node, d Data, esc bool) {
	for _, n := range nodes {
		switch n.kind {
		case 0:
			b.WriteString(n.text)
		case 1:
			v := d[n.field]
			if strings.TrimSpace(v) == "" {
				v = n.fallback
			}
			if esc {
				v = html.EscapeString(v)
			}
			b.WriteString(v)
		case 2:
			if strings.TrimSpace(d[n.field]) != "" {
				execute(b, n.then, d, esc)
			} else {
				execute(b, n.els, d, esc)
			}
		}
	}
}

type parser struct {
	src    string
	pos    int
	line   int
	known  func(string) bool
	fields []string
	seen   map[string]bool
}

// parse reads nodes until the end of input or a closing tag ("else" or
// "/if"), which it returns.
func (p *parser) parse(depth int) ([]node, string, error) {
	var nodes []node
	for p.pos < len(p.src) {
		i := strings.Index(p.src[p.pos:], "{{")
		if i < 0 {
			nodes = append(nodes, p.literal(len(p.src)-p.pos))
			break
		}
		if i > 0 {
			nodes = append(nodes, p.literal(i))
		}
		j := strings.Index(p.src[p.pos+2:], "}}")
		if j < 0 {
			return nil, "", &Error{Line: p.line, Msg: "{{ is not closed with }}"}
		}
		tag := p.src[p.pos+2 : p.pos+2+j]
		if strings.ContainsAny(tag, "\r\n") {
			return nil, "", &Error{Line: p.line, Msg: "a {{…}} tag must stay on one line"}
		}
		tag = strings.TrimSpace(tag)
		p.pos += 2 + j + 2
		switch {
		case tag == "else" || tag == "/if":
			return nodes, tag, nil
		case strings.HasPrefix(tag, "#if "):
			if depth >= maxDepth {
				return nil, "", &Error{Line: p.line, Msg: "conditionals are nested too deeply"}
			}
			name := strings.TrimSpace(strings.TrimPrefix(tag, "#if "))
			if err := p.field(name); err != nil {
				return nil, "", err
			}
			n := node{kind: 2, field: name}
			then, end, err := p.parse(depth + 1)
			if err != nil {
				return nil, "", err
			}
			n.then = then
			if end == "else" {
				els, end2, err := p.parse(depth + 1)
				if err != nil {
					return nil, "", err
				}
				if end2 != "/if" {
					return nil, "", &Error{Line: p.line, Msg: "{{#if " + name + "}} is not closed with {{/if}}"}
				}
				n.els = els
			} else if end != "/if" {
				return nil, "", &Error{Line: p.line, Msg: "{{#if " + name + "}} is not closed with {{/if}}"}
			}
			nodes = append(nodes, n)
		default:
			name, fallback, err := p.fieldTag(tag)
			if err != nil {
				return nil, "", err
			}
			nodes = append(nodes, node{kind: 1, field: name, fallback: fallback})
		}
	}
	return nodes, "", nil
}

func (p *parser) literal(n int) node {
	s := p.src[p.pos : p.pos+n]
	p.pos += n
	p.line += strings.Count(s, "\n")
	return node{text: s}
}

// fieldTag reads `name` or `name | "fallback"`.
func (p *parser) fieldTag(tag string) (string, string, error) {
	name, rest, hasFallback := strings.Cut(tag, "|")
	name = strings.TrimSpace(name)
	if err := p.field(name); err != nil {
		return "", "", err
	}
	if !hasFallback {
		return name, "", nil
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 2 || rest[0] != '"' || rest[len(rest)-1] != '"' || strings.Contains(rest[1:len(rest)-1], `"`) {
		return "", "", &Error{Line: p.line, Msg: fmt.Sprintf(`the fallback of {{%s}} must be text in double quotes, such as {{%s | "お客様"}}`, name, name)}
	}
	return name, rest[1 : len(rest)-1], nil
}

// field checks a field name: lower-case letters, digits, '_' and '.', and
// known to the caller.
func (p *parser) field(name string) error {
	if name == "" {
		return &Error{Line: p.line, Msg: "empty {{ }}: write a field name such as {{family_name}}"}
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c == '_' || (i > 0 && (c >= '0' && c <= '9' || c == '.'))
		if !ok {
			return &Error{Line: p.line, Msg: fmt.Sprintf("{{%s}} is not a field: only names such as {{family_name}} or {{company.name}} are allowed", name)}
		}
	}
	if p.known != nil && !p.known(name) {
		return &Error{Line: p.line, Msg: fmt.Sprintf("{{%s}} is not a known field", name)}
	}
	if !p.seen[name] {
		p.seen[name] = true
		p.fields = append(p.fields, name)
	}
	return nil
}
