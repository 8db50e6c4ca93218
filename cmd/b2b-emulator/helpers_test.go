package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// envOf stands in for os.LookupEnv.
func envOf(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func testSystem(env map[string]string) (system, *syncBuffer, *syncBuffer) {
	out, errOut := &syncBuffer{}, &syncBuffer{}
	return system{stdout: out, stderr: errOut, getenv: envOf(env)}, out, errOut
}

// running is an emulator started by run in the background.
type running struct {
	base string
	logs *syncBuffer
	stop func() error
}

// startRun runs the command with a -url-file added and waits for the URL.
func startRun(t *testing.T, args ...string) *running {
	t.Helper()
	urlFile := filepath.Join(t.TempDir(), "url")
	sys, _, logs := testSystem(nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append(args, "-url-file", urlFile), sys) }()
	base := waitForFile(t, urlFile, done)
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("no clean shutdown")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	return &running{base: base, logs: logs, stop: stop}
}

// waitForFile returns the trimmed content of path once it exists; it fails
// the test if run ends first.
func waitForFile(t *testing.T, path string, done <-chan error) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b))
		}
		select {
		case err := <-done:
			t.Fatalf("run ended before writing %s: %v", path, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never written", path)
		}
	}
}
