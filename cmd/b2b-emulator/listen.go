package main

import (
	"fmt"
	"net"
	"strings"
)

// checkListen refuses anything but 127.0.0.0/8, ::1 and localhost unless
// allowed: the emulator accepts any credentials it was given and hands
// out tokens, so it must not be reachable from other machines.
func checkListen(addr string, allowNonLoopback bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", addr, err)
	}
	if allowNonLoopback || isLoopbackHost(host) {
		return nil
	}
	return fmt.Errorf("-listen %q is not a loopback address (127.0.0.0/8, ::1, localhost): the emulator "+
		"accepts any credentials it was given and hands out tokens, so it must not be reachable from other "+
		"machines; pass -allow-non-loopback to listen there anyway", addr)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
