package textseg

// The word lists: sentiment words (docs/social-listening.md lists them)
// and stop words. Japanese entries are base forms (終止形) as the IPA
// dictionary gives them; English ones lower case.

// Lexicon is a sentiment word list: +1 for a positive word, −1 for a
// negative one.
type Lexicon struct {
	words map[string]int
}

func (l *Lexicon) polarity(w string) int { return l.words[w] }

// DefaultPositive and DefaultNegative are the built-in sentiment words.
var (
	DefaultPositive = []string{
		// Japanese
		"良い", "よい", "いい", "最高", "便利", "好き", "大好き", "満足", "素晴らしい", "すばらしい", "嬉しい", "うれしい",
		"楽しい", "快適", "簡単", "おすすめ", "お勧め", "オススメ", "助かる", "感謝", "ありがとう", "最強", "素敵",
		"優秀", "丁寧", "安心", "感動", "期待", "やすい", "安い", "早い", "速い", "見やすい", "神", "推し", "良好",
		"スムーズ", "爆速", "気に入る", "分かりやすい", "わかりやすい", "頼もしい", "心強い", "効率", "改善",
		// English
		"good", "great", "love", "loved", "loves", "excellent", "awesome", "amazing", "best", "easy", "helpful",
		"happy", "nice", "recommend", "recommended", "fast", "perfect", "useful", "fantastic", "smooth",
		"reliable", "thanks", "thank", "wonderful", "impressive", "intuitive", "glad", "superb", "brilliant",
	}
	DefaultNegative = []string{
		// Japanese
		"悪い", "わるい", "最悪", "不便", "遅い", "不満", "残念", "困る", "嫌い", "バグ", "障害", "解約", "重い",
		"エラー", "微妙", "ひどい", "酷い", "にくい", "づらい", "不具合", "失望", "面倒", "不安", "改悪", "炎上",
		"返金", "クレーム", "ダメ", "だめ", "難しい", "高すぎる", "使えない", "落ちる", "ストレス", "がっかり",
		// English
		"bad", "terrible", "awful", "worst", "hate", "hated", "slow", "bug", "bugs", "buggy", "broken", "poor",
		"disappointed", "disappointing", "crash", "crashes", "crashed", "outage", "annoying", "useless",
		"confusing", "problem", "problems", "fail", "failed", "fails", "failure", "error", "errors", "refund",
		"complaint", "overpriced", "frustrating", "unusable", "laggy",
	}
)

var defaultLexicon = NewLexicon(nil, nil)

// Default is the built-in word list.
func Default() *Lexicon { return defaultLexicon }

// NewLexicon is the built-in word list with more words (normalised as
// Normalize does; a word in both of the extra lists counts as negative).
func NewLexicon(positive, negative []string) *Lexicon {
	l := &Lexicon{words: map[string]int{}}
	for _, w := range DefaultPositive {
		l.words[Normalize(w)] = 1
	}
	for _, w := range DefaultNegative {
		l.words[Normalize(w)] = -1
	}
	for _, w := range positive {
		l.words[Normalize(w)] = 1
	}
	for _, w := range negative {
		l.words[Normalize(w)] = -1
	}
	return l
}

// englishNegators flip the polarity of the next word ("not good",
// "don't like": the apostrophe splits don't into don and t).
var englishNegators = set("not", "no", "never", "t", "cannot", "without", "hardly", "isn", "wasn", "aren", "don", "doesn", "didn")

// englishStop are English words that carry no topic.
var englishStop = set("a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
	"be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do",
	"does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he",
	"her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
	"itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once",
	"only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some",
	"such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this",
	"those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where",
	"which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves",
	"s", "t", "don", "doesn", "didn", "isn", "wasn", "aren", "weren", "won", "ll", "ve", "re", "m", "d", "amp", "rt",
	"via", "get", "got", "also", "really", "much", "many", "one", "yet", "still", "even", "like", "im", "it's", "let",
	"us", "new", "make", "made", "way", "well", "back", "go", "going", "know", "see", "use", "using", "used", "today")

// japaneseStop are base forms too common to be a topic.
var japaneseStop = set("する", "いる", "ある", "なる", "れる", "られる", "できる", "いう", "言う", "くる", "来る", "やる", "思う",
	"みる", "見る", "いく", "行く", "おる", "くれる", "もらう", "しまう", "こと", "もの", "よう", "ため", "それ", "これ",
	"あれ", "どれ", "ここ", "そこ", "さん", "ない", "よい", "いい", "すごい", "もう", "まだ", "とても", "ちょっと", "今日",
	"すぎる", "過ぎる", "人", "方", "感じ", "時", "中", "的", "的な", "等", "他", "皆", "私", "僕", "俺", "自分", "今")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
