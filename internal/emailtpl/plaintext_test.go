package emailtpl

import "testing"

func TestPlainText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"paragraphs and headings",
			"<html><head><title>T</title><style>p{}</style></head><body><h1>見出し</h1><p>一行目<br>二行目</p><p>次の &amp; 段落&nbsp;です</p></body></html>",
			"見出し\n\n一行目\n二行目\n\n次の & 段落 です"},
		{"lists", "<ul><li>りんご</li><li>みかん</li></ul><ol><li>one</li><li>two</li></ol>", "- りんご\n- みかん\n\n1. one\n2. two"},
		{"links", `<p>See <a href="https://x.jp/a?b=1&amp;c=2">the page</a>, <a href="https://x.jp">https://x.jp</a> and <a href="mailto:a@x.jp">a@x.jp</a>.</p>`,
			"See the page (https://x.jp/a?b=1&c=2), https://x.jp and a@x.jp."},
		{"divider and image", `<p>a</p><hr><img src="x.png" alt="ロゴ"><img src="y.png">`, "a\n\n----\n\nロゴ"},
		{"hidden and script", `<div style="display: none">preheader</div><script>alert(1)</script><p>本文</p>`, "本文"},
		{"white space", "<p>  a \n  b  </p>\n\n<p>c</p>", "a b\n\nc"},
		{"entities", "<p>&lt;tag&gt; &quot;q&quot; &#x3042;</p>", `<tag> "q" あ`},
	}
	for _, c := range cases {
		if got := PlainText(c.in); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
