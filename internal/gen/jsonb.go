package gen

import (
	"strconv"
	"unicode/utf8"
)

// obj builds a small JSON object by hand: the generator writes millions of
// timeline entries, and encoding/json on a map would cost more than the
// rest of a row. Keys are written in the order they are added.
type obj struct{ b []byte }

func (o *obj) key(k string) {
	if len(o.b) == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.b = appendJSONString(o.b, k)
	o.b = append(o.b, ':')
}

// str adds a string value.
func (o *obj) str(k, v string) *obj {
	o.key(k)
	o.b = appendJSONString(o.b, v)
	return o
}

// num adds an integer value.
func (o *obj) num(k string, v int64) *obj {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
	return o
}

// strs adds a list of strings.
func (o *obj) strs(k string, vs []string) *obj {
	o.key(k)
	o.b = append(o.b, '[')
	for i, v := range vs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendJSONString(o.b, v)
	}
	o.b = append(o.b, ']')
	return o
}

// pair adds [from, to] as the timeline's "changes" entries write them.
func (o *obj) pair(k string, from, to any) *obj {
	o.key(k)
	o.b = append(o.b, '[')
	o.b = appendValue(o.b, from)
	o.b = append(o.b, ',')
	o.b = appendValue(o.b, to)
	o.b = append(o.b, ']')
	return o
}

// raw adds an already encoded JSON value.
func (o *obj) raw(k, v string) *obj {
	o.key(k)
	o.b = append(o.b, v...)
	return o
}

func (o *obj) String() string {
	if len(o.b) == 0 {
		return "{}"
	}
	return string(append(o.b, '}'))
}

func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	}
	panic("gen: unsupported JSON value")
}

// appendJSONString appends s as a JSON string. Text other than quotes,
// backslashes and control characters goes in as UTF-8, as JSON allows.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else if r == '\u2028' || r == '\u2029' {
				b = append(b, `\u202`...)
				b = append(b, "89"[r-'\u2028'])
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}
