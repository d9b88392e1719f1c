// Package textseg finds the terms of a short text (a social post) and
// scores its tone with a small word list. Japanese is segmented by a
// morphological analyser (kagome with the IPA dictionary, pure Go, the
// dictionary embedded in the binary); the dictionary is loaded on first
// use, not when the program starts, so that a server that never analyses
// a post never holds it in memory. English is split into words and
// lower-cased. Stop words and particles are dropped; #hashtags and
// @mentions are kept whole.
package textseg

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
	"golang.org/x/text/unicode/norm"
)

// MaxTerms is the most terms kept of one text; MaxTermLen the longest term
// (in characters).
const (
	MaxTerms   = 100
	MaxTermLen = 60
)

var (
	loadOnce sync.Once
	loaded   atomic.Bool
	analyser *tokenizer.Tokenizer
	loadErr  error
)

// japanese returns the analyser, loading the dictionary the first time.
func japanese() (*tokenizer.Tokenizer, error) {
	loadOnce.Do(func() {
		analyser, loadErr = tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
		loaded.Store(true)
	})
	return analyser, loadErr
}

// Loaded reports whether the Japanese dictionary has been loaded (by the
// first Analyze of a text with Japanese in it, or by Preload).
func Loaded() bool { return loaded.Load() }

// Preload loads the Japanese dictionary now.
func Preload() error {
	_, err := japanese()
	return err
}

// Normalize is the form texts and names are compared in: NFKC (full-width
// letters and digits become ASCII, half-width katakana full-width) and
// lower case.
func Normalize(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// Result is what Analyze finds in a text.
type Result struct {
	Norm  string   // the normalised text (Normalize)
	Terms []string // distinct, in order of appearance: words, #hashtags, @mentions
	Score int      // positive minus negative words (negation flips a word)
}

// Analyze normalises a text, finds its terms and scores it with the word
// list (nil: Default).
func Analyze(text string, lex *Lexicon) (Result, error) {
	if lex == nil {
		lex = Default()
	}
	s := Normalize(text)
	a := analysis{lex: lex, seen: map[string]bool{}}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case (r == '#' || r == '@') && !(i > 0 && isASCIIAlnum(s[i-1])): // not the @ of an e-mail address
			j := i + size
			for j < len(s) {
				q, n := utf8.DecodeRuneInString(s[j:])
				if !tagRune(q, r == '@') {
					break
				}
				j += n
			}
			tag := strings.TrimRight(s[i:j], ".")
			if len(tag) > size {
				a.add(tag)
			}
			i = j
		case strings.HasPrefix(s[i:], "http://") || strings.HasPrefix(s[i:], "https://") || strings.HasPrefix(s[i:], "www."):
			j := i
			for j < len(s) {
				q, n := utf8.DecodeRuneInString(s[j:])
				if unicode.IsSpace(q) || isJapanese(q) {
					break
				}
				j += n
			}
			i = j
		case isJapanese(r):
			j := i + size
			for j < len(s) {
				q, n := utf8.DecodeRuneInString(s[j:])
				if !isJapanese(q) && !unicode.IsDigit(q) {
					break
				}
				j += n
			}
			if err := a.japanese(s[i:j]); err != nil {
				return Result{}, err
			}
			i = j
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i + size
			for j < len(s) {
				q, n := utf8.DecodeRuneInString(s[j:])
				if !(unicode.IsLetter(q) || unicode.IsDigit(q)) || isJapanese(q) {
					break
				}
				j += n
			}
			a.english(s[i:j])
			i = j
		default:
			if r != '\'' && r != '’' && !unicode.IsSpace(r) {
				a.prevNeg = false // punctuation ends a negation
			}
			i += size
		}
	}
	return Result{Norm: s, Terms: a.terms, Score: a.score}, nil
}

