package main

import (
	"strings"
	"testing"
)

func TestCheckListen(t *testing.T) {
	ok := []string{"127.0.0.1:8799", "127.5.6.7:0", "[::1]:8799", "localhost:1", "LOCALHOST:1"}
	bad := []string{":8799", "0.0.0.0:8799", "[::]:8799", "192.168.1.2:80", "example.com:80", "[fe80::1%lo]:80"}
	for _, a := range ok {
		if err := checkListen(a, false); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range bad {
		err := checkListen(a, false)
		if err == nil {
			t.Errorf("%s accepted", a)
			continue
		}
		for _, why := range []string{"not a loopback address", "accepts any credentials", "other machines", "-allow-non-loopback"} {
			if !strings.Contains(err.Error(), why) {
				t.Errorf("%s: error %q does not say %q", a, err, why)
			}
		}
		if err := checkListen(a, true); err != nil {
			t.Errorf("%s with -allow-non-loopback: %v", a, err)
		}
	}
	if err := checkListen("127.0.0.1", true); err == nil {
		t.Error("an address without a port was accepted")
	}
}

// The check runs before anything listens; -allow-non-loopback lifts it.
func TestNonLoopbackNeedsTheFlag(t *testing.T) {
	sys, _, _ := testSystem(nil)
	cfg, err := parseConfig([]string{"-listen", "0.0.0.0:0"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newServer(cfg); err == nil || !strings.Contains(err.Error(), "must not be reachable from other machines") {
		t.Fatalf("err %v", err)
	}
	sys, _, _ = testSystem(map[string]string{"B2B_EMULATOR_ALLOW_NON_LOOPBACK": "true"})
	if cfg, err = parseConfig([]string{"-listen", "0.0.0.0:0"}, sys); err != nil {
		t.Fatal(err)
	}
	if _, err := newServer(cfg); err != nil {
		t.Fatal(err)
	}
}
