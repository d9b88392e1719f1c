//go:build !unix

package store

import "errors"

// LockFile is the lock file in an SQLite data directory (unused on this
// system: see lock_unix.go).
const LockFile = "renkei.lock"

// ErrDataDirInUse is returned by LockDataDir when another process holds the
// data directory.
var ErrDataDirInUse = errors.New("data directory in use")

// LockDataDir does nothing on systems without flock: make sure the server
// is stopped before a restore.
func LockDataDir(dir string) (release func(), err error) { return func() {}, nil }
