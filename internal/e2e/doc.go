// Package e2e holds the browser tests of the staff UI: a whole Renkei
// server runs in the test process (cli.NewServer on a temporary SQLite
// database, or on PostgreSQL when RENKEI_TEST_DATABASE_URL is set), mail
// goes to an in-process SMTP server (mailtest), and headless Chromium drives
// the pages through chromedp.
//
// Without /usr/bin/chromium the tests skip, except under CI=true, where
// they fail. With RENKEI_SCREENSHOTS=dir they save a full-page PNG of every
// page in both languages into dir.
package e2e
