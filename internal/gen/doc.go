// Package gen makes a realistic, seeded business for `renkei demo` and the
// benchmark datasets of `renkei gen` (BENCHMARKS.md sizes S and M).
//
// The story: the workspace's own company (株式会社レンケイ商事 / Renkei
// Trading) sells marketing and sales software to other companies. Its
// marketing team brings people in (web forms, trade shows, webinars,
// newsletters) and hands the warm ones to inside sales as MQLs; inside
// sales accepts or rejects them; field sales, split east and west, turns
// accepted leads into opportunities and customers. Sales also finds people
// itself (business cards, target lists), and those close less often: the
// difference between プル型 marketing and プッシュ型 sales that the reference
// article describes is in the numbers.
//
// Determinism: a World is fixed by its Config (seed, size, language and the
// story's end, Now). Every company draws from its own random stream
// (World.Rand(stream, index)), so company j and its people can be made
// again alone, in any order, without keeping a million people in memory:
// World.Company(j, buf) returns them.
//
// Hidden traits for later generators: Company.Fit (ideal-customer fit),
// Person.Temperature (interest), Person.Group (marketing or outbound),
// Person.Stages (when the person became each lifecycle stage), Lost and
// Closed, and Event (the trade show or webinar that brought them). Visits,
// form submissions, scores, MQL reviews, deals, quotes, campaigns, e-mails
// and surveys are added by Extensions (see load.go) that read these traits
// and draw from their own streams, so adding one never changes the people
// that already exist.
//
// Safety: every generated domain is under example.jp or example.com and
// every IP address is from the documentation ranges (RFC 5737), so a demo
// that sends e-mail or calls out reaches nobody.
package gen
