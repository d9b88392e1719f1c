package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// importErrorsShown is how many row errors the import page lists.
const importErrorsShown = 500

// importsData is the content of the import wizard and history page.
type importsData struct {
	History []store.Import
	Dir     *directory
	Preview *importPreviewData
}

// importPreviewData is the mapping step: the columns of the uploaded file
// with sample values and the field each goes to.
type importPreviewData struct {
	Object   string
	Encoding string
	Rows     int
	Columns  []mapColumn
	Fields   []option
	Unmapped int
	Dir      *directory
}

// mapColumn is one column of the file.
type mapColumn struct {
	Index   int
	Header  string
	Field   string
	Samples []string
}

func (s *server) importsPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *importsData, error) {
	p := s.newPage(w, r, rq, "imports.title")
	p.Section = "contacts"
	d := &importsData{}
	p.Data = d
	var err error
	if d.History, err = s.app.Imports(r.Context(), rq.actor, 20); err != nil {
		return nil, nil, err
	}
	if d.Dir, err = s.loadDirectory(r.Context(), rq); err != nil {
		return nil, nil, err
	}
	f := newForm()
	f.Set("object", "contact")
	f.Set("encoding", "auto")
	f.Set("source", "sales")
	if o := r.URL.Query().Get("object"); o == "company" {
		f.Set("object", o)
	}
	p.Form = f
	return p, d, nil
}

func (s *server) importsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.importsPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "imports", p)
	return nil
}

// upload reads the wizard's multipart form and opens its file; the caller
// closes it. The form comes back even when the file is missing.
func upload(w http.ResponseWriter, r *http.Request) (*form, multipart.File, string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, app.MaxImportBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return newForm(), nil, "", crm.Invalid("file", "is larger than 200 MB; split it into several files")
		}
		return newForm(), nil, "", crm.Invalid("file", "choose a CSV file")
	}
	f := newForm()
	for k, vs := range r.MultipartForm.Value {
		f.Values[k] = vs
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return f, nil, "", crm.Invalid("file", "choose a CSV file")
	}
	return f, file, hdr.Filename, nil
}

// importPreview reads the uploaded file and answers with the mapping step
// (an htmx fragment).
func (s *server) importPreview(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := s.newPage(nil, r, rq, "")
	f, file, _, err := upload(w, r)
	p.Form = f
	if err != nil && r.Header.Get("HX-Trigger") == "import-upload" {
		// The encoding or object changed before a file was chosen:
		// nothing to preview yet, and nothing to complain about.
		s.renderTemplate(w, rq, http.StatusOK, "imports", "import_next", p)
		return nil
	}
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(file, app.MaxImportBytes+1))
		file.Close()
	}
	if err == nil {
		var pv app.ImportPreview
		pv, err = s.app.PreviewImport(r.Context(), rq.actor, f.Get("object"), data, f.Get("encoding"))
		if err == nil {
			d, derr := s.previewData(r, rq, f.Get("object"), pv)
			if derr != nil {
				return derr
			}
			p.Data = d
			if f.Get("source") == "" {
				f.Set("source", "sales")
			}
			s.renderTemplate(w, rq, http.StatusOK, "imports", "import_mapping", p)
			return nil
		}
	}
	code := statusOf(err)
	if code == http.StatusInternalServerError {
		return err
	}
	withErrors(f, err, rq.lang)
	f.Alert = i18n.T(rq.lang, "form.invalid")
	if v, ok := crm.AsValidation(err); ok {
		if msg, ok := v.Fields[""]; ok {
			f.Alert = i18n.Error(rq.lang, msg)
		}
	}
	s.renderTemplate(w, rq, code, "imports", "import_mapping", p)
	return nil
}

