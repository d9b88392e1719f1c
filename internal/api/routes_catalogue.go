package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// catalogueRoutes are the API endpoints of the product catalogue, price
// books, competitors' battlecards and products, and observed prices
// (issue 7 §§1, 2, 5). Catalogue changes need an admin or a team manager
// besides the table's permission (403 otherwise).
func (s *server) catalogueRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/products", perm: crm.PermReadAll, id: "listProducts", tag: "catalogue",
			summary: "Products and services by SKU, searched by SKU or name", query: productListQuery(),
			status: 200, resp: "ProductList", handle: s.listProducts},
		{method: http.MethodPost, path: "/products", perm: crm.PermWriteContacts, id: "createProduct", tag: "catalogue",
			summary: "Add a product (admins and team managers); a SKU in use is a 422 on sku",
			body:    "ProductInput", status: 201, resp: "Product", location: true, handle: s.createProduct},
		{method: http.MethodGet, path: "/products/{id}", perm: crm.PermReadAll, id: "getProduct", tag: "catalogue",
			summary: "One product", status: 200, resp: "Product", handle: s.getProduct},
		{method: http.MethodPatch, path: "/products/{id}", perm: crm.PermWriteContacts, id: "updateProduct", tag: "catalogue",
			summary: "Change the fields sent (admins and team managers)", body: "ProductPatch", ifMatch: true,
			status: 200, resp: "Product", handle: s.updateProduct},
		{method: http.MethodGet, path: "/products/{id}/price", perm: crm.PermReadAll, id: "productPrice", tag: "catalogue",
			summary: "The product's price on a day: the price book's when the book is active, valid that day and prices the product; the list price otherwise",
			query:   priceQuery(), status: 200, resp: "ProductPrice", handle: s.productPrice},

		{method: http.MethodGet, path: "/price-books", perm: crm.PermReadAll, id: "listPriceBooks", tag: "catalogue",
			summary: "Every price book by name", status: 200, resp: "PriceBookList", handle: s.listPriceBooks},
		{method: http.MethodPost, path: "/price-books", perm: crm.PermWriteContacts, id: "createPriceBook", tag: "catalogue",
			summary: "Add a price book (admins and team managers)", body: "PriceBookInput", status: 201,
			resp: "PriceBookDetail", location: true, handle: s.createPriceBook},
		{method: http.MethodGet, path: "/price-books/{id}", perm: crm.PermReadAll, id: "getPriceBook", tag: "catalogue",
			summary: "One price book with its prices", status: 200, resp: "PriceBookDetail", handle: s.getPriceBook},
		{method: http.MethodPatch, path: "/price-books/{id}", perm: crm.PermWriteContacts, id: "updatePriceBook", tag: "catalogue",
			summary: "Change the fields sent (admins and team managers)", body: "PriceBookPatch",
			status: 200, resp: "PriceBookDetail", handle: s.updatePriceBook},
		{method: http.MethodDelete, path: "/price-books/{id}", perm: crm.PermWriteContacts, id: "deletePriceBook", tag: "catalogue",
			summary: "Delete a price book with its prices (admins and team managers)", status: 204, handle: s.deletePriceBook},
		{method: http.MethodPut, path: "/price-books/{id}/entries/{product_id}", perm: crm.PermWriteContacts, id: "setPriceBookEntry",
			tag: "catalogue", summary: "Set (or replace) a product's price in the book (admins and team managers)",
			body: "PriceBookEntryInput", status: 200, resp: "PriceBookDetail", handle: s.setPriceBookEntry},
		{method: http.MethodDelete, path: "/price-books/{id}/entries/{product_id}", perm: crm.PermWriteContacts,
			id: "deletePriceBookEntry", tag: "catalogue", summary: "Remove a product's price from the book (admins and team managers)",
			status: 204, handle: s.deletePriceBookEntry},

		{method: http.MethodGet, path: "/competitors/{id}", perm: crm.PermReadAll, id: "getCompetitor", tag: "competitors",
			summary: "A competitor's battlecard: strengths, weaknesses, talk track, its products and the win / loss record of the deals that named it (that you may see)",
			status:  200, resp: "Battlecard", handle: s.getCompetitor},
		{method: http.MethodPatch, path: "/competitors/{id}", perm: crm.PermWriteSales, id: "updateCompetitor", tag: "competitors",
			summary: "Change the fields sent, battlecard included", body: "CompetitorPatch", status: 200,
			resp: "Battlecard", handle: s.updateCompetitor},
		{method: http.MethodPost, path: "/competitors/{id}/products", perm: crm.PermWriteSales, id: "createCompetitorProduct",
			tag: "competitors", summary: "Add a product of the competitor, mapped to one of ours (or not)",
			body: "CompetitorProductInput", status: 201, resp: "CompetitorProduct", handle: s.createCompetitorProduct},
		{method: http.MethodPatch, path: "/competitors/{id}/products/{product_id}", perm: crm.PermWriteSales,
			id: "updateCompetitorProduct", tag: "competitors", summary: "Rename, re-map or annotate a competitor's product",
			body: "CompetitorProductPatch", status: 200, resp: "CompetitorProduct", handle: s.updateCompetitorProduct},
		{method: http.MethodDelete, path: "/competitors/{id}/products/{product_id}", perm: crm.PermWriteSales,
			id: "deleteCompetitorProduct", tag: "competitors", summary: "Remove a competitor's product and its observed prices",
			status: 204, handle: s.deleteCompetitorProduct},

		{method: http.MethodGet, path: "/competitor-prices", perm: crm.PermReadAll, id: "listCompetitorPrices", tag: "competitors",
			summary: "Observed prices, oldest day first: the history of a competitor, of one of its products, or of the competitors' products mapped to one of ours",
			query:   competitorPriceQuery(), status: 200, resp: "CompetitorPriceList", handle: s.listCompetitorPrices},
		{method: http.MethodPost, path: "/competitor-prices", perm: crm.PermWriteContacts, id: "createCompetitorPrice", tag: "competitors",
			summary: "Record a price observed on a day with its source (an address, a note or both); the history keeps every observation",
			body:    "CompetitorPriceInput", status: 201, resp: "CompetitorPrice", handle: s.createCompetitorPrice},
	}
}

