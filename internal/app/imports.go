package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"renkei/internal/crm"
	"renkei/internal/csvio"
	"renkei/internal/jobs"
	"renkei/internal/store"
)

// CSV imports. StartImport stores the file in the database and queues an
// import.run job; the job (runImport) reads the file in batches of
// importBatch rows and writes each batch in one transaction together with
// the import's progress, so a crash loses at most the open batch and the
// job, claimed again after its lease, goes on from the last committed row.
// Contacts are matched by e-mail address (DESIGN.md §7), or without one by
// name, company and phone, so running the same file twice creates nothing
// twice. A bad row is recorded in import_errors and never stops the rest.

// JobImportRun is the job kind that runs a CSV import.
const JobImportRun = "import.run"

// MaxImportBytes is the largest file StartImport takes (an upload);
// MaxImportFileBytes the largest StartImportFrom reads (the command line).
const (
	MaxImportBytes     = 200 << 20
	MaxImportFileBytes = 2 << 30
)

// importBatch is how many rows one transaction writes.
const importBatch = 10000

// previewCountLimit is the file size up to which PreviewImport counts the
// rows exactly; above it the count is estimated from the line breaks.
const previewCountLimit = 16 << 20

// ImportRequest starts an import.
type ImportRequest struct {
	Object          string            // "contact" | "company"
	Filename        string            //
	Data            []byte            // the whole file (≤ 200 MiB; stored in the database)
	Encoding        string            // "auto" | "utf-8" | "shift_jis"
	Mapping         map[string]string // header → field; nil = detect with csvio.DetectMapping
	MarketingSource bool              // DESIGN §7: an import marked as marketing → source import_marketing, else import_sales
	OwnerID         int64             // default owner for rows without one (0 = none)
	Tags            []string          // tags added to every imported contact
}

// ImportPreview is what the mapping step shows before an import starts.
type ImportPreview struct {
	Encoding string
	Header   []string
	Mapping  map[string]string // detected header → field
	Unmapped []string          // headers with no field
	Sample   [][]string        // first ≤ 5 data rows
	Fields   []csvio.Field     // the fields one may map to (with ja/en labels), incl. custom properties
	// Rows is the number of data rows: counted for files up to 16 MiB,
	// estimated from the line breaks above (RowsEstimated).
	Rows          int
	RowsEstimated bool
}

// importOptions are kept with the import for its job.
type importOptions struct {
	Encoding  string   `json:"encoding"` // as asked: auto, utf-8 or shift_jis
	Marketing bool     `json:"marketing,omitempty"`
	OwnerID   int64    `json:"owner_id,omitempty"`
	Tags      []string `json:"tags,omitempty"`
}

// importPayload is the job's payload.
type importPayload struct {
	ImportID int64 `json:"import_id"`
}

func checkObject(object string) error {
	if object != csvio.ObjectContact && object != csvio.ObjectCompany {
		return crm.Invalid("object", "choose contact or company")
	}
	return nil
}

func parseImportEncoding(s string) (csvio.Encoding, error) {
	enc, err := csvio.ParseEncoding(s)
	if err != nil {
		return "", crm.Invalid("encoding", "choose auto, utf-8 or shift_jis")
	}
	return enc, nil
}

// fileError turns a problem with the file as a whole into a validation
// error on "file".
func fileError(err error) error {
	switch {
	case errors.Is(err, csvio.ErrEmpty):
		return crm.Invalid("file", "the file is empty")
	case errors.Is(err, csvio.ErrUTF16):
		return crm.Invalid("file", err.Error())
	}
	return crm.Invalid("file", err.Error())
}

// importProps returns the custom property definitions of an object, for
// mapping (csvio) and for checking values.
func (a *App) importProps(ctx context.Context, object string) ([]crm.Property, []csvio.CustomProperty, error) {
	defs, err := a.Store.Properties(ctx, object)
	if err != nil {
		return nil, nil, err
	}
	custom := make([]csvio.CustomProperty, len(defs))
	for i, d := range defs {
		custom[i] = csvio.CustomProperty{Key: d.Key, Labels: []string{d.LabelJA, d.LabelEN}}
	}
	return defs, custom, nil
}

func propKeys(defs []crm.Property) []string {
	keys := make([]string, len(defs))
	for i, d := range defs {
		keys[i] = d.Key
	}
	return keys
}

// PreviewImport reads the header and the first rows of a file and
// proposes a mapping of its columns.
func (a *App) PreviewImport(ctx context.Context, ac Actor, object string, data []byte, encoding string) (ImportPreview, error) {
	var p ImportPreview
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return p, err
	}
	if err := checkObject(object); err != nil {
		return p, err
	}
	enc, err := parseImportEncoding(encoding)
	if err != nil {
		return p, err
	}
	rd, err := csvio.NewReader(bytes.NewReader(data), enc)
	if err != nil {
		return p, fileError(err)
	}
	defs, custom, err := a.importProps(ctx, object)
	if err != nil {
		return p, err
	}
	m := csvio.DetectMappingWith(object, rd.Header(), custom)
	p.Header = append([]string(nil), rd.Header()...)
	p.Mapping, p.Unmapped = m.ByHeader(), m.Unmapped()
	p.Fields = csvio.Fields(object)
	for _, d := range defs {
		p.Fields = append(p.Fields, csvio.Field{Key: csvio.PropPrefix + d.Key, LabelEN: d.LabelEN, LabelJA: d.LabelJA})
	}
	countAll := len(data) <= previewCountLimit
	for {
		_, rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		var re *csvio.RowError
		switch {
		case errors.As(err, &re):
		case err != nil:
			return p, fileError(err)
		case len(p.Sample) < 5:
			p.Sample = append(p.Sample, append([]string(nil), rec...))
		}
		p.Rows++
		if !countAll && len(p.Sample) == 5 {
			break
		}
	}
	p.Encoding = string(rd.Encoding())
	if !countAll {
		p.Rows, p.RowsEstimated = estimateRows(data), true
	}
	return p, nil
}

