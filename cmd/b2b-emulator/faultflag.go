package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// parseFault reads "METHOD /path=kind[:arg]" into a route and a fault.
func parseFault(spec string) (string, emulator.Fault, error) {
	route, kindSpec, ok := strings.Cut(spec, "=")
	fields := strings.Fields(route)
	if !ok || len(fields) != 2 || !isMethod(fields[0]) || !strings.HasPrefix(fields[1], "/") {
		return "", emulator.Fault{}, fmt.Errorf("-fault %q: want \"METHOD /path=kind[:arg]\", e.g. \"POST /auth/backend=status:500\"", spec)
	}
	name, arg, hasArg := strings.Cut(kindSpec, ":")
	kind, err := emulator.ParseFaultKind(name)
	if err != nil {
		return "", emulator.Fault{}, fmt.Errorf("-fault %q: %w (see Faults in -h)", spec, err)
	}
	f := emulator.Fault{Kind: kind}
	if err := setFaultArg(&f, arg, hasArg); err != nil {
		return "", emulator.Fault{}, fmt.Errorf("-fault %q: %w", spec, err)
	}
	if err := f.Validate(); err != nil {
		return "", emulator.Fault{}, fmt.Errorf("-fault %q: %w", spec, err)
	}
	return strings.ToUpper(fields[0]) + " " + fields[1], f, nil
}

func isMethod(s string) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodHead, http.MethodOptions} {
		if strings.EqualFold(s, m) {
			return true
		}
	}
	return false
}

// setFaultArg reads the part after the colon: a status, a delay (slow) or
// a count (total-count).
func setFaultArg(f *emulator.Fault, arg string, hasArg bool) error {
	var err error
	switch f.Kind {
	case emulator.FaultSlow:
		if !hasArg {
			return fmt.Errorf("slow needs a delay, e.g. slow:2s")
		}
		f.Delay, err = time.ParseDuration(arg)
	case emulator.FaultTotalCount:
		if !hasArg {
			return fmt.Errorf("total-count needs a number, e.g. total-count:-1")
		}
		f.TotalCount, err = strconv.Atoi(arg)
	case emulator.FaultStatus, emulator.FaultHTMLPage, emulator.FaultBodyCode, emulator.FaultRedirect:
		if hasArg {
			f.Status, err = strconv.Atoi(arg)
		}
	default:
		if hasArg {
			return fmt.Errorf("%v takes no argument", f.Kind)
		}
	}
	if err != nil {
		return fmt.Errorf("%v: bad argument %q", f.Kind, arg)
	}
	return nil
}
