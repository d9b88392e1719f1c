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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"renkei/internal/crm"
	"renkei/internal/csvio"
	"renkei/internal/jobs"
	"renkei/internal/store"
	"renkei/internal/textseg"
)

// Social post imports. StartSocialImport stores the file (CSV or JSON) in
// the database as a contact import does (an imports row of object
// social_post with the file in chunks) and queues a social.import job. The
// job reads the file one record at a time, converts, segments and scores
// each batch of socialBatch posts (the analysis runs on every core), and
// writes the batch in one transaction together with the import's progress
// and row errors: a crash loses at most the open batch, and the job,
// claimed again, goes on after the last committed record.

// JobSocialImport is the job kind that runs a social post import.
const JobSocialImport = "social.import"

// ObjectSocialPost is the imports.object of a social post import.
const ObjectSocialPost = "social_post"

// MaxSocialImportBytes is the largest file StartSocialImport takes.
const MaxSocialImportBytes = 100 << 20

// socialBatch is how many posts one transaction writes.
const socialBatch = 1000

// SocialImportRequest starts a social post import.
type SocialImportRequest struct {
	Filename string
	// Network is the network of posts whose record does not say (x,
	// instagram, …).
	Network string
	// Format is csv, json or "" (from the file name, else from the first
	// character of the file).
	Format   string
	Encoding string // CSV only: auto, utf-8 or shift_jis
}

type socialImportOptions struct {
	Network  string `json:"network"`
	Format   string `json:"format"`
	Encoding string `json:"encoding"`
}

// StartSocialImport checks the request, stores the file read from r and
// queues the import job. It returns at once.
func (a *App) StartSocialImport(ctx context.Context, ac Actor, req SocialImportRequest, r io.Reader) (store.Import, error) {
	var im store.Import
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return im, err
	}
	v := &crm.ValidationError{}
	network := crm.NormalizeNetwork(req.Network)
	if network == "" {
		network = "x"
	}
	if probe := (crm.SocialPost{Network: network}); probe.Validate(a.now()) != nil {
		if fv, ok := crm.AsValidation(probe.Validate(a.now())); ok && fv.Fields["network"] != "" {
			v.Add("network", fv.Fields["network"])
		}
	}
	name := path.Base(strings.ReplaceAll(strings.TrimSpace(req.Filename), "\\", "/"))
	if name == "." || name == "/" || name == "" {
		name = "posts"
	}
	if utf8.RuneCountInString(name) > 200 || strings.ContainsAny(name, "\r\n\x00") {
		v.Add("filename", "is too long or not on one line")
	}
	enc, err := parseImportEncoding(req.Encoding)
	if err != nil {
		return im, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	format := strings.ToLower(strings.TrimSpace(req.Format))
	switch format {
	case "csv", "json":
	case "", "auto":
		format = socialFormatOf(name, br)
	default:
		v.Add("format", "choose csv or json")
	}
	if err := v.Err(); err != nil {
		return im, err
	}
	opts, err := json.Marshal(socialImportOptions{Network: network, Format: format, Encoding: string(enc)})
	if err != nil {
		return im, err
	}
	im = store.Import{Object: ObjectSocialPost, Filename: name, Encoding: string(enc), Options: string(opts), UserID: ac.User.ID}
	est := &recordEstimate{json: format == "json"}
	file := &countingReader{r: io.TeeReader(br, est), max: MaxSocialImportBytes}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		now := a.now()
		if err := tx.CreateImport(ctx, &im, file, now); err != nil {
			return err
		}
		if file.tooBig {
			return crm.Invalid("file", fmt.Sprintf("is larger than %d MB; split it into several files", MaxSocialImportBytes>>20))
		}
		if file.n == 0 {
			return crm.Invalid("file", "the file is empty")
		}
		payload, _ := json.Marshal(importPayload{ImportID: im.ID})
		j := store.Job{Kind: JobSocialImport, Payload: string(payload), RunAt: now, CreatedAt: now, MaxAttempts: 10}
		if err := tx.Enqueue(ctx, &j); err != nil {
			return err
		}
		im.JobID, im.TotalRows = j.ID, file.rows()
		if format == "json" {
			im.TotalRows = est.n
		}
		if err := tx.SetImportJob(ctx, im.ID, j.ID, im.TotalRows); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "social.import.start", fmt.Sprintf("import %d", im.ID), format+" "+name))
	})
	if err != nil {
		return store.Import{}, err
	}
	if a.Wake != nil {
		a.Wake()
	}
	return im, nil
}

