package textseg

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestJapaneseWordsComeOutAsWords(t *testing.T) {
	cases := []struct {
		text      string
		want      []string // must be among the terms
		notWanted []string // must not be
	}{
		{"東京都の営業チームがマーケティングの会議に参加しました。",
			[]string{"東京都", "営業", "チーム", "マーケティング", "会議", "参加"},
			[]string{"の", "が", "に", "し", "まし", "た", "東京", "。"}},
		{"新しい顧客管理システムを導入して、売上が伸びた",
			[]string{"顧客", "管理", "システム", "導入", "売上", "伸びる"},
			[]string{"を", "て", "が", "、"}},
		{"大阪府で展示会を開催します #展示会2026 @renkei_jp",
			[]string{"大阪府", "展示", "開催", "#展示会2026", "@renkei_jp"},
			[]string{"で", "を", "ます"}},
	}
	for _, c := range cases {
		r, err := Analyze(c.text, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !slices.Contains(r.Terms, w) {
				t.Errorf("%q: terms %q lack %q", c.text, r.Terms, w)
			}
		}
		for _, w := range c.notWanted {
			if slices.Contains(r.Terms, w) {
				t.Errorf("%q: terms %q have %q", c.text, r.Terms, w)
			}
		}
	}
}

func TestEnglishHashtagsMentionsAndNoise(t *testing.T) {
	r, err := Analyze("Loving the new #CRM from @Renkei_JP! The pipeline is FAST and the reports are great https://example.com/x?y=1 ＃マーケ", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"loving", "#crm", "@renkei_jp", "pipeline", "fast", "reports", "great", "#マーケ"}
	for _, w := range want {
		if !slices.Contains(r.Terms, w) {
			t.Errorf("terms %q lack %q", r.Terms, w)
		}
	}
	for _, w := range []string{"the", "is", "and", "are", "https", "example", "com", "x"} {
		if slices.Contains(r.Terms, w) {
			t.Errorf("terms %q have the stop word or URL part %q", r.Terms, w)
		}
	}
	if r.Score != 2 {
		t.Errorf("score = %d, want 2 (fast, great)", r.Score)
	}
	if !strings.Contains(r.Norm, "#crm") {
		t.Errorf("norm = %q", r.Norm)
	}
	// Distinct terms in order of appearance.
	r, _ = Analyze("sales sales SALES pipeline", nil)
	if !slices.Equal(r.Terms, []string{"sales", "pipeline"}) {
		t.Errorf("terms = %q", r.Terms)
	}
}

func TestSentiment(t *testing.T) {
	cases := []struct {
		text  string
		score int
	}{
		{"このツールは本当に便利で最高です", 2},
		{"サポートの対応が遅いし、バグが多くて最悪", -3},
		{"使いやすい", 1},
		{"使いにくい", -1},
		{"この機能は良くない", -1},
		{"便利じゃない", -1},
		{"I love it, great support", 2},
		{"not good and really slow", -2},
		{"don't like the bugs", -1},
		{"今日は会議があります", 0},
	}
	for _, c := range cases {
		r, err := Analyze(c.text, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Score != c.score {
			t.Errorf("%q: score %d, want %d (terms %q)", c.text, r.Score, c.score, r.Terms)
		}
	}
	lex := NewLexicon([]string{"神対応"}, []string{"値上げ"})
	r, _ := Analyze("突然の値上げ", lex)
	if r.Score != -1 {
		t.Errorf("extra negative word: score %d, want -1", r.Score)
	}
}

func BenchmarkAnalyze(b *testing.B) {
	posts := []string{
		"Renkeiのマーケティング機能で展示会のリード管理がすごく楽になった！営業チームも満足 #マーケティング #展示会",
		"サイボウズから乗り換えを検討中。価格が高いのが気になるけど、サポートは丁寧で安心できる",
		"Just switched our sales team to Renkei. The pipeline board is fast and the reports are great. #CRM @renkei_jp",
		"東京都内のセミナーに参加しました。顧客管理とメール配信の事例がとても参考になった",
		"The import keeps failing with an error, support has been slow to answer. Disappointed. #support",
	}
	if err := Preload(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := Analyze(posts[n%len(posts)], nil); err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// TestDictionaryLoadsOnFirstUse runs in a fresh process (this test binary
// again), so that no other test has loaded the dictionary before: it is
// not loaded by importing the package nor by English text, and is loaded
// by the first Japanese text.
func TestDictionaryLoadsOnFirstUse(t *testing.T) {
	if os.Getenv("TEXTSEG_LOAD_CHILD") == "1" {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if Loaded() {
			t.Fatal("the dictionary is loaded before any use")
		}
		if _, err := Analyze("plain English text #only", nil); err != nil {
			t.Fatal(err)
		}
		if Loaded() {
			t.Fatal("English text loaded the dictionary")
		}
		if _, err := Analyze("日本語の投稿", nil); err != nil {
			t.Fatal(err)
		}
		if !Loaded() {
			t.Fatal("Japanese text did not load the dictionary")
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		t.Logf("heap in use: %.1f MB before the first Japanese text, %.1f MB after",
			float64(before.HeapInuse)/1e6, float64(after.HeapInuse)/1e6)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDictionaryLoadsOnFirstUse$", "-test.v")
	cmd.Env = append(os.Environ(), "TEXTSEG_LOAD_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "heap in use") {
		t.Fatalf("the child did not run the check:\n%s", out)
	}
	t.Log(strings.TrimSpace(string(out)))
}