// previewData turns a preview into the mapping step.
func (s *server) previewData(r *http.Request, rq *req, object string, pv app.ImportPreview) (*importPreviewData, error) {
	dir, err := s.loadDirectory(r.Context(), rq)
	if err != nil {
		return nil, err
	}
	d := &importPreviewData{Object: object, Encoding: pv.Encoding, Rows: pv.Rows, Dir: dir, Unmapped: len(pv.Unmapped)}
	d.Fields = append(d.Fields, option{"", i18n.T(rq.lang, "imports.ignore")})
	for _, fl := range pv.Fields {
		label := fl.LabelEN
		if rq.lang == crm.LangJA && fl.LabelJA != "" {
			label = fl.LabelJA
		}
		d.Fields = append(d.Fields, option{fl.Key, label})
	}
	for i, h := range pv.Header {
		col := mapColumn{Index: i, Header: h, Field: pv.Mapping[h]}
		for _, row := range pv.Sample {
			if i < len(row) && strings.TrimSpace(row[i]) != "" && len(col.Samples) < 3 {
				col.Samples = append(col.Samples, row[i])
			}
		}
		d.Columns = append(d.Columns, col)
	}
	return d, nil
}

// importStart starts an import with the chosen mapping and options, and
// goes to its progress page.
func (s *server) importStart(w http.ResponseWriter, r *http.Request, rq *req) error {
	f, file, name, err := upload(w, r)
	if err == nil {
		defer file.Close()
		req := app.ImportRequest{Object: f.Get("object"), Filename: name, Encoding: f.Get("encoding"),
			MarketingSource: f.Get("source") == "marketing", Tags: splitTags(f.Get("tags"))}
		req.OwnerID, _ = strconv.ParseInt(f.Get("owner_id"), 10, 64)
		if headers := f.Values["col_header"]; len(headers) > 0 {
			fields := f.Values["col_field"]
			req.Mapping = map[string]string{}
			for i, h := range headers {
				if fl := at(fields, i); fl != "" {
					req.Mapping[h] = fl
				}
			}
		}
		var im store.Import
		im, err = s.app.StartImportFrom(r.Context(), rq.actor, req, file)
		if err == nil {
			s.wake()
			return s.redirect(w, r, rq, fmt.Sprintf("/imports/%d", im.ID), "")
		}
	}
	p, _, perr := s.importsPageData(w, r, rq)
	if perr != nil {
		return perr
	}
	for k, vs := range f.Values {
		p.Form.Values[k] = vs
	}
	return again(err, "imports", p)
}

// importData is the content of an import's progress and summary page.
type importData struct {
	Im      store.Import
	Percent int
	Done    bool
	Failed  bool
	Errors  []store.ImportError
	More    bool // there are more errors than shown
}

func (s *server) importData(r *http.Request, rq *req) (*importData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	im, err := s.app.Import(r.Context(), rq.actor, id)
	if err != nil {
		return nil, err
	}
	d := &importData{Im: im, Done: im.Status == store.ImportDone || im.Status == store.ImportFailed,
		Failed: im.Status == store.ImportFailed}
	switch {
	case d.Done:
		d.Percent = 100
	case im.TotalRows > 0:
		d.Percent = min(99, im.DoneRows*100/im.TotalRows)
	}
	if d.Done && im.Errors > 0 {
		if d.Errors, err = s.app.ImportErrors(r.Context(), rq.actor, id, importErrorsShown+1); err != nil {
			return nil, err
		}
		if len(d.Errors) > importErrorsShown {
			d.Errors, d.More = d.Errors[:importErrorsShown], true
		}
	}
	return d, nil
}

func (s *server) importPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	d, err := s.importData(r, rq)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "imports.progress_title")
	p.Section = "contacts"
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "import", p)
	return nil
}

// importProgress is the part of the import page that htmx polls every
// second until the import is done.
func (s *server) importProgress(w http.ResponseWriter, r *http.Request, rq *req) error {
	d, err := s.importData(r, rq)
	if err != nil {
		return err
	}
	p := s.newPage(nil, r, rq, "")
	p.Data = d
	s.renderTemplate(w, rq, http.StatusOK, "import", "import_progress", p)
	return nil
}