func productListQuery() []param {
	return pageParams(
		param{name: "q", desc: "Part of the SKU or of either name (ASCII case ignored).", schema: js{"type": "string"}},
		param{name: "active", desc: "true: active products only.", schema: js{"type": "boolean"}},
	)
}

func priceQuery() []param {
	return []param{
		{name: "price_book_id", desc: "The price book; leave out for the list price.", schema: idSchema("")},
		{name: "date", desc: "The day, YYYY-MM-DD (default: today in the workspace's time zone).", schema: date("")},
	}
}

func competitorPriceQuery() []param {
	return pageParams(
		param{name: "competitor_id", desc: "Of this competitor.", schema: idSchema("")},
		param{name: "competitor_product_id", desc: "Of this competitor product.", schema: idSchema("")},
		param{name: "product_id", desc: "Of the competitor products mapped to this product of ours.", schema: idSchema("")},
		param{name: "from", desc: "Observed on or after this day.", schema: date("")},
		param{name: "to", desc: "Observed on or before this day.", schema: date("")},
	)
}

// ---- products ----

type productJSON struct {
	ID             int64     `json:"id"`
	SKU            string    `json:"sku"`
	NameJA         string    `json:"name_ja"`
	NameEN         string    `json:"name_en"`
	Unit           string    `json:"unit"`
	ListPrice      int64     `json:"list_price"`
	Cost           int64     `json:"cost"`
	MarginPermille int64     `json:"margin_permille"`
	Currency       string    `json:"currency"`
	TaxCategory    string    `json:"tax_category"`
	TaxRate        int       `json:"tax_rate"`
	Active         bool      `json:"active"`
	Description    string    `json:"description"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Version        int64     `json:"version"`
}

func (p productJSON) etag() int64 { return p.Version }

func toProduct(p crm.Product) productJSON {
	return productJSON{ID: p.ID, SKU: p.SKU, NameJA: p.NameJA, NameEN: p.NameEN, Unit: p.Unit, ListPrice: p.ListPrice,
		Cost: p.Cost, MarginPermille: p.MarginPermille(), Currency: p.Currency, TaxCategory: string(p.TaxCategory),
		TaxRate: p.TaxCategory.RatePercent(), Active: p.Active, Description: p.Description, CreatedAt: p.CreatedAt,
		UpdatedAt: p.UpdatedAt, Version: p.Version}
}

// productFields are the fields of a product input or patch; nil is "not sent".
type productFields struct {
	SKU         *string `json:"sku"`
	NameJA      *string `json:"name_ja"`
	NameEN      *string `json:"name_en"`
	Unit        *string `json:"unit"`
	ListPrice   *int64  `json:"list_price"`
	Cost        *int64  `json:"cost"`
	Currency    *string `json:"currency"`
	TaxCategory *string `json:"tax_category"`
	Active      *bool   `json:"active"`
	Description *string `json:"description"`
}

func (f productFields) apply(p crm.Product) crm.Product {
	for dst, src := range map[*string]*string{&p.SKU: f.SKU, &p.NameJA: f.NameJA, &p.NameEN: f.NameEN,
		&p.Unit: f.Unit, &p.Currency: f.Currency, &p.Description: f.Description} {
		if src != nil {
			*dst = *src
		}
	}
	if f.ListPrice != nil {
		p.ListPrice = *f.ListPrice
	}
	if f.Cost != nil {
		p.Cost = *f.Cost
	}
	if f.TaxCategory != nil {
		p.TaxCategory = crm.TaxCategory(*f.TaxCategory)
	}
	if f.Active != nil {
		p.Active = *f.Active
	}
	return p
}

func (s *server) listProducts(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	limit, err := parseLimit(r)
	if err != nil {
		return err
	}
	q := store.ProductQuery{Q: r.URL.Query().Get("q"), Limit: limit + 1}
	if q.ActiveOnly, err = queryBool(r, "active"); err != nil {
		return err
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		parts, ok := decodeCursor(c, 1)
		if !ok || parts[0] <= 0 || parts[0] > 1_000_000 {
			return errBadCursor
		}
		q.Offset = int(parts[0])
	}
	page, err := s.app.Products(r.Context(), ac, q)
	if err != nil {
		return err
	}
	out := make([]productJSON, 0, len(page.Products))
	for _, p := range page.Products {
		out = append(out, toProduct(p))
	}
	// The cursor is the offset of the next page.
	next := int64(q.Offset + limit)
	return writeJSON(w, http.StatusOK, pageOf(out, limit, func(productJSON) string { return encodeCursor(next) }))
}

func (s *server) createProduct(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var f productFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	p, err := s.app.CreateProduct(r.Context(), ac, f.apply(crm.Product{Active: true}))
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/products/%d", Prefix, p.ID))
	return writeJSON(w, http.StatusCreated, toProduct(p))
}

func (s *server) getProduct(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.Product(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toProduct(p))
}

func (s *server) updateProduct(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f productFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	old, err := s.app.Product(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if version != old.Version {
		return crm.ErrStale
	}
	p, err := s.app.UpdateProduct(r.Context(), ac, id, version, f.apply(old))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toProduct(p))
}

type productPriceJSON struct {
	ProductID   int64  `json:"product_id"`
	PriceBookID *int64 `json:"price_book_id"`
	Date        string `json:"date"`
	Price       int64  `json:"price"`
	ListPrice   int64  `json:"list_price"`
	Currency    string `json:"currency"`
}

func (s *server) productPrice(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	book, err := queryInt64(r, "price_book_id")
	if err != nil {
		return err
	}
	day := r.URL.Query().Get("date")
	if day == "" {
		ws, _, err := s.app.Workspace(r.Context())
		if err != nil {
			return err
		}
		day = s.app.Clock().In(ws.Location()).Format(time.DateOnly)
	} else if !crm.ValidDate(day) {
		return badField("date", "must be a date such as 2026-04-30")
	}
	p, err := s.app.Product(r.Context(), ac, id)
	if err != nil {
		return err
	}
	price, err := s.app.PriceFor(r.Context(), ac, id, book, day)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, productPriceJSON{ProductID: id, PriceBookID: optID(book), Date: day, Price: price,
		ListPrice: p.ListPrice, Currency: p.Currency})
}

// ---- price books ----

type priceBookJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	ValidFrom  *string   `json:"valid_from"`
	ValidTo    *string   `json:"valid_to"`
	Active     bool      `json:"active"`
	EntryCount int       `json:"entry_count"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

type priceBookEntryJSON struct {
	ProductID int64  `json:"product_id"`
	SKU       string `json:"sku"`
	NameJA    string `json:"name_ja"`
	NameEN    string `json:"name_en"`
	ListPrice int64  `json:"list_price"`
	Price     int64  `json:"price"`
	Currency  string `json:"currency"`
}

type priceBookDetailJSON struct {
	priceBookJSON
	Entries []priceBookEntryJSON `json:"entries"`
}

func toPriceBook(b crm.PriceBook) priceBookJSON {
	return priceBookJSON{ID: b.ID, Name: b.Name, Kind: string(b.Kind), ValidFrom: optStr(b.ValidFrom),
		ValidTo: optStr(b.ValidTo), Active: b.Active, EntryCount: b.EntryCount, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

// priceBookFields are the fields of a price book input or patch. A date of
// null or "" is open.
type priceBookFields struct {
	Name      *string `json:"name"`
	Kind      *string `json:"kind"`
	ValidFrom *string `json:"valid_from"`
	ValidTo   *string `json:"valid_to"`
	Active    *bool   `json:"active"`
}

func (f priceBookFields) apply(b crm.PriceBook, raw map[string]bool) crm.PriceBook {
	if f.Name != nil {
		b.Name = *f.Name
	}
	if f.Kind != nil {
		b.Kind = crm.PriceBookKind(*f.Kind)
	}
	if f.ValidFrom != nil {
		b.ValidFrom = *f.ValidFrom
	} else if raw["valid_from"] {
		b.ValidFrom = ""
	}
	if f.ValidTo != nil {
		b.ValidTo = *f.ValidTo
	} else if raw["valid_to"] {
		b.ValidTo = ""
	}
	if f.Active != nil {
		b.Active = *f.Active
	}
	return b
}

func (s *server) writePriceBook(w http.ResponseWriter, r *http.Request, ac app.Actor, status int, id int64) error {
	b, entries, err := s.app.PriceBook(r.Context(), ac, id)
	if err != nil {
		return err
	}
	out := priceBookDetailJSON{priceBookJSON: toPriceBook(b), Entries: []priceBookEntryJSON{}}
	for _, e := range entries {
		out.Entries = append(out.Entries, priceBookEntryJSON{ProductID: e.ProductID, SKU: e.SKU, NameJA: e.NameJA,
			NameEN: e.NameEN, ListPrice: e.ListPrice, Price: e.Price, Currency: e.Currency})
	}
	return writeJSON(w, status, out)
}

func (s *server) listPriceBooks(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	books, err := s.app.PriceBooks(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[priceBookJSON]{Data: []priceBookJSON{}}
	for _, b := range books {
		out.Data = append(out.Data, toPriceBook(b))
	}
	return writeJSON(w, http.StatusOK, out)
}

// decodeWithNulls decodes a body into dst and reports which top-level keys
// were sent (so that null can clear a field).
func decodeWithNulls(r *http.Request, dst any) (map[string]bool, error) {
	var raw map[string]any
	if err := decodeJSON(r, &raw, false); err != nil {
		return nil, err
	}
	sent := map[string]bool{}
	for k := range raw {
		sent[k] = true
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return nil, jsonProblem(err)
	}
	return sent, nil
}

func (s *server) createPriceBook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var f priceBookFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	b, err := s.app.CreatePriceBook(r.Context(), ac, f.apply(crm.PriceBook{Active: true}, nil))
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/price-books/%d", Prefix, b.ID))
	return s.writePriceBook(w, r, ac, http.StatusCreated, b.ID)
}

func (s *server) getPriceBook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.writePriceBook(w, r, ac, http.StatusOK, id)
}

func (s *server) updatePriceBook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f priceBookFields
	sent, err := decodeWithNulls(r, &f)
	if err != nil {
		return err
	}
	old, _, err := s.app.PriceBook(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if _, err := s.app.UpdatePriceBook(r.Context(), ac, id, f.apply(old, sent)); err != nil {
		return err
	}
	return s.writePriceBook(w, r, ac, http.StatusOK, id)
}

func (s *server) deletePriceBook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeletePriceBook(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type priceBookEntryInput struct {
	Price *int64 `json:"price"`
}

func (s *server) setPriceBookEntry(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	productID, err := pathID(r, "product_id")
	if err != nil {
		return err
	}
	var in priceBookEntryInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if in.Price == nil {
		return crm.Invalid("price", "is required")
	}
	if err := s.app.SetPriceBookEntry(r.Context(), ac, crm.PriceBookEntry{PriceBookID: id, ProductID: productID,
		Price: *in.Price}); err != nil {
		return err
	}
	return s.writePriceBook(w, r, ac, http.StatusOK, id)
}

func (s *server) deletePriceBookEntry(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	productID, err := pathID(r, "product_id")
	if err != nil {
		return err
	}
	if err := s.app.DeletePriceBookEntry(r.Context(), ac, id, productID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- competitors ----

type competitorProductJSON struct {
	ID               int64   `json:"id"`
	CompetitorID     int64   `json:"competitor_id"`
	CompetitorName   string  `json:"competitor_name"`
	Name             string  `json:"name"`
	ProductID        *int64  `json:"product_id"`
	Notes            string  `json:"notes"`
	LatestPrice      *int64  `json:"latest_price"`
	LatestCurrency   *string `json:"latest_currency"`
	LatestObservedOn *string `json:"latest_observed_on"`
}

func toCompetitorProduct(p crm.CompetitorProduct) competitorProductJSON {
	out := competitorProductJSON{ID: p.ID, CompetitorID: p.CompetitorID, CompetitorName: p.CompetitorName, Name: p.Name,
		ProductID: optID(p.ProductID), Notes: p.Notes}
	if p.LatestOn != "" {
		price := p.LatestPrice
		out.LatestPrice, out.LatestCurrency, out.LatestObservedOn = &price, optStr(p.LatestCurrency), optStr(p.LatestOn)
	}
	return out
}

type recordJSON struct {
	Won     int      `json:"won"`
	Lost    int      `json:"lost"`
	Open    int      `json:"open"`
	WinRate *float64 `json:"win_rate"`
}

type battlecardJSON struct {
	competitorJSON
	Record   recordJSON              `json:"record"`
	Products []competitorProductJSON `json:"products"`
}

func (s *server) writeBattlecard(w http.ResponseWriter, r *http.Request, ac app.Actor, id int64) error {
	b, err := s.app.Battlecard(r.Context(), ac, id)
	if err != nil {
		return err
	}
	out := battlecardJSON{competitorJSON: toCompetitor(b.Competitor), Products: []competitorProductJSON{},
		Record: recordJSON{Won: b.Record.Won, Lost: b.Record.Lost, Open: b.Record.Open}}
	if rate, ok := b.Record.WinRate(); ok {
		out.Record.WinRate = &rate
	}
	for _, p := range b.Products {
		out.Products = append(out.Products, toCompetitorProduct(p))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) getCompetitor(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.writeBattlecard(w, r, ac, id)
}

type competitorPatch struct {
	Name       *string `json:"name"`
	Website    *string `json:"website"`
	Notes      *string `json:"notes"`
	Strengths  *string `json:"strengths"`
	Weaknesses *string `json:"weaknesses"`
	TalkTrack  *string `json:"talk_track"`
}

func (s *server) updateCompetitor(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f competitorPatch
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	c, err := s.app.Competitor(r.Context(), ac, id)
	if err != nil {
		return err
	}
	for dst, src := range map[*string]*string{&c.Name: f.Name, &c.Website: f.Website, &c.Notes: f.Notes,
		&c.Strengths: f.Strengths, &c.Weaknesses: f.Weaknesses, &c.TalkTrack: f.TalkTrack} {
		if src != nil {
			*dst = *src
		}
	}
	if _, err := s.app.UpdateCompetitor(r.Context(), ac, id, c); err != nil {
		return err
	}
	return s.writeBattlecard(w, r, ac, id)
}

type competitorProductFields struct {
	Name      *string `json:"name"`
	ProductID *int64  `json:"product_id"`
	Notes     *string `json:"notes"`
}

func (f competitorProductFields) apply(p crm.CompetitorProduct, sent map[string]bool) crm.CompetitorProduct {
	if f.Name != nil {
		p.Name = *f.Name
	}
	if f.ProductID != nil {
		p.ProductID = *f.ProductID
	} else if sent["product_id"] {
		p.ProductID = 0 // null: not mapped
	}
	if f.Notes != nil {
		p.Notes = *f.Notes
	}
	return p
}

func (s *server) createCompetitorProduct(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f competitorProductFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	p, err := s.app.CreateCompetitorProduct(r.Context(), ac, f.apply(crm.CompetitorProduct{CompetitorID: id}, nil))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toCompetitorProduct(p))
}

// competitorProduct returns the competitor product named by the path, which
// must be the path's competitor's.
func (s *server) competitorProduct(r *http.Request, ac app.Actor) (crm.CompetitorProduct, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return crm.CompetitorProduct{}, err
	}
	productID, err := pathID(r, "product_id")
	if err != nil {
		return crm.CompetitorProduct{}, err
	}
	ps, err := s.app.CompetitorProducts(r.Context(), ac, store.CompetitorProductQuery{ID: productID, CompetitorID: id})
	if err != nil {
		return crm.CompetitorProduct{}, err
	}
	if len(ps) == 0 {
		return crm.CompetitorProduct{}, crm.ErrNotFound
	}
	return ps[0], nil
}

func (s *server) updateCompetitorProduct(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var f competitorProductFields
	sent, err := decodeWithNulls(r, &f)
	if err != nil {
		return err
	}
	old, err := s.competitorProduct(r, ac)
	if err != nil {
		return err
	}
	p, err := s.app.UpdateCompetitorProduct(r.Context(), ac, old.ID, f.apply(old, sent))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toCompetitorProduct(p))
}

func (s *server) deleteCompetitorProduct(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := s.competitorProduct(r, ac)
	if err != nil {
		return err
	}
	if err := s.app.DeleteCompetitorProduct(r.Context(), ac, p.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- observed prices ----

type competitorPriceJSON struct {
	ID                    int64     `json:"id"`
	CompetitorID          int64     `json:"competitor_id"`
	CompetitorName        string    `json:"competitor_name"`
	CompetitorProductID   int64     `json:"competitor_product_id"`
	CompetitorProductName string    `json:"competitor_product_name"`
	ProductID             *int64    `json:"product_id"`
	ObservedOn            string    `json:"observed_on"`
	Price                 int64     `json:"price"`
	Currency              string    `json:"currency"`
	SourceURL             string    `json:"source_url"`
	Note                  string    `json:"note"`
	CreatedBy             *int64    `json:"created_by"`
	CreatedAt             time.Time `json:"created_at"`
}

func toCompetitorPrice(p crm.CompetitorPrice) competitorPriceJSON {
	return competitorPriceJSON{ID: p.ID, CompetitorID: p.CompetitorID, CompetitorName: p.CompetitorName,
		CompetitorProductID: p.CompetitorProductID, CompetitorProductName: p.CompetitorProductName,
		ProductID: optID(p.ProductID), ObservedOn: p.ObservedOn, Price: p.Price, Currency: p.Currency,
		SourceURL: p.SourceURL, Note: p.Note, CreatedBy: optID(p.CreatedBy), CreatedAt: p.CreatedAt}
}

func (s *server) listCompetitorPrices(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	limit, err := parseLimit(r)
	if err != nil {
		return err
	}
	q := store.CompetitorPriceQuery{Limit: limit + 1, From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to")}
	for name, dst := range map[string]*int64{"competitor_id": &q.CompetitorID,
		"competitor_product_id": &q.CompetitorProductID, "product_id": &q.ProductID} {
		if *dst, err = queryInt64(r, name); err != nil {
			return err
		}
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		parts, ok := decodeCursor(c, 2)
		day := ""
		if ok {
			day = fmt.Sprintf("%04d-%02d-%02d", parts[0]/10000, parts[0]/100%100, parts[0]%100)
		}
		if !ok || !crm.ValidDate(day) || parts[1] <= 0 {
			return errBadCursor
		}
		q.AfterDay, q.AfterID = day, parts[1]
	}
	ps, err := s.app.CompetitorPrices(r.Context(), ac, q)
	if err != nil {
		return err
	}
	out := make([]competitorPriceJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, toCompetitorPrice(p))
	}
	return writeJSON(w, http.StatusOK, pageOf(out, limit, func(p competitorPriceJSON) string {
		day, _ := strconv.ParseInt(strings.ReplaceAll(p.ObservedOn, "-", ""), 10, 64)
		return encodeCursor(day, p.ID)
	}))
}

type competitorPriceInput struct {
	CompetitorProductID int64  `json:"competitor_product_id"`
	ObservedOn          string `json:"observed_on"`
	Price               int64  `json:"price"`
	Currency            string `json:"currency"`
	SourceURL           string `json:"source_url"`
	Note                string `json:"note"`
}

func (s *server) createCompetitorPrice(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in competitorPriceInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	p, err := s.app.AddCompetitorPrice(r.Context(), ac, crm.CompetitorPrice{CompetitorProductID: in.CompetitorProductID,
		ObservedOn: in.ObservedOn, Price: in.Price, Currency: in.Currency, SourceURL: in.SourceURL, Note: in.Note})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toCompetitorPrice(p))
}

// ---- OpenAPI ----

func taxCategories() []string {
	out := make([]string, len(crm.TaxCategories))
	for i, c := range crm.TaxCategories {
		out[i] = string(c)
	}
	return out
}

func priceBookKinds() []string {
	out := make([]string, len(crm.PriceBookKinds))
	for i, k := range crm.PriceBookKinds {
		out[i] = string(k)
	}
	return out
}

// catalogueSchemas are the OpenAPI components of the catalogue and the competitors.
func catalogueSchemas() js {
	price := func(desc string) js {
		return js{"type": "integer", "minimum": 1, "maximum": crm.MaxPrice, "description": desc}
	}
	optRef := func(desc string) js { return nullable(idSchema(desc)) }
	product := js{
		"id":              idSchema(""),
		"sku":             str("Unique."),
		"name_ja":         str(""),
		"name_en":         str(""),
		"unit":            str("式, 個, user/month, …"),
		"list_price":      integer("Tax-exclusive, in the currency's minor units (yen for JPY)."),
		"cost":            integer("Minor units."),
		"margin_permille": integer("(list price − cost) ÷ list price in tenths of a percent, rounded toward zero."),
		"currency":        str("ISO 4217 code."),
		"tax_category":    enumOf(taxCategories()...),
		"tax_rate":        integer("Percent: 10, 8 or 0."),
		"active":          boolean(""),
		"description":     str(""),
		"created_at":      dateTime(""),
		"updated_at":      dateTime(""),
		"version":         integer("Increases with every change; send it back as If-Match."),
	}
	productIn := js{
		"sku":          pattern(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`, "64 characters at most."),
		"name_ja":      str("A name in Japanese or English is required."),
		"name_en":      str(""),
		"unit":         str("20 characters at most."),
		"list_price":   price("Tax-exclusive, minor units; more than zero."),
		"cost":         js{"type": "integer", "minimum": 0, "maximum": crm.MaxPrice},
		"currency":     pattern("^[A-Za-z]{3}$", "Default JPY."),
		"tax_category": withDesc(enumOf(taxCategories()...), "standard (10%, the default), reduced (8%) or exempt."),
		"active":       boolean("Default true."),
		"description":  str("5,000 characters at most."),
	}
	book := js{
		"id":          idSchema(""),
		"name":        str("Unique."),
		"kind":        enumOf(priceBookKinds()...),
		"valid_from":  nullable(date("First day; null: no start.")),
		"valid_to":    nullable(date("Last day, included; null: no end.")),
		"active":      boolean(""),
		"entry_count": integer("How many products it prices."),
		"created_at":  dateTime(""),
		"updated_at":  dateTime(""),
	}
	detail := js{}
	for k, v := range book {
		detail[k] = v
	}
	detail["entries"] = arrayOf(ref("PriceBookEntry"))
	bookIn := js{
		"name":       str("200 characters at most."),
		"kind":       withDesc(enumOf(priceBookKinds()...), "Default list."),
		"valid_from": nullable(date("")),
		"valid_to":   nullable(date("Not before valid_from.")),
		"active":     boolean("Default true."),
	}
	cp := js{
		"id":                 idSchema(""),
		"competitor_id":      idSchema(""),
		"competitor_name":    str(""),
		"name":               str(""),
		"product_id":         optRef("Our product it competes with; null: not mapped."),
		"notes":              str(""),
		"latest_price":       nullable(integer("The latest observed price, minor units.")),
		"latest_currency":    nullable(str("")),
		"latest_observed_on": nullable(date("")),
	}
	cpIn := js{"name": str("Unique per competitor."), "product_id": optRef("Our product; null: not mapped."),
		"notes": str("2,000 characters at most.")}
	observed := js{
		"id":                      idSchema(""),
		"competitor_id":           idSchema(""),
		"competitor_name":         str(""),
		"competitor_product_id":   idSchema(""),
		"competitor_product_name": str(""),
		"product_id":              optRef("Our product the competitor's product is mapped to."),
		"observed_on":             date(""),
		"price":                   integer("Minor units."),
		"currency":                str(""),
		"source_url":              str("Where the price was seen; empty when only a note says."),
		"note":                    str(""),
		"created_by":              optRef("Who recorded it."),
		"created_at":              dateTime(""),
	}
	battlecard := js{
		"id":         idSchema(""),
		"name":       str(""),
		"website":    str(""),
		"notes":      str(""),
		"strengths":  str(""),
		"weaknesses": str(""),
		"talk_track": str(""),
		"created_at": dateTime(""),
		"record": record(js{
			"won":      integer("Deals that named it (on the deal or as lost to), won."),
			"lost":     integer("… lost."),
			"open":     integer("… still open."),
			"win_rate": nullable(js{"type": "number", "description": "won ÷ (won + lost); null before any closed."}),
		}),
		"products": arrayOf(ref("CompetitorProduct")),
	}
	return js{
		"Product":      record(product),
		"ProductInput": input([]string{"sku", "list_price"}, productIn),
		"ProductPatch": input(nil, productIn),
		"ProductList":  listOf("Product"),
		"ProductPrice": record(js{"product_id": idSchema(""), "price_book_id": optRef(""), "date": date(""),
			"price": integer("Minor units, tax-exclusive."), "list_price": integer(""), "currency": str("")}),
		"PriceBook":       record(book),
		"PriceBookDetail": record(detail),
		"PriceBookList":   listOf("PriceBook"),
		"PriceBookInput":  input([]string{"name"}, bookIn),
		"PriceBookPatch":  input(nil, bookIn),
		"PriceBookEntry": record(js{"product_id": idSchema(""), "sku": str(""), "name_ja": str(""), "name_en": str(""),
			"list_price": integer(""), "price": integer("The book's price, minor units."), "currency": str("The product's.")}),
		"PriceBookEntryInput":    input([]string{"price"}, js{"price": price("Minor units of the product's currency; more than zero.")}),
		"Battlecard":             record(battlecard),
		"CompetitorPatch":        input(nil, js{"name": str(""), "website": str("An http(s) address."), "notes": str(""), "strengths": str(""), "weaknesses": str(""), "talk_track": str("")}),
		"CompetitorProduct":      record(cp),
		"CompetitorProductInput": input([]string{"name"}, cpIn),
		"CompetitorProductPatch": input(nil, cpIn),
		"CompetitorPrice":        record(observed),
		"CompetitorPriceList":    listOf("CompetitorPrice"),
		"CompetitorPriceInput": input([]string{"competitor_product_id", "observed_on", "price"}, js{
			"competitor_product_id": idSchema(""),
			"observed_on":           date("Not in the future."),
			"price":                 price("Minor units; more than zero."),
			"currency":              pattern("^[A-Za-z]{3}$", "Default JPY."),
			"source_url":            str("An http(s) address; this or a note is required."),
			"note":                  str("1,000 characters at most."),
		}),
	}
}
