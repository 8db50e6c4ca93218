package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run the real main in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("B2B_EMULATOR_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func command(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], args...)
	cmd.Env = append(os.Environ(), "B2B_EMULATOR_TEST_RUN_MAIN=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return cmd, &out, &errOut
}

func TestStopsCleanlyOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		urlFile := filepath.Join(t.TempDir(), "url")
		cmd, _, errOut := command(t, "-url-file", urlFile)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		waitForFile(t, urlFile, done)
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%v: %v\n%s", sig, err, errOut)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%v: still running", sig)
		}
		if !strings.Contains(errOut.String(), "stopped") {
			t.Fatalf("%v: stderr\n%s", sig, errOut)
		}
		if _, err := os.Stat(urlFile); !os.IsNotExist(err) {
			t.Fatalf("%v: url file left behind", sig)
		}
	}
}

func TestExitCodes(t *testing.T) {
	cmd, out, _ := command(t, "-h")
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "B2B_EMULATOR_LISTEN") {
		t.Fatalf("-h: %v\n%s", err, out)
	}
	cmd, _, errOut := command(t, "-listen", "0.0.0.0:0")
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 2 || !strings.Contains(errOut.String(), "b2b-emulator: -listen") {
		t.Fatalf("exit %d, stderr\n%s", code, errOut)
	}
}
