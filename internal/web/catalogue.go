package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// catalogueRoutes are the UI routes of the product catalogue and the price
// books. Everyone reads them; the pages offer changes to admins and team
// managers (the application checks it again: app.Actor.CanEditCatalogue).
func (s *server) catalogueRoutes() []route {
	return []route{
		{"GET", "/products", crm.PermReadAll, s.productsPage, false},
		{"GET", "/products/new", crm.PermWriteContacts, s.productNew, false},
		{"POST", "/products", crm.PermWriteContacts, s.productCreate, false},
		{"GET", "/products/{id}", crm.PermReadAll, s.productPage, false},
		{"POST", "/products/{id}", crm.PermWriteContacts, s.productUpdate, false},

		{"GET", "/price-books", crm.PermReadAll, s.priceBooksPage, false},
		{"POST", "/price-books", crm.PermWriteContacts, s.priceBookCreate, false},
		{"GET", "/price-books/{id}", crm.PermReadAll, s.priceBookPage, false},
		{"POST", "/price-books/{id}", crm.PermWriteContacts, s.priceBookUpdate, false},
		{"POST", "/price-books/{id}/delete", crm.PermWriteContacts, s.priceBookDelete, false},
		{"POST", "/price-books/{id}/entries", crm.PermWriteContacts, s.priceBookEntrySet, false},
		{"POST", "/price-books/{id}/entries/{product}/delete", crm.PermWriteContacts, s.priceBookEntryDelete, false},
	}
}

// catalogueFuncs are the template functions of the catalogue pages.
func catalogueFuncs(lang crm.Language) template.FuncMap {
	return template.FuncMap{
		"productName": func(p crm.Product) string { return p.Name(lang) },
		"entryName": func(e crm.PriceBookEntry) string {
			return crm.Product{NameJA: e.NameJA, NameEN: e.NameEN}.Name(lang)
		},
		"mappedName": func(p crm.CompetitorProduct) string {
			return crm.Product{NameJA: p.ProductNameJA, NameEN: p.ProductNameEN}.Name(lang)
		},
		"taxCategory": func(c crm.TaxCategory) string { return i18n.T(lang, "catalogue.tax."+string(c)) },
		"bookKind":    func(k crm.PriceBookKind) string { return i18n.T(lang, "catalogue.book_kind."+string(k)) },
		"margin":      func(price, cost int64) string { return marginText(crm.MarginPermille(price, cost)) },
		"marginLow":   func(price, cost int64) bool { return crm.MarginPermille(price, cost) < 200 },
		"discount": func(list, price int64) string {
			if list <= 0 {
				return ""
			}
			return marginText((list - price) * 1000 / list)
		},
		// versus is their price against ours: "+12.0%" dearer, "−8.0%" cheaper.
		"versus": func(ours, theirs int64) string {
			if ours <= 0 {
				return ""
			}
			v := (theirs - ours) * 1000 / ours
			if v > 0 {
				return "+" + marginText(v)
			}
			return marginText(v)
		},
	}
}

// marginText writes tenths of a percent as "70.0%" or "−20.0%".
func marginText(permille int64) string {
	sign := ""
	if permille < 0 {
		sign, permille = "−", -permille
	}
	return fmt.Sprintf("%s%d.%d%%", sign, permille/10, permille%10)
}

// priceField reads a price typed in a form into minor units; its message
// is on the form's field name.
func priceField(f *form, field, currency string, v *crm.ValidationError) int64 {
	n, err := parseAmount(f.Get(field), currency)
	if ve, ok := crm.AsValidation(err); ok {
		for _, msg := range ve.Fields {
			v.Add(field, msg)
		}
	}
	return n
}

// ---- products ----

// productsData is the content of the product list.
type productsData struct {
	Q          string
	ActiveOnly bool
	Products   []crm.Product
	Total      int
	PrevURL    string
	NextURL    string
	CanEdit    bool
}

const productsPerPage = 50