// estimateRows counts the lines after the header (a cell with a line break
// counts twice).
func estimateRows(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return max(0, n-1)
}

// StartImport checks the request, stores the file and queues the import
// job. It returns at once; the job does the work (wake the job runner).
func (a *App) StartImport(ctx context.Context, ac Actor, req ImportRequest) (store.Import, error) {
	if len(req.Data) > MaxImportBytes {
		return store.Import{}, crm.Invalid("file", "is larger than 200 MB; split it into several files")
	}
	return a.startImport(ctx, ac, req, bytes.NewReader(req.Data), MaxImportBytes)
}

// StartImportFrom is StartImport reading the file from r instead of
// req.Data, so that a large file is never held in memory whole; it takes
// files up to MaxImportFileBytes (the command line imports this way).
func (a *App) StartImportFrom(ctx context.Context, ac Actor, req ImportRequest, r io.Reader) (store.Import, error) {
	return a.startImport(ctx, ac, req, r, MaxImportFileBytes)
}

func (a *App) startImport(ctx context.Context, ac Actor, req ImportRequest, r io.Reader, maxBytes int64) (store.Import, error) {
	var im store.Import
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return im, err
	}
	v := &crm.ValidationError{}
	if err := checkObject(req.Object); err != nil {
		return im, err
	}
	enc, err := parseImportEncoding(req.Encoding)
	if err != nil {
		return im, err
	}
	name := path.Base(strings.ReplaceAll(strings.TrimSpace(req.Filename), "\\", "/"))
	if name == "." || name == "/" || name == "" {
		name = "import.csv"
	}
	if utf8.RuneCountInString(name) > 200 || strings.ContainsAny(name, "\r\n\x00") {
		v.Add("filename", "is too long or not on one line")
	}
	if req.OwnerID != 0 {
		if u, err := a.Store.User(ctx, req.OwnerID); err != nil || u.Status != crm.UserActive {
			v.Add("owner_id", "choose an active user as owner")
		}
	}
	tags := crm.NormalizeTags(req.Tags)
	for _, t := range tags {
		if utf8.RuneCountInString(t) > 50 || strings.ContainsAny(t, ",;、") {
			v.Add("tags", "tags must be 1 to 50 characters, without , or ;")
			break
		}
	}
	if err := v.Err(); err != nil {
		return im, err
	}

	// The header decides the mapping; it must lie in the first MiB.
	br := bufio.NewReaderSize(r, 1<<20)
	head, err := br.Peek(1 << 20)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return im, err
	}
	rd, err := csvio.NewReader(bytes.NewReader(head), enc)
	if err != nil {
		return im, fileError(err)
	}
	// Read a few rows so that the encoding is detected on them too.
	for i := 0; i < 20; i++ {
		if _, _, err := rd.Read(); err == io.EOF {
			break
		}
	}
	defs, custom, err := a.importProps(ctx, req.Object)
	if err != nil {
		return im, err
	}
	var m csvio.Mapping
	if req.Mapping == nil {
		m = csvio.DetectMappingWith(req.Object, rd.Header(), custom)
		if err := m.Check(); err != nil {
			return im, err
		}
	} else if m, err = csvio.NewMapping(req.Object, rd.Header(), req.Mapping, propKeys(defs)); err != nil {
		return im, err
	}
	opts, err := json.Marshal(importOptions{Encoding: string(enc), Marketing: req.MarketingSource, OwnerID: req.OwnerID, Tags: tags})
	if err != nil {
		return im, err
	}
	im = store.Import{Object: req.Object, Filename: name, Encoding: string(rd.Encoding()), Mapping: m.ByHeader(),
		Options: string(opts), UserID: ac.User.ID}
	file := &countingReader{r: br, max: maxBytes}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		now := a.now()
		if err := tx.CreateImport(ctx, &im, file, now); err != nil {
			return err
		}
		if file.tooBig {
			return crm.Invalid("file", fmt.Sprintf("is larger than %d MB; split it into several files", maxBytes>>20))
		}
		if file.n == 0 {
			return crm.Invalid("file", "the file is empty")
		}
		payload, _ := json.Marshal(importPayload{ImportID: im.ID})
		j := store.Job{Kind: JobImportRun, Payload: string(payload), RunAt: now, CreatedAt: now, MaxAttempts: 10}
		if err := tx.Enqueue(ctx, &j); err != nil {
			return err
		}
		im.JobID, im.TotalRows = j.ID, file.rows()
		if err := tx.SetImportJob(ctx, im.ID, j.ID, im.TotalRows); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "import.start", fmt.Sprintf("import %d", im.ID), req.Object+" "+name))
	})
	if err != nil {
		return store.Import{}, err
	}
	return im, nil
}

