package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// form is a form's values and messages. Handlers fill Values from a
// record to show it, or from the request to show a submission again.
type form struct {
	Values url.Values
	// Errors holds one translated message per field name.
	Errors map[string]string
	// Alert is a translated message about the whole form.
	Alert string
	// Stale is set when the record changed since the form was loaded.
	Stale bool
	// Version is the record version the form was loaded with; a save
	// with an older version is refused (optimistic concurrency).
	Version int64
}

func newForm() *form { return &form{Values: url.Values{}} }

// submitted returns the posted values as a form, without any field whose
// name contains "password" (those are never sent back to the browser) and
// with the version field parsed.
func submitted(r *http.Request) *form {
	f := newForm()
	for k, vs := range r.PostForm {
		if strings.Contains(k, "password") {
			continue
		}
		f.Values[k] = vs
	}
	f.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return f
}

// Get returns the value of a field.
func (f *form) Get(name string) string { return f.Values.Get(name) }

// Set sets the value of a field.
func (f *form) Set(name, value string) { f.Values.Set(name, value) }

// Checked reports whether a checkbox or option with value is selected.
func (f *form) Checked(name, value string) bool {
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Error returns the message of a field, "" if it is fine.
func (f *form) Error(name string) string { return f.Errors[name] }

func (f *form) setError(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// option is one choice of a select.
type option struct{ Value, Label string }

// inputData is what the "input" and "select" templates render: a labelled
// control with its value, help text and message.
type inputData struct {
	ID, Name, Label, Type, Value, Error, Help string
	Autocomplete, Placeholder, Inputmode      string
	Maxlength                                 int
	Required, Autofocus                       bool
	Options                                   []option
}

// makeInput builds the data of one control. opts are flags and settings:
// "required", "autofocus", "autocomplete=…", "help=catalogue key",
// "placeholder=…", "inputmode=…", "maxlength=n". Password fields never
// show a value.
func makeInput(lang crm.Language, f *form, name, labelKey, typ string, opts ...string) inputData {
	in := inputData{ID: "f-" + name, Name: name, Label: i18n.T(lang, labelKey), Type: typ}
	if f != nil {
		in.Error = f.Error(name)
		if typ != "password" {
			in.Value = f.Get(name)
		}
	}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "required":
			in.Required = true
		case "autofocus":
			in.Autofocus = true
		case "autocomplete":
			in.Autocomplete = v
		case "help":
			in.Help = i18n.T(lang, v)
		case "placeholder":
			in.Placeholder = v
		case "inputmode":
			in.Inputmode = v
		case "maxlength":
			in.Maxlength, _ = strconv.Atoi(v)
		}
	}
	return in
}

// pathID parses a numeric path value such as {id}; a malformed one is a
// missing record.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, crm.ErrNotFound
	}
	return id, nil
}

// parseForm reads a posted form; a body that cannot be parsed is invalid
// input.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return crm.Invalid("", "the form could not be read; reload the page and try again")
	}
	return nil
}