func (s *server) productsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	q := r.URL.Query()
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = max(pageNo, 1)
	d := &productsData{Q: strings.TrimSpace(q.Get("q")), ActiveOnly: q.Get("active") == "1",
		CanEdit: rq.actor.CanEditCatalogue()}
	res, err := s.app.Products(r.Context(), rq.actor, store.ProductQuery{ActiveOnly: d.ActiveOnly, Q: d.Q,
		Offset: (pageNo - 1) * productsPerPage, Limit: productsPerPage})
	if err != nil {
		return err
	}
	d.Products, d.Total = res.Products, res.Total
	link := func(n int) string {
		v := url.Values{}
		if d.Q != "" {
			v.Set("q", d.Q)
		}
		if d.ActiveOnly {
			v.Set("active", "1")
		}
		v.Set("page", strconv.Itoa(n))
		return "/products?" + v.Encode()
	}
	if pageNo > 1 {
		d.PrevURL = link(pageNo - 1)
	}
	if pageNo*productsPerPage < d.Total {
		d.NextURL = link(pageNo + 1)
	}
	p := s.newPage(w, r, rq, "catalogue.products")
	p.Section = "catalogue"
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "catalogue_products", p)
	return nil
}

func taxOptions(lang crm.Language) []option {
	out := make([]option, len(crm.TaxCategories))
	for i, c := range crm.TaxCategories {
		out[i] = option{string(c), i18n.T(lang, "catalogue.tax."+string(c))}
	}
	return out
}

// productFormData is the content of the new-product page.
type productFormData struct {
	CanEdit bool
	Taxes   []option
}

func productForm(p crm.Product) *form {
	f := newForm()
	f.Version = p.Version
	f.Set("sku", p.SKU)
	f.Set("name_ja", p.NameJA)
	f.Set("name_en", p.NameEN)
	f.Set("unit", p.Unit)
	f.Set("currency", p.Currency)
	if p.ListPrice != 0 {
		f.Set("list_price", amountInput(p.ListPrice, p.Currency))
	}
	if p.Cost != 0 || p.ID != 0 {
		f.Set("cost", amountInput(p.Cost, p.Currency))
	}
	f.Set("tax_category", string(p.TaxCategory))
	if p.Active {
		f.Set("active", "1")
	}
	f.Set("description", p.Description)
	return f
}

// productFromForm reads the product fields; typing mistakes in the prices
// are in v.
func productFromForm(f *form, v *crm.ValidationError) crm.Product {
	p := crm.Product{SKU: f.Get("sku"), NameJA: f.Get("name_ja"), NameEN: f.Get("name_en"), Unit: f.Get("unit"),
		Currency: strings.ToUpper(strings.TrimSpace(f.Get("currency"))), TaxCategory: crm.TaxCategory(f.Get("tax_category")),
		Active: f.Get("active") == "1", Description: f.Get("description")}
	if p.Currency == "" {
		p.Currency = "JPY"
	}
	p.ListPrice = priceField(f, "list_price", p.Currency, v)
	p.Cost = priceField(f, "cost", p.Currency, v)
	return p
}

// withFormErrors adds the form's own messages (prices that could not be
// read) to the application's, which win on the same field.
func withFormErrors(v *crm.ValidationError, err error) error {
	if len(v.Fields) == 0 {
		return err
	}
	if err == nil {
		return v
	}
	if ve, ok := crm.AsValidation(err); ok {
		for k, msg := range ve.Fields {
			v.Fields[k] = msg
		}
		return v
	}
	return err
}

func (s *server) productNewView(w http.ResponseWriter, r *http.Request, rq *req) *page {
	p := s.newPage(w, r, rq, "catalogue.product_new")
	p.Section = "catalogue"
	p.Data = &productFormData{CanEdit: rq.actor.CanEditCatalogue(), Taxes: taxOptions(rq.lang)}
	return p
}

func (s *server) productNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := s.productNewView(w, r, rq)
	p.Form = productForm(crm.Product{Currency: "JPY", TaxCategory: crm.TaxStandard, Active: true})
	s.render(w, r, rq, http.StatusOK, "catalogue_product_new", p)
	return nil
}