// countingReader counts bytes and line breaks and stops at max bytes.
type countingReader struct {
	r      io.Reader
	n      int64
	lines  int
	last   byte
	max    int64
	tooBig bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.max {
		// One byte more tells a file of exactly max bytes from a larger one.
		var one [1]byte
		if k, _ := io.ReadFull(c.r, one[:]); k > 0 {
			c.tooBig = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.max-c.n {
		p = p[:c.max-c.n]
	}
	k, err := c.r.Read(p)
	c.n += int64(k)
	c.lines += bytes.Count(p[:k], []byte{'\n'})
	if k > 0 {
		c.last = p[k-1]
	}
	return k, err
}

// rows estimates the data rows: lines after the header.
func (c *countingReader) rows() int {
	n := c.lines
	if c.n > 0 && c.last != '\n' {
		n++
	}
	return max(0, n-1)
}

// Import returns one import with its progress.
func (a *App) Import(ctx context.Context, ac Actor, id int64) (store.Import, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return store.Import{}, err
	}
	return a.Store.Import(ctx, id)
}

// Imports lists the newest imports first.
func (a *App) Imports(ctx context.Context, ac Actor, limit int) ([]store.Import, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return nil, err
	}
	return a.Store.Imports(ctx, limit)
}

// ImportErrors lists the row errors of an import in row order.
func (a *App) ImportErrors(ctx context.Context, ac Actor, id int64, limit int) ([]store.ImportError, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return nil, err
	}
	if _, err := a.Store.Import(ctx, id); err != nil {
		return nil, err
	}
	return a.Store.ImportErrors(ctx, id, limit)
}

// ---- the job ----

// importFailure is a problem with the file or the import that retrying
// cannot fix; its message is for the person who started the import.
type importFailure struct{ msg string }

func (e importFailure) Error() string { return e.msg }

// errImportMoved stops a run when another run of the same import has
// committed rows this one was about to write.
var errImportMoved = errors.New("import: another run of this import went on meanwhile")

