//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockFile is the lock file in an SQLite data directory. `renkei serve`
// and `renkei restore` hold an exclusive flock on it; the kernel releases it
// when the process ends, however it ends.
const LockFile = "renkei.lock"

// ErrDataDirInUse is returned by LockDataDir when another process holds the
// data directory.
var ErrDataDirInUse = errors.New("data directory in use")

// LockDataDir takes the exclusive lock on dir's lock file without waiting.
// It returns an error wrapping ErrDataDirInUse when a running renkei serve
// (or restore) holds it. Call release to unlock.
func LockDataDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: a renkei server (or restore) is running on %s", ErrDataDirInUse, dir)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