func (s *server) productCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	v := &crm.ValidationError{}
	in := productFromForm(f, v)
	var err error
	if len(v.Fields) == 0 {
		in, err = s.app.CreateProduct(r.Context(), rq.actor, in)
	}
	if err = withFormErrors(v, err); err != nil {
		p := s.productNewView(w, r, rq)
		p.Form = f
		return again(err, "catalogue_product_new", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/products/%d", in.ID), "flash.saved")
}

// productData is the content of a product's page: its details, the edit
// form and the positioning against the competitors.
type productData struct {
	P         crm.Product
	CanEdit   bool
	Taxes     []option
	Pos       app.Positioning
	ChartJSON string
	Books     []bookPrice
}

// bookPrice is the product's price in one price book.
type bookPrice struct {
	Book  crm.PriceBook
	Price int64
}

func (s *server) productView(w http.ResponseWriter, r *http.Request, rq *req, prod crm.Product) (*page, error) {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "")
	p.Title = prod.Name(rq.lang)
	p.Pretitle = prod.SKU
	p.Section = "catalogue"
	d := &productData{P: prod, CanEdit: rq.actor.CanEditCatalogue(), Taxes: taxOptions(rq.lang)}
	var err error
	if d.Pos, err = s.app.Positioning(ctx, rq.actor, prod.ID); err != nil {
		return nil, err
	}
	d.ChartJSON = positioningChart(rq.lang, d.Pos)
	books, err := s.app.PriceBooks(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	for _, b := range books {
		_, entries, err := s.app.PriceBook(ctx, rq.actor, b.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.ProductID == prod.ID {
				d.Books = append(d.Books, bookPrice{Book: b, Price: e.Price})
			}
		}
	}
	p.Data = d
	return p, nil
}

func (s *server) productPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	prod, err := s.app.Product(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.productView(w, r, rq, prod)
	if err != nil {
		return err
	}
	p.Form = productForm(prod)
	s.render(w, r, rq, http.StatusOK, "catalogue_product", p)
	return nil
}

func (s *server) productUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	v := &crm.ValidationError{}
	in := productFromForm(f, v)
	if len(v.Fields) == 0 {
		_, err = s.app.UpdateProduct(r.Context(), rq.actor, id, f.Version, in)
	}
	if err = withFormErrors(v, err); err != nil {
		old, gerr := s.app.Product(r.Context(), rq.actor, id)
		if gerr != nil {
			return gerr
		}
		p, verr := s.productView(w, r, rq, old)
		if verr != nil {
			return verr
		}
		p.Form = f
		return again(err, "catalogue_product", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/products/%d", id), "flash.saved")
}

// ---- price books ----

// priceBooksData is the content of the price book list.
type priceBooksData struct {
	Books   []crm.PriceBook
	CanEdit bool
	Kinds   []option
	Today   string
}

func bookKindOptions(lang crm.Language) []option {
	out := make([]option, len(crm.PriceBookKinds))
	for i, k := range crm.PriceBookKinds {
		out[i] = option{string(k), i18n.T(lang, "catalogue.book_kind."+string(k))}
	}
	return out
}

func (s *server) priceBooksView(w http.ResponseWriter, r *http.Request, rq *req) (*page, error) {
	books, err := s.app.PriceBooks(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	p := s.newPage(w, r, rq, "catalogue.price_books")
	p.Section = "catalogue"
	p.Data = &priceBooksData{Books: books, CanEdit: rq.actor.CanEditCatalogue(), Kinds: bookKindOptions(rq.lang),
		Today: s.today(r, rq)}
	return p, nil
}

// today is the date in the workspace's time zone, YYYY-MM-DD.
func (s *server) today(r *http.Request, rq *req) string {
	loc := time.UTC
	if ws, err := s.workspace(r.Context(), rq); err == nil {
		loc = ws.Location()
	}
	return s.app.Clock().In(loc).Format("2006-01-02")
}

func (s *server) priceBooksPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.priceBooksView(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = newForm()
	p.Form.Set("kind", string(crm.PriceBookPartner))
	p.Form.Set("active", "1")
	s.render(w, r, rq, http.StatusOK, "catalogue_price_books", p)
	return nil
}

func bookFromForm(f *form) crm.PriceBook {
	return crm.PriceBook{Name: f.Get("name"), Kind: crm.PriceBookKind(f.Get("kind")), ValidFrom: f.Get("valid_from"),
		ValidTo: f.Get("valid_to"), Active: f.Get("active") == "1"}
}

func (s *server) priceBookCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	b, err := s.app.CreatePriceBook(r.Context(), rq.actor, bookFromForm(f))
	if err != nil {
		p, verr := s.priceBooksView(w, r, rq)
		if verr != nil {
			return verr
		}
		p.Form = f
		return again(err, "catalogue_price_books", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/price-books/%d", b.ID), "flash.saved")
}

// priceBookData is the content of a price book's page.
type priceBookData struct {
	Book     crm.PriceBook
	Entries  []crm.PriceBookEntry
	Products []option // products to add
	CanEdit  bool
	Kinds    []option
	ValidNow bool
}

func (s *server) priceBookView(w http.ResponseWriter, r *http.Request, rq *req, id int64) (*page, *priceBookData, error) {
	ctx := r.Context()
	b, entries, err := s.app.PriceBook(ctx, rq.actor, id)
	if err != nil {
		return nil, nil, err
	}
	d := &priceBookData{Book: b, Entries: entries, CanEdit: rq.actor.CanEditCatalogue(), Kinds: bookKindOptions(rq.lang),
		ValidNow: b.ValidOn(s.today(r, rq))}
	if d.CanEdit {
		res, err := s.app.Products(ctx, rq.actor, store.ProductQuery{ActiveOnly: true, Limit: 500})
		if err != nil {
			return nil, nil, err
		}
		for _, prod := range res.Products {
			d.Products = append(d.Products, option{strconv.FormatInt(prod.ID, 10),
				prod.SKU + " · " + prod.Name(rq.lang) + " (" + i18n.Money(rq.lang, prod.ListPrice, prod.Currency) + ")"})
		}
	}
	p := s.newPage(w, r, rq, "")
	p.Title = b.Name
	p.Pretitle = i18n.T(rq.lang, "catalogue.price_book")
	p.Section = "catalogue"
	p.Data = d
	f := newForm()
	f.Set("name", b.Name)
	f.Set("kind", string(b.Kind))
	f.Set("valid_from", b.ValidFrom)
	f.Set("valid_to", b.ValidTo)
	if b.Active {
		f.Set("active", "1")
	}
	p.Form = f
	return p, d, nil
}

func (s *server) priceBookPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, _, err := s.priceBookView(w, r, rq, id)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "catalogue_price_book", p)
	return nil
}

func (s *server) priceBookUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	if _, err := s.app.UpdatePriceBook(r.Context(), rq.actor, id, bookFromForm(f)); err != nil {
		p, _, verr := s.priceBookView(w, r, rq, id)
		if verr != nil {
			return verr
		}
		p.Form = f
		return again(err, "catalogue_price_book", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/price-books/%d", id), "flash.saved")
}

func (s *server) priceBookDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeletePriceBook(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/price-books", "flash.catalogue.book_deleted")
}

func (s *server) priceBookEntrySet(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	v := &crm.ValidationError{}
	productID, _ := strconv.ParseInt(f.Get("product_id"), 10, 64)
	e := crm.PriceBookEntry{PriceBookID: id, ProductID: productID}
	currency := "JPY"
	if prod, err := s.app.Product(r.Context(), rq.actor, productID); err == nil {
		currency = prod.Currency
	}
	e.Price = priceField(f, "price", currency, v)
	if len(v.Fields) == 0 {
		err = s.app.SetPriceBookEntry(r.Context(), rq.actor, e)
	}
	if err = withFormErrors(v, err); err != nil {
		p, _, verr := s.priceBookView(w, r, rq, id)
		if verr != nil {
			return verr
		}
		// One form holds both the book's fields and the new price's.
		p.Form.Set("product_id", f.Get("product_id"))
		p.Form.Set("price", f.Get("price"))
		return again(err, "catalogue_price_book", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/price-books/%d", id), "flash.saved")
}

func (s *server) priceBookEntryDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	productID, err := pathID(r, "product")
	if err != nil {
		return err
	}
	if err := s.app.DeletePriceBookEntry(r.Context(), rq.actor, id, productID); err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/price-books/%d", id), "flash.catalogue.entry_deleted")
}