func (a *App) handleImportRun(ctx context.Context, j store.Job, progress jobs.Progress) error {
	var p importPayload
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil || p.ImportID == 0 {
		return jobs.Permanent{Err: fmt.Errorf("bad import payload %q", j.Payload)}
	}
	im, err := a.Store.Import(ctx, p.ImportID)
	if errors.Is(err, crm.ErrNotFound) {
		return jobs.Permanent{Err: fmt.Errorf("import %d does not exist", p.ImportID)}
	}
	if err != nil {
		return err
	}
	if im.Status == store.ImportDone || im.Status == store.ImportFailed {
		return nil
	}
	err = a.runImport(ctx, im, progress)
	var fail importFailure
	switch {
	case err == nil:
		a.rescoreAfterImport(ctx) // scoring: imported contacts are scored by a rescore-all job
		return nil
	case errors.As(err, &fail):
		if ferr := a.Store.FinishImport(ctx, im.ID, store.ImportFailed, fail.msg, "", a.now()); ferr != nil {
			return ferr
		}
		return jobs.Permanent{Err: err}
	case errors.Is(err, errImportMoved):
		return err
	case j.Attempts >= j.MaxAttempts:
		msg := fmt.Sprintf("the import stopped after repeated errors (%v); the rows before were imported", err)
		if ferr := a.Store.FinishImport(ctx, im.ID, store.ImportFailed, msg, "", a.now()); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

// rowIn is one row read from the file, converted (contact or company,
// by the import's object; nil when the row could not be read).
type rowIn struct {
	row     int
	readErr string // the row could not be read at all
	contact *csvio.ContactRow
	company *csvio.CompanyRow
	errs    []csvio.CellError
	// The duplicate key of the row's company (crm.CompanyKey), and what is
	// wrong with the company a contact row names, worked out by the reader
	// so that the writer has less to do.
	companyKey   string
	companyError string
}

// batchWriter writes one batch of rows in the given transaction and
// returns its counts (without Rows) and row errors. Everything it refers
// to (companies, users, tags) it reads in that transaction: on SQLite a
// batch runs without foreign key checks (see store.InBatchTx), and the
// single writer keeps what it read from changing until it commits.
type batchWriter interface {
	write(ctx context.Context, tx *store.BatchTx, rows []rowIn) (store.ImportCounts, []store.ImportError, error)
}

func (a *App) runImport(ctx context.Context, im store.Import, progress jobs.Progress) error {
	var opts importOptions
	if err := json.Unmarshal([]byte(im.Options), &opts); err != nil {
		return importFailure{"the import's options cannot be read"}
	}
	if err := a.Store.StartImportRun(ctx, im.ID); err != nil {
		return err
	}
	enc, err := csvio.ParseEncoding(opts.Encoding)
	if err != nil {
		enc = csvio.Encoding(im.Encoding)
	}
	// The reader stops with the run (rctx), also when it runs ahead.
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rd, err := csvio.NewReader(a.Store.ImportFile(rctx, im.ID), enc)
	if errors.Is(err, csvio.ErrEmpty) || errors.Is(err, csvio.ErrUTF16) {
		return importFailure{err.Error()}
	}
	if err != nil {
		return err
	}
	defs, _, err := a.importProps(ctx, im.Object)
	if err != nil {
		return err
	}
	m, err := csvio.NewMapping(im.Object, rd.Header(), im.Mapping, propKeys(defs))
	if err != nil {
		msg := "the column mapping no longer fits the file or the custom properties"
		if v, ok := crm.AsValidation(err); ok {
			for _, f := range sortedFields(v) {
				msg += fmt.Sprintf("; %s %s", f, v.Fields[f])
			}
		}
		return importFailure{msg}
	}
	w := a.newBatchWriter(im, opts, m, defs)

	// Skip what earlier runs committed.
	done := 0
	for done < im.DoneRows {
		_, _, err := rd.Read()
		if err == io.EOF {
			break
		}
		var re *csvio.RowError
		if err != nil && !errors.As(err, &re) {
			return err
		}
		done++
	}
	total := im.TotalRows

	stmts := a.Store.NewBatchStmts(ctx)
	defer stmts.Close()

	// One goroutine reads and converts rows while this one writes.
	batches := make(chan []rowIn, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- readBatches(rctx, rd, m, batches)
	}()
	for batch := range batches {
		var counts store.ImportCounts
		var rowErrs []store.ImportError
		err := a.Store.InBatchTx(ctx, stmts, func(tx *store.BatchTx) error {
			at, err := tx.LockImport(ctx, im.ID)
			if err != nil {
				return err
			}
			if at != done {
				return errImportMoved
			}
			if counts, rowErrs, err = w.write(ctx, tx, batch); err != nil {
				return err
			}
			counts.Rows = len(batch)
			if err := tx.AddImportErrors(ctx, im.ID, rowErrs); err != nil {
				return err
			}
			return tx.AdvanceImport(ctx, im.ID, counts)
		})
		if err != nil {
			return err
		}
		done += len(batch)
		total = max(total, done)
		if err := progress(done, total); err != nil {
			return err
		}
	}
	if err := <-readErr; err != nil {
		return err
	}
	if err := a.Store.FinishImport(ctx, im.ID, store.ImportDone, "", string(rd.Encoding()), a.now()); err != nil {
		return err
	}
	if err := a.emitImportCompleted(ctx, im.ID); err != nil { // webhooks.go
		return err
	}
	return progress(done, done)
}

// readBatches reads the rest of the file, converts each row, and sends
// batches of importBatch rows.
func readBatches(ctx context.Context, rd *csvio.Reader, m csvio.Mapping, out chan<- []rowIn) error {
	batch := make([]rowIn, 0, importBatch)
	send := func() bool {
		select {
		case out <- batch:
			batch = make([]rowIn, 0, importBatch)
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		row, rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		var re *csvio.RowError
		switch {
		case errors.As(err, &re):
			batch = append(batch, rowIn{row: re.Row, readErr: re.Reason})
		case err != nil:
			return err
		case m.Object() == csvio.ObjectContact:
			unneutralize(rec)
			c, errs := m.Contact(rec)
			in := rowIn{row: row, contact: &c, errs: errs}
			if c.Company.Name != "" {
				in.companyKey = c.Company.Key()
				if err := c.Company.Validate(); err != nil {
					in.companyError = err.Error()
					if v, ok := crm.AsValidation(err); ok {
						in.companyError = v.Fields[sortedFields(v)[0]]
					}
				}
			}
			batch = append(batch, in)
		default:
			unneutralize(rec)
			co, errs := m.Company(rec)
			batch = append(batch, rowIn{row: row, company: &co, errs: errs, companyKey: co.Company.Key()})
		}
		if len(batch) == importBatch && !send() {
			return ctx.Err()
		}
	}
	if len(batch) > 0 && !send() {
		return ctx.Err()
	}
	return nil
}

// unneutralize undoes csvio.Neutralize on the cells of a record, so that a
// file exported by Renkei imports the values that were exported: a cell
// that Neutralize would give its leading apostrophe loses it again.
func unneutralize(rec []string) {
	for i, c := range rec {
		if len(c) > 1 && c[0] == '\'' && csvio.Neutralize(c[1:]) == c {
			rec[i] = c[1:]
		}
	}
}

// importBase is what the contact and company writers share: the import,
// its options, the users who may own records, and the custom properties.
type importBase struct {
	a        *App
	im       store.Import
	opts     importOptions
	m        csvio.Mapping
	props    map[string]crm.Property
	propCol  map[string]string // property key → header
	ownerCol string
	detail   map[string]any // timeline data common to every entry
	created  map[string]any // the data of every "created" entry

	// Read per batch (loadUsers).
	actorID int64            // the importing user, 0 when deleted
	ownerID int64            // the import's default owner, 0 when gone
	users   map[string]int64 // active users by e-mail and by lower-case name (0 = ambiguous name)
}

func (a *App) newBatchWriter(im store.Import, opts importOptions, m csvio.Mapping, defs []crm.Property) batchWriter {
	b := &importBase{a: a, im: im, opts: opts, m: m, props: map[string]crm.Property{}, propCol: map[string]string{},
		detail: map[string]any{"import_id": im.ID, "file": im.Filename}}
	for _, d := range defs {
		b.props[d.Key] = d
	}
	for col, h := range m.Header() {
		f := m.Field(col)
		if k, ok := strings.CutPrefix(f, csvio.PropPrefix); ok {
			b.propCol[k] = h
		} else if f == "owner" && b.ownerCol == "" {
			b.ownerCol = h
		}
	}
	if im.Object == csvio.ObjectCompany {
		return &companyWriter{importBase: b}
	}
	cw := &contactWriter{importBase: b, source: crm.SourceImportSales}
	if opts.Marketing {
		cw.source = crm.SourceImportMkt
	}
	for col, h := range m.Header() {
		if m.Field(col) == "email" {
			cw.emailCol = h
			break
		}
	}
	return cw
}

// loadUsers reads the users in the batch's transaction: the importing
// user, the default owner and who may own records.
func (b *importBase) loadUsers(ctx context.Context, tx *store.BatchTx) error {
	us, err := tx.UserNames(ctx)
	if err != nil {
		return err
	}
	b.actorID, b.ownerID = 0, 0
	b.users = make(map[string]int64, 2*len(us))
	for _, u := range us {
		if u.ID == b.im.UserID {
			b.actorID = u.ID
		}
		if u.Status != crm.UserActive {
			continue
		}
		if u.ID == b.opts.OwnerID {
			b.ownerID = u.ID
		}
		b.users[u.Email] = u.ID
		name := strings.ToLower(strings.Join(strings.Fields(u.Name), " "))
		if _, dup := b.users[name]; dup {
			b.users[name] = 0
		} else {
			b.users[name] = u.ID
		}
	}
	return nil
}

// rowProblems converts a row's reading and cell errors.
func rowProblems(in rowIn) []store.ImportError {
	if in.readErr != "" {
		return []store.ImportError{{Row: in.row, Reason: in.readErr}}
	}
	out := make([]store.ImportError, 0, len(in.errs))
	for _, e := range in.errs {
		out = append(out, store.ImportError{Row: in.row, Column: e.Column, Reason: e.Reason})
	}
	return out
}

// parseProps converts a row's custom property cells by their definitions.
func (b *importBase) parseProps(row int, cells map[string]string, errs *[]store.ImportError) map[string]any {
	if len(cells) == 0 {
		return nil
	}
	out := make(map[string]any, len(cells))
	for k, s := range cells {
		d, ok := b.props[k]
		if !ok {
			continue
		}
		v, err := d.ParseValue(s)
		if err != nil {
			*errs = append(*errs, store.ImportError{Row: row, Column: b.propCol[k], Reason: err.Error()})
			continue
		}
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// owner resolves a row's owner cell to an active user; 0 when the row
// names none.
func (b *importBase) owner(row int, email, name string, errs *[]store.ImportError) int64 {
	key := email
	if key == "" {
		key = strings.ToLower(strings.Join(strings.Fields(name), " "))
	}
	if key == "" {
		return 0
	}
	id := b.users[key]
	if id == 0 {
		*errs = append(*errs, store.ImportError{Row: row, Column: b.ownerCol,
			Reason: "is not an active user of this workspace (give the e-mail address of one, or leave the cell empty)"})
	}
	return id
}

// timelineData returns the data of an "imported" entry; the entries of
// all created records share one map (store.AddTimelineEntries encodes it
// once).
func (b *importBase) timelineData(action string, changes map[string]any) map[string]any {
	shared := action == "created" && len(changes) == 0
	if shared && b.created != nil {
		return b.created
	}
	d := make(map[string]any, len(b.detail)+2)
	for k, v := range b.detail {
		d[k] = v
	}
	d["action"] = action
	if len(changes) > 0 {
		d["changes"] = changes
	}
	if shared {
		b.created = d
	}
	return d
}

// mergeProps returns stored props with new values over them, as stored.
func mergeProps(base, in map[string]any) (map[string]any, error) {
	if len(in) == 0 {
		return base, nil
	}
	out := make(map[string]any, len(base)+len(in))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range in {
		out[k] = v
	}
	return storedForm(out)
}

// ---- contacts ----

// contactWriter imports contact rows.
type contactWriter struct {
	*importBase
	source   crm.Source
	emailCol string
}

// contactTarget is one contact a batch writes: new, or existing and
// updated, with the rows that went into it.
type contactTarget struct {
	c       *crm.Contact
	before  crm.Contact // as stored; zero for a new contact
	isNew   bool
	tags    []string
	consent bool           // the consent status was set by the file
	changes map[string]any // field → [old, new] of an existing contact
}

// dupKey identifies a contact without an e-mail address: name, company
// and phone (DESIGN.md §7's duplicate detection).
func dupKey(c *crm.Contact) string {
	_, name := store.ContactKeys(c.PersonName)
	return fmt.Sprintf("%s\x00%d\x00%s", name, c.CompanyID, crm.PhoneKey(c.Phone))
}

func (w *contactWriter) write(ctx context.Context, tx *store.BatchTx, rows []rowIn) (store.ImportCounts, []store.ImportError, error) {
	var counts store.ImportCounts
	var errs []store.ImportError
	now := w.a.now()
	if err := w.loadUsers(ctx, tx); err != nil {
		return counts, nil, err
	}

	// 1. Rows that are wrong in themselves.
	type item struct {
		in      *rowIn
		props   map[string]any
		ownerID int64
		key     string // company duplicate key
	}
	items := make([]item, 0, len(rows))
	for i := range rows {
		in := &rows[i]
		problems := rowProblems(*in)
		if in.readErr == "" {
			r := in.contact
			it := item{in: in}
			it.props = w.parseProps(in.row, r.Props, &problems)
			it.ownerID = w.owner(in.row, r.OwnerEmail, r.OwnerName, &problems)
			if in.companyError != "" {
				problems = append(problems, store.ImportError{Row: in.row, Column: w.columnOf("company_name"), Reason: in.companyError})
			}
			it.key = in.companyKey
			if len(problems) == 0 {
				items = append(items, it)
				continue
			}
		}
		errs = append(errs, problems...)
		counts.Errors++
	}

	// 2. Suppressed addresses are skipped.
	anySuppressed, err := tx.HasSuppressions(ctx)
	if err != nil {
		return counts, nil, err
	}
	var hashes []string
	hashOf := map[string]string{}
	for _, it := range items {
		if e := it.in.contact.Contact.Email; e != "" && anySuppressed {
			if _, ok := hashOf[e]; !ok {
				h := EmailHash(e)
				hashOf[e] = h
				hashes = append(hashes, h)
			}
		}
	}
	suppressed, err := tx.Store().SuppressedHashes(ctx, hashes)
	if err != nil {
		return counts, nil, err
	}
	kept := items[:0]
	var emails []string
	for _, it := range items {
		e := it.in.contact.Contact.Email
		if e != "" {
			if reason, ok := suppressed[hashOf[e]]; ok && anySuppressed {
				errs = append(errs, store.ImportError{Row: it.in.row, Column: w.emailCol,
					Reason: "is on the suppression list (" + reason + "); the row was skipped"})
				counts.Skipped++
				continue
			}
			emails = append(emails, e)
		}
		kept = append(kept, it)
	}
	items = kept

	// 3. Companies by duplicate key: found, or created with the details of
	// the first row that names them.
	var keys []string
	for _, it := range items {
		if it.in.contact.Company.Name != "" {
			keys = append(keys, it.key)
		}
	}
	companies, err := tx.CompanyIDsByKeys(ctx, uniqueStrings(keys))
	if err != nil {
		return counts, nil, err
	}
	var fresh []*crm.Company
	var freshKeys []string
	for _, it := range items {
		r := it.in.contact
		if r.Company.Name == "" {
			continue
		}
		if _, ok := companies[it.key]; ok {
			continue
		}
		co := r.Company
		co.OwnerID = it.ownerID
		if co.OwnerID == 0 {
			co.OwnerID = w.ownerID
		}
		fresh = append(fresh, &co)
		freshKeys = append(freshKeys, it.key)
		companies[it.key] = 0
	}
	if len(fresh) > 0 {
		if err := tx.InsertCompanies(ctx, fresh, now); err != nil {
			return counts, nil, err
		}
		entries := make([]store.TimelineEntry, len(fresh))
		for i, co := range fresh {
			companies[freshKeys[i]] = co.ID
			entries[i] = store.TimelineEntry{At: now, CompanyID: co.ID, Kind: KindCreated, ActorID: w.actorID,
				Data: w.detail, RefType: "import", RefID: w.im.ID}
		}
		if err := tx.AddTimelineEntries(ctx, entries); err != nil {
			return counts, nil, err
		}
	}
	companyID := func(it item) int64 {
		if it.in.contact.Company.Name == "" {
			return 0
		}
		return companies[it.key]
	}

	// 4. Existing contacts: by e-mail, or by name, company and phone.
	existing, err := tx.ContactsByEmails(ctx, uniqueStrings(emails))
	if err != nil {
		return counts, nil, err
	}
	var nameKeys []string
	for _, it := range items {
		if it.in.contact.Contact.Email == "" {
			_, nk := store.ContactKeys(it.in.contact.Contact.PersonName)
			nameKeys = append(nameKeys, nk)
		}
	}
	byDupKey := map[string]crm.Contact{}
	if len(nameKeys) > 0 {
		same, err := tx.ContactsWithoutEmail(ctx, uniqueStrings(nameKeys))
		if err != nil {
			return counts, nil, err
		}
		for _, c := range same {
			if k := dupKey(&c); byDupKey[k].ID == 0 {
				byDupKey[k] = c
			}
		}
	}

	// 5. Each row goes into a new contact or onto the one it matches (in
	// the database, or earlier in this batch).
	targets := make([]*contactTarget, 0, len(items))
	pending := map[string]*contactTarget{} // by e-mail, or "\x00" + dupKey
	for _, it := range items {
		r := it.in.contact
		cid := companyID(it)
		var key string
		var stored crm.Contact
		var found bool
		if r.Contact.Email != "" {
			key = r.Contact.Email
			stored, found = existing[key]
		} else {
			probe := r.Contact
			probe.CompanyID = cid
			key = "\x00" + dupKey(&probe)
			stored, found = byDupKey[key[1:]]
		}
		if t := pending[key]; t != nil {
			counts.Updated++
			if err := w.apply(t, it.in, it.props, it.ownerID, cid); err != nil {
				return counts, nil, err
			}
			continue
		}
		var t *contactTarget
		if found {
			counts.Updated++
			c := stored
			t = &contactTarget{c: &c, before: stored}
			if err := w.apply(t, it.in, it.props, it.ownerID, cid); err != nil {
				return counts, nil, err
			}
		} else {
			counts.Created++
			c := r.Contact
			c.Tags = nil
			c.OriginalSource, c.SourceDetail = w.source, w.im.Filename
			c.CompanyID = cid
			c.OwnerID = it.ownerID
			if c.OwnerID == 0 {
				c.OwnerID = w.ownerID
			}
			if len(it.props) > 0 {
				if c.Props, err = storedForm(it.props); err != nil {
					return counts, nil, err
				}
			}
			t = &contactTarget{c: &c, isNew: true, tags: r.Contact.Tags, consent: c.Consent != crm.ConsentUnknown}
		}
		pending[key] = t
		targets = append(targets, t)
	}

	// 6. Write: new contacts, changed contacts, tags, timeline, consent.
	var created []*crm.Contact
	var changed []store.ContactUpdate
	for _, t := range targets {
		if t.isNew {
			created = append(created, t.c)
			continue
		}
		if t.changes = contactChanges(t.before, *t.c); len(t.changes) > 0 {
			changed = append(changed, store.ContactUpdate{Before: t.before, After: t.c})
		}
		delete(t.changes, "tags")
	}
	if err := tx.InsertContacts(ctx, created, now); err != nil {
		if errors.Is(err, crm.ErrConflict) {
			// Someone added one of the addresses meanwhile (PostgreSQL):
			// the retry finds it and updates it.
			return counts, nil, fmt.Errorf("a contact was added while the batch was written, retrying: %w", err)
		}
		return counts, nil, err
	}
	if err := tx.UpdateContacts(ctx, changed, now); err != nil {
		return counts, nil, err
	}
	if err := w.writeTags(ctx, tx, targets); err != nil {
		return counts, nil, err
	}
	entries := make([]store.TimelineEntry, 0, len(targets))
	var consents []store.ConsentEvent
	for _, t := range targets {
		action := "created"
		if !t.isNew {
			action = "updated"
		}
		entries = append(entries, store.TimelineEntry{At: now, ContactID: t.c.ID, Kind: KindImported, ActorID: w.actorID,
			Data: w.timelineData(action, t.changes), RefType: "import", RefID: w.im.ID})
		if t.consent && (t.isNew || t.c.Consent != t.before.Consent) {
			consents = append(consents, store.ConsentEvent{ContactID: t.c.ID, At: now, Status: t.c.Consent, Source: "import",
				Wording: "import " + w.im.Filename, ActorID: w.actorID})
		}
	}
	if err := tx.AddTimelineEntries(ctx, entries); err != nil {
		return counts, nil, err
	}
	if err := tx.AddConsentEvents(ctx, consents); err != nil {
		return counts, nil, err
	}
	return counts, errs, nil
}

// sortedFields lists a validation error's fields in order.
func sortedFields(v *crm.ValidationError) []string {
	out := make([]string, 0, len(v.Fields))
	for f := range v.Fields {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// columnOf returns the header of the column mapped to a field key.
func (w *contactWriter) columnOf(field string) string {
	for col, h := range w.m.Header() {
		if w.m.Field(col) == field {
			return h
		}
	}
	return ""
}

// apply puts the non-empty cells of a row onto a contact (DESIGN.md §7's
// upsert: what the file leaves empty stays as stored).
func (w *contactWriter) apply(t *contactTarget, in *rowIn, props map[string]any, ownerID, companyID int64) error {
	r, c := in.contact, t.c
	set := func(field string, dst *string, v string) {
		if r.Has(field) {
			*dst = v
		}
	}
	set("family_name", &c.Family, r.Contact.Family)
	set("given_name", &c.Given, r.Contact.Given)
	set("family_reading", &c.FamilyReading, r.Contact.FamilyReading)
	set("given_reading", &c.GivenReading, r.Contact.GivenReading)
	set("honorific", &c.Honorific, r.Contact.Honorific)
	set("phone", &c.Phone, r.Contact.Phone)
	set("job_title", &c.JobTitle, r.Contact.JobTitle)
	set("department", &c.Department, r.Contact.Department)
	if r.Has("lifecycle_stage") {
		c.Lifecycle = r.Contact.Lifecycle
	}
	if r.Has("lead_status") {
		c.LeadStatus = r.Contact.LeadStatus
	}
	if r.Has("consent") {
		c.Consent, t.consent = r.Contact.Consent, true
	}
	switch {
	case ownerID != 0:
		c.OwnerID = ownerID
	case c.OwnerID == 0:
		c.OwnerID = w.ownerID
	}
	if companyID != 0 {
		c.CompanyID = companyID
		c.CompanyName = r.Company.Name
		if companyID == t.before.CompanyID {
			c.CompanyName = t.before.CompanyName
		}
	}
	var err error
	if c.Props, err = mergeProps(c.Props, props); err != nil {
		return err
	}
	t.tags = append(t.tags, r.Contact.Tags...)
	return nil
}

// writeTags adds the file's tags and the import's tags to the contacts;
// tags a contact has stay.
func (w *contactWriter) writeTags(ctx context.Context, tx *store.BatchTx, targets []*contactTarget) error {
	var names []string
	for _, t := range targets {
		names = append(names, t.tags...)
	}
	if len(names) == 0 && len(w.opts.Tags) == 0 || len(targets) == 0 {
		return nil
	}
	ids, err := tx.EnsureTags(ctx, uniqueStrings(append(names, w.opts.Tags...)))
	if err != nil {
		return err
	}
	var links []store.ContactTag
	seen := map[store.ContactTag]bool{}
	for _, t := range targets {
		for _, list := range [][]string{t.tags, w.opts.Tags} {
			for _, name := range list {
				l := store.ContactTag{ContactID: t.c.ID, TagID: ids[name]}
				if l.TagID != 0 && !seen[l] {
					seen[l] = true
					links = append(links, l)
				}
			}
		}
	}
	return tx.AddContactTags(ctx, links)
}

func uniqueStrings(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// ---- companies ----

// companyWriter imports company rows, matched by duplicate key.
type companyWriter struct {
	*importBase
}

func (w *companyWriter) write(ctx context.Context, tx *store.BatchTx, rows []rowIn) (store.ImportCounts, []store.ImportError, error) {
	var counts store.ImportCounts
	var errs []store.ImportError
	now := w.a.now()
	if err := w.loadUsers(ctx, tx); err != nil {
		return counts, nil, err
	}
	type item struct {
		in      *rowIn
		props   map[string]any
		ownerID int64
	}
	var items []item
	var keys []string
	for i := range rows {
		in := &rows[i]
		problems := rowProblems(*in)
		if in.readErr == "" {
			it := item{in: in}
			it.props = w.parseProps(in.row, in.company.Props, &problems)
			it.ownerID = w.owner(in.row, in.company.OwnerEmail, in.company.OwnerName, &problems)
			if len(problems) == 0 {
				items = append(items, it)
				keys = append(keys, in.companyKey)
				continue
			}
		}
		errs = append(errs, problems...)
		counts.Errors++
	}
	existing, err := tx.CompaniesByKeys(ctx, uniqueStrings(keys))
	if err != nil {
		return counts, nil, err
	}
	type target struct {
		co     *crm.Company
		before crm.Company
		isNew  bool
	}
	var targets []*target
	pending := map[string]*target{}
	for _, it := range items {
		r := it.in.company
		key := it.in.companyKey
		t := pending[key]
		if t == nil {
			if stored, ok := existing[key]; ok {
				co := stored
				t = &target{co: &co, before: stored}
			}
		}
		if t == nil {
			counts.Created++
			co := r.Company
			co.OwnerID = it.ownerID
			if co.OwnerID == 0 {
				co.OwnerID = w.ownerID
			}
			if len(it.props) > 0 {
				if co.Props, err = storedForm(it.props); err != nil {
					return counts, nil, err
				}
			}
			t = &target{co: &co, isNew: true}
			pending[key] = t
			targets = append(targets, t)
			continue
		}
		counts.Updated++
		if pending[key] == nil {
			pending[key] = t
			targets = append(targets, t)
		}
		co := t.co
		fill := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		fill(&co.Reading, r.Company.Reading)
		fill(&co.Domain, r.Company.Domain)
		fill(&co.Industry, r.Company.Industry)
		fill(&co.PostalCode, r.Company.PostalCode)
		fill(&co.Prefecture, r.Company.Prefecture)
		fill(&co.City, r.Company.City)
		fill(&co.Street, r.Company.Street)
		fill(&co.Country, r.Company.Country)
		fill(&co.Phone, r.Company.Phone)
		if r.Company.Employees > 0 {
			co.Employees = r.Company.Employees
		}
		switch {
		case it.ownerID != 0:
			co.OwnerID = it.ownerID
		case co.OwnerID == 0:
			co.OwnerID = w.ownerID
		}
		if co.Props, err = mergeProps(co.Props, it.props); err != nil {
			return counts, nil, err
		}
	}
	var fresh []*crm.Company
	for _, t := range targets {
		if t.isNew {
			fresh = append(fresh, t.co)
		}
	}
	if err := tx.InsertCompanies(ctx, fresh, now); err != nil {
		return counts, nil, err
	}
	entries := make([]store.TimelineEntry, 0, len(targets))
	for _, t := range targets {
		action, changes := "created", map[string]any(nil)
		if !t.isNew {
			action, changes = "updated", companyChanges(t.before, *t.co)
			if len(changes) > 0 {
				if err := tx.UpdateCompany(ctx, t.co, now); err != nil {
					return counts, nil, err
				}
			}
		}
		entries = append(entries, store.TimelineEntry{At: now, CompanyID: t.co.ID, Kind: KindImported, ActorID: w.actorID,
			Data: w.timelineData(action, changes), RefType: "import", RefID: w.im.ID})
	}
	return counts, errs, tx.AddTimelineEntries(ctx, entries)
}