// socialFormatOf guesses the format from the file name, else from the
// first character that is not white space (or a byte order mark).
func socialFormatOf(name string, br *bufio.Reader) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".json", ".ndjson", ".jsonl", ".js":
		return "json"
	case ".csv", ".tsv", ".txt":
		return "csv"
	}
	head, _ := br.Peek(512)
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) > 0 && (head[0] == '[' || head[0] == '{') || bytes.HasPrefix(head, []byte("window.")) {
		return "json"
	}
	return "csv"
}

// recordEstimate estimates the records of a JSON file from the keys that
// hold a post's text (one per post), for the progress bar; the count is
// corrected as the import goes.
type recordEstimate struct {
	json bool
	n    int
	tail []byte
}

var textKeys = [][]byte{[]byte(`"text"`), []byte(`"full_text"`), []byte(`"caption"`), []byte(`"message"`), []byte(`"content"`)}

func (e *recordEstimate) Write(p []byte) (int, error) {
	if !e.json {
		return len(p), nil
	}
	buf := append(e.tail, p...)
	for _, k := range textKeys {
		e.n += bytes.Count(buf, k) - bytes.Count(e.tail, k)
	}
	keep := min(len(buf), 12)
	e.tail = append(e.tail[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

// SocialImports lists the newest social post imports first.
func (a *App) SocialImports(ctx context.Context, ac Actor, limit int) ([]store.Import, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	all, err := a.Store.Imports(ctx, 200)
	if err != nil {
		return nil, err
	}
	var out []store.Import
	for _, im := range all {
		if im.Object == ObjectSocialPost && len(out) < limit {
			out = append(out, im)
		}
	}
	return out, nil
}

// SocialImport returns one social post import with its progress and its
// first row errors.
func (a *App) SocialImport(ctx context.Context, ac Actor, id int64) (store.Import, []store.ImportError, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return store.Import{}, nil, err
	}
	im, err := a.Store.Import(ctx, id)
	if err == nil && im.Object != ObjectSocialPost {
		err = crm.ErrNotFound
	}
	if err != nil {
		return im, nil, err
	}
	errs, err := a.Store.ImportErrors(ctx, id, 200)
	return im, errs, err
}

// ---- the job ----

func (a *App) handleSocialImport(ctx context.Context, j store.Job, progress jobs.Progress) error {
	var p importPayload
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil || p.ImportID == 0 {
		return jobs.Permanent{Err: fmt.Errorf("bad social import payload %q", j.Payload)}
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
	err = a.runSocialImport(ctx, im, progress)
	var fail importFailure
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fail):
		if ferr := a.Store.FinishImport(ctx, im.ID, store.ImportFailed, fail.msg, "", a.now()); ferr != nil {
			return ferr
		}
		return jobs.Permanent{Err: err}
	case errors.Is(err, errImportMoved):
		return err
	case j.Attempts >= j.MaxAttempts:
		msg := fmt.Sprintf("the import stopped after repeated errors (%v); the posts before were imported", err)
		if ferr := a.Store.FinishImport(ctx, im.ID, store.ImportFailed, msg, "", a.now()); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

// socialRecord is one record of the file: its fields by normalised name
// (socialKey), or why it could not be read.
type socialRecord struct {
	row     int // CSV: the line as a spreadsheet numbers it (header = 1); JSON: the item, from 1
	fields  map[string]string
	readErr string
}

// socialBatchIn is a batch read, converted and analysed.
type socialBatchIn struct {
	records int
	posts   []store.SocialPostWrite
	errs    []store.ImportError
	skipped int // earlier records of a post that appears again in the batch
}

func (a *App) runSocialImport(ctx context.Context, im store.Import, progress jobs.Progress) error {
	var opts socialImportOptions
	if err := json.Unmarshal([]byte(im.Options), &opts); err != nil {
		return importFailure{"the import's options cannot be read"}
	}
	if err := a.Store.StartImportRun(ctx, im.ID); err != nil {
		return err
	}
	lex, err := a.socialLexicon(ctx)
	if err != nil {
		return err
	}
	loc := a.location(ctx)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next func() (socialRecord, error)
	var csvRd *csvio.Reader
	encoding := "utf-8"
	if opts.Format == "json" {
		next, err = jsonRecords(a.Store.ImportFile(rctx, im.ID))
	} else {
		enc, perr := csvio.ParseEncoding(opts.Encoding)
		if perr != nil {
			enc = csvio.Encoding(im.Encoding)
		}
		csvRd, err = csvio.NewReader(a.Store.ImportFile(rctx, im.ID), enc)
		if errors.Is(err, csvio.ErrEmpty) || errors.Is(err, csvio.ErrUTF16) {
			return importFailure{err.Error()}
		}
		if err == nil {
			next = csvRecords(csvRd)
			if !hasTextColumn(csvRd.Header()) {
				return importFailure{"the file has no column with the post's text (text, full_text, caption, message or content)"}
			}
		}
	}
	if err != nil {
		var fail importFailure
		if errors.As(err, &fail) {
			return err
		}
		return importFailure{"the file cannot be read: " + err.Error()}
	}

	// Skip what earlier runs committed.
	done := 0
	for done < im.DoneRows {
		if _, err := next(); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		done++
	}
	total := im.TotalRows

	stmts := a.Store.NewBatchStmts(ctx)
	defer stmts.Close()

	batches := make(chan socialBatchIn, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- a.readSocialBatches(rctx, next, opts.Network, loc, lex, batches)
	}()
	for b := range batches {
		var counts store.ImportCounts
		err := a.Store.InBatchTx(ctx, stmts, func(tx *store.BatchTx) error {
			at, err := tx.LockImport(ctx, im.ID)
			if err != nil {
				return err
			}
			if at != done {
				return errImportMoved
			}
			created, updated, err := tx.UpsertSocialPosts(ctx, b.posts, a.now())
			if err != nil {
				return err
			}
			counts = store.ImportCounts{Rows: b.records, Created: created, Updated: updated, Skipped: b.skipped,
				Errors: b.records - len(b.posts) - b.skipped}
			if err := tx.AddImportErrors(ctx, im.ID, b.errs); err != nil {
				return err
			}
			return tx.AdvanceImport(ctx, im.ID, counts)
		})
		if err != nil {
			cancel()
			for range batches { // let the reader stop
			}
			return err
		}
		done += b.records
		total = max(total, done)
		if err := progress(done, total); err != nil {
			return err
		}
	}
	if err := <-readErr; err != nil {
		var fail importFailure
		if errors.As(err, &fail) {
			return err
		}
		if errors.Is(err, context.Canceled) {
			return err
		}
		return importFailure{"the file cannot be read: " + err.Error()}
	}
	if csvRd != nil {
		encoding = string(csvRd.Encoding())
	}
	if err := a.Store.FinishImport(ctx, im.ID, store.ImportDone, "", encoding, a.now()); err != nil {
		return err
	}
	return progress(done, done)
}

// readSocialBatches reads the rest of the file and sends batches of
// socialBatch records, converted and analysed.
func (a *App) readSocialBatches(ctx context.Context, next func() (socialRecord, error), network string, loc *time.Location,
	lex *textseg.Lexicon, out chan<- socialBatchIn) error {
	now := a.now()
	flush := func(recs []socialRecord) error {
		b := socialBatchIn{records: len(recs)}
		posts := make([]crm.SocialPost, 0, len(recs))
		for _, rec := range recs {
			if rec.readErr != "" {
				b.errs = append(b.errs, store.ImportError{Row: rec.row, Reason: rec.readErr})
				continue
			}
			p, err := socialPostOf(rec.fields, network, loc)
			if err == nil {
				p.Normalize()
				err = p.Validate(now)
			}
			if err != nil {
				b.errs = append(b.errs, rowErrors(rec.row, err)...)
				continue
			}
			p.Source = "import"
			posts = append(posts, p)
		}
		last := make(map[string]int, len(posts))
		for i := range posts {
			last[posts[i].Key()] = i
		}
		for i := range posts {
			if last[posts[i].Key()] != i {
				b.skipped++
				continue
			}
			b.posts = append(b.posts, store.SocialPostWrite{Post: &posts[i]})
		}
		if err := analyzePosts(ctx, b.posts, lex); err != nil {
			return err
		}
		select {
		case out <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	recs := make([]socialRecord, 0, socialBatch)
	for {
		rec, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		recs = append(recs, rec)
		if len(recs) == socialBatch {
			if err := flush(recs); err != nil {
				return err
			}
			recs = make([]socialRecord, 0, socialBatch)
		}
	}
	if len(recs) > 0 {
		return flush(recs)
	}
	return nil
}

// rowErrors turns a post's validation error into row errors.
func rowErrors(row int, err error) []store.ImportError {
	v, ok := crm.AsValidation(err)
	if !ok {
		return []store.ImportError{{Row: row, Reason: err.Error()}}
	}
	var out []store.ImportError
	for _, f := range sortedFields(v) {
		out = append(out, store.ImportError{Row: row, Column: f, Reason: v.Fields[f]})
	}
	return out
}

// ---- reading records ----

// socialKey normalises a column or JSON key for matching: lower case,
// without spaces, _, -, . and /.
func socialKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '_', '-', '.', '/', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// socialAliases lists, per field, the (normalised) names the exports of
// common tools use, the preferred first. docs/social-listening.md lists
// them.
var socialAliases = map[string][]string{
	"id":      {"id", "idstr", "tweetid", "postid", "mediaid", "externalid", "statusid", "restid"},
	"text":    {"fulltext", "text", "caption", "message", "content", "body", "tweettext", "posttext", "notetweettext", "title"},
	"created": {"createdat", "timestamp", "postedat", "publishedat", "takenat", "createdtime", "creationtimestamp", "datetime", "date", "time", "tweetdate"},
	"author":  {"username", "screenname", "userscreenname", "userusername", "authorusername", "ownerusername", "author", "handle", "account", "user", "fromuser", "owner", "authorname", "username"},
	"url":     {"url", "permalink", "link", "tweeturl", "posturl", "shortcodeurl"},
	"likes":   {"likes", "likecount", "favoritecount", "favouritecount", "favorites", "likescount", "publicmetricslikecount", "reactions", "reactioncount"},
	"shares":  {"retweets", "retweetcount", "shares", "sharecount", "reposts", "repostcount", "publicmetricsretweetcount"},
	"network": {"network", "platform", "channel", "sns"},
}

// hasTextColumn reports whether a CSV header has a column for the text.
func hasTextColumn(header []string) bool {
	for _, h := range header {
		for _, k := range socialAliases["text"] {
			if socialKey(h) == k {
				return true
			}
		}
	}
	return false
}

func pick(fields map[string]string, field string) (string, bool) {
	for _, k := range socialAliases[field] {
		if v, ok := fields[k]; ok && strings.TrimSpace(v) != "" {
			return v, true
		}
	}
	return "", false
}

// socialPostOf converts one record; what cannot be read is a field error.
func socialPostOf(fields map[string]string, network string, loc *time.Location) (crm.SocialPost, error) {
	v := &crm.ValidationError{}
	p := crm.SocialPost{Network: network}
	if n, ok := pick(fields, "network"); ok {
		p.Network = n
	}
	p.ExternalID, _ = pick(fields, "id")
	p.Text, _ = pick(fields, "text")
	p.Author, _ = pick(fields, "author")
	p.URL, _ = pick(fields, "url")
	if s, ok := pick(fields, "created"); ok {
		t, err := parseSocialTime(s, loc)
		if err != nil {
			v.Add("created_at", "enter a time such as 2026-04-30T09:15:00Z, 2026-04-30 09:15 or Unix seconds")
		}
		p.PostedAt = t
	}
	for _, c := range []struct {
		field string
		dst   *int64
	}{{"likes", &p.Likes}, {"shares", &p.Shares}} {
		if s, ok := pick(fields, c.field); ok {
			n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 10, 64)
			if err != nil {
				if f, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64); ferr == nil && f >= 0 && f == float64(int64(f)) {
					n, err = int64(f), nil
				}
			}
			if err != nil || n < 0 {
				v.Add(c.field, "must be a whole number from 0")
			}
			*c.dst = n
		}
	}
	return p, v.Err()
}

// socialTimeLayouts are the time formats of common exports; those without
// a zone are read in the workspace's.
var socialTimeLayouts = []string{time.RFC3339Nano, time.RubyDate, "2006-01-02T15:04:05", "2006-01-02 15:04:05",
	"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 MST", "2006-01-02 15:04", "2006/01/02 15:04:05", "2006/01/02 15:04",
	"2006-01-02", "2006/01/02", time.RFC1123Z, time.RFC1123, "Jan 2, 2006 3:04 PM", "January 2, 2006 at 3:04 PM"}

func parseSocialTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n > 1e14: // microseconds
			return time.UnixMicro(n).UTC(), nil
		case n > 1e11: // milliseconds
			return time.UnixMilli(n).UTC(), nil
		default:
			return time.Unix(n, 0).UTC(), nil
		}
	}
	for _, l := range socialTimeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown time format %q", s)
}