// tagRune reports whether r continues a #hashtag (letters, digits, marks,
// _, and the Japanese long vowel mark) or an @mention (ASCII letters,
// digits, _ and .).
func tagRune(r rune, mention bool) bool {
	if mention {
		return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.')
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '_' || r == 'ー' || r == '々'
}

func isASCIIAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// isJapanese reports whether r is kana, a kanji or a Japanese mark that
// belongs inside a word.
func isJapanese(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		r == 'ー' || r == '々' || r == '〆' || r == 'ヶ'
}

// analysis collects the terms and score of one text.
type analysis struct {
	lex     *Lexicon
	terms   []string
	seen    map[string]bool
	score   int
	prevNeg bool // the previous English word negates the next
}

func (a *analysis) add(term string) {
	if a.seen[term] || len(a.terms) >= MaxTerms || utf8.RuneCountInString(term) > MaxTermLen {
		return
	}
	a.seen[term] = true
	a.terms = append(a.terms, term)
}

// english handles one run of letters and digits.
func (a *analysis) english(w string) {
	neg := a.prevNeg
	a.prevNeg = englishNegators[w]
	if p := a.lex.polarity(w); p != 0 {
		if neg {
			p = -p
		}
		a.score += p
	}
	if englishStop[w] || len(w) < 2 || allDigits(w) {
		return
	}
	a.add(w)
}

func allDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// japanese segments one run of Japanese text.
func (a *analysis) japanese(run string) error {
	t, err := japanese()
	if err != nil {
		return err
	}
	a.prevNeg = false
	toks := t.Tokenize(run)
	lastNoun := -1 // index in a.terms of the noun the previous token added
	for i, tok := range toks {
		pos := tok.POS()
		base, ok := tok.BaseForm()
		if !ok || base == "*" || base == "" {
			base = tok.Surface
		}
		if p := a.lex.polarity(base); p != 0 || a.lex.polarity(tok.Surface) != 0 {
			if p == 0 {
				p = a.lex.polarity(tok.Surface)
			}
			if negatedJA(toks[i+1:]) {
				p = -p
			}
			a.score += p
		}
		p0, p1, p2 := at(pos, 0), at(pos, 1), at(pos, 2)
		added := -1
		switch p0 {
		case "名詞":
			switch p1 {
			case "一般", "固有名詞", "サ変接続", "形容動詞語幹", "ナイ形容詞語幹":
				added = a.addJA(tok.Surface)
			case "接尾":
				// A place suffix joins its noun: 東京 + 都 → 東京都.
				if p2 == "地域" && lastNoun >= 0 && lastNoun == len(a.terms)-1 {
					joined := a.terms[lastNoun] + tok.Surface
					delete(a.seen, a.terms[lastNoun])
					a.terms = a.terms[:lastNoun]
					added = a.addJA(joined)
				}
			}
		case "動詞", "形容詞":
			if p1 == "自立" && !japaneseStop[base] {
				a.addJA(base)
			}
		}
		lastNoun = added
	}
	return nil
}

// addJA adds a Japanese term unless it is a stop word or a lone kana, and
// returns its index in the terms (-1 when not added).
func (a *analysis) addJA(term string) int {
	if japaneseStop[term] {
		return -1
	}
	if n := utf8.RuneCountInString(term); n == 1 {
		r, _ := utf8.DecodeRuneInString(term)
		if !unicode.Is(unicode.Han, r) {
			return -1
		}
	}
	before := len(a.terms)
	a.add(term)
	if len(a.terms) > before {
		return before
	}
	return -1
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// negatedJA reports whether the tokens right after a sentiment word negate
// it: 良くない, 便利じゃない, 好きではない, 満足しません.
func negatedJA(next []tokenizer.Token) bool {
	for k, tok := range next {
		if k >= 4 {
			break
		}
		base, ok := tok.BaseForm()
		if !ok || base == "*" {
			base = tok.Surface
		}
		pos := tok.POS()
		switch {
		case base == "ない" || base == "ぬ" || base == "ん" && at(pos, 0) == "助動詞" || base == "ず":
			return true
		case at(pos, 0) == "助詞" || at(pos, 0) == "助動詞" || at(pos, 1) == "非自立" || base == "する" || base == "ある" || base == "だ":
			continue
		}
		return false
	}
	return false
}