// csvRecords reads CSV rows as records keyed by normalised column names
// (the first of two columns with the same name wins).
func csvRecords(rd *csvio.Reader) func() (socialRecord, error) {
	keys := make([]string, len(rd.Header()))
	for i, h := range rd.Header() {
		keys[i] = socialKey(h)
	}
	return func() (socialRecord, error) {
		row, rec, err := rd.Read()
		var re *csvio.RowError
		switch {
		case errors.As(err, &re):
			return socialRecord{row: re.Row, readErr: re.Reason}, nil
		case err != nil:
			return socialRecord{}, err
		}
		unneutralize(rec)
		f := make(map[string]string, len(rec))
		for i, c := range rec {
			if i < len(keys) {
				if _, dup := f[keys[i]]; !dup {
					f[keys[i]] = c
				}
			}
		}
		return socialRecord{row: row, fields: f}, nil
	}
}

// jsonRecords reads posts from JSON: an array of objects, objects one
// after another (NDJSON), an object with a "data" array (X API v2), or an
// X archive (window.YTD.tweets.part0 = [ … ]). An object wrapped as
// {"tweet": {…}} is unwrapped; nested objects are flattened (user.screen_name
// → userscreenname).
func jsonRecords(r io.Reader) (func() (socialRecord, error), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	// An X archive starts with a JavaScript assignment.
	if head, _ := br.Peek(64); bytes.HasPrefix(bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n"), []byte("window.")) {
		if _, err := br.ReadBytes('='); err != nil {
			return nil, importFailure{"the file is not JSON"}
		}
	} else if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	item := 0
	inArray := false
	var pending []map[string]any // items of a "data" array
	started := false
	return func() (socialRecord, error) {
		for {
			if len(pending) > 0 {
				o := pending[0]
				pending = pending[1:]
				item++
				return socialRecord{row: item, fields: flattenPost(o)}, nil
			}
			if !started {
				started = true
				tok, err := dec.Token()
				if err == io.EOF {
					return socialRecord{}, importFailure{"the file is empty"}
				}
				if err != nil {
					return socialRecord{}, importFailure{"the file is not JSON: " + err.Error()}
				}
				switch tok {
				case json.Delim('['):
					inArray = true
				case json.Delim('{'):
					// Objects one after another: read this one whole.
					o, err := decodeRestOfObject(dec)
					if err != nil {
						return socialRecord{}, importFailure{"the file is not JSON: " + err.Error()}
					}
					if data, ok := o["data"].([]any); ok {
						pending = objects(data)
						continue
					}
					item++
					return socialRecord{row: item, fields: flattenPost(o)}, nil
				default:
					return socialRecord{}, importFailure{"the file is not a JSON list of posts"}
				}
			}
			if inArray && !dec.More() {
				if _, err := dec.Token(); err != nil { // the closing ]
					return socialRecord{}, importFailure{"the file is not JSON: " + err.Error()}
				}
				inArray = false
				continue
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err == io.EOF {
				return socialRecord{}, io.EOF
			} else if err != nil {
				// A syntax error leaves the decoder lost: the rest cannot be read.
				return socialRecord{}, importFailure{fmt.Sprintf("the file is not valid JSON after item %d: %v", item, err)}
			}
			var o map[string]any
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			if err := d.Decode(&o); err != nil || o == nil {
				item++
				return socialRecord{row: item, readErr: "is not a JSON object"}, nil
			}
			if data, ok := o["data"].([]any); ok && !inArray {
				pending = objects(data)
				continue
			}
			item++
			return socialRecord{row: item, fields: flattenPost(o)}, nil
		}
	}, nil
}

// decodeRestOfObject reads the members of an object whose { was read.
func decodeRestOfObject(dec *json.Decoder) (map[string]any, error) {
	o := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok {
			return nil, errors.New("expected a key")
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o[k] = v
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, err
	}
	return o, nil
}

func objects(list []any) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, x := range list {
		if o, ok := x.(map[string]any); ok {
			out = append(out, o)
		} else {
			out = append(out, map[string]any{})
		}
	}
	return out
}

// flattenPost unwraps {"tweet": {…}} and flattens nested objects (two
// levels) into normalised keys; strings and numbers only.
func flattenPost(o map[string]any) map[string]string {
	if len(o) == 1 {
		for _, k := range []string{"tweet", "post", "node", "status"} {
			if inner, ok := o[k].(map[string]any); ok {
				o = inner
			}
		}
	}
	out := map[string]string{}
	var walk func(prefix string, m map[string]any, depth int)
	walk = func(prefix string, m map[string]any, depth int) {
		for k, v := range m {
			key := prefix + socialKey(k)
			switch x := v.(type) {
			case string:
				if _, dup := out[key]; !dup {
					out[key] = x
				}
			case json.Number:
				if _, dup := out[key]; !dup {
					out[key] = x.String()
				}
			case map[string]any:
				if depth < 2 {
					walk(key, x, depth+1)
				}
			}
		}
	}
	walk("", o, 0)
	return out
}
