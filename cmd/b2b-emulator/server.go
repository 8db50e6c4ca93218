package main

import (
	"fmt"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// newServer checks the configuration and builds the emulator it describes.
func newServer(cfg *config) (*emulator.Server, error) {
	if err := checkListen(cfg.listen, cfg.allowNonLoopback); err != nil {
		return nil, err
	}
	opts, err := buildOptions(cfg)
	if err != nil {
		return nil, err
	}
	type routedFault struct {
		route string
		f     emulator.Fault
	}
	faults := make([]routedFault, len(cfg.faults))
	for i, spec := range cfg.faults {
		if faults[i].route, faults[i].f, err = parseFault(spec); err != nil {
			return nil, err
		}
	}
	if err := checkNumbers(cfg); err != nil {
		return nil, err
	}
	names, err := emulator.ParseNameRule(cfg.names)
	if err != nil {
		return nil, fmt.Errorf("-names: %w", err)
	}
	srv := emulator.New(opts)
	srv.SetLatency(cfg.latency)
	srv.SetListLag(cfg.listLag)
	srv.SetListLagFor(cfg.listLagFor)
	srv.SetReplicaBehind(cfg.replicaBehind)
	srv.SetNameRule(names)
	srv.SetRateLimitWindow(cfg.rateLimit, cfg.rateWindow)
	srv.SeedTokens(cfg.seedTokens, "seed-token-", opts.Users[0].Email)
	for _, rf := range faults {
		srv.InjectFault(rf.route, rf.f)
	}
	return srv, nil
}

// buildOptions turns the users, access token, seed file, list order and
// token value mode into emulator options.
func buildOptions(cfg *config) (emulator.Options, error) {
	seededUsers, seededTokens, err := loadSeedFile(cfg.seedFile)
	if err != nil {
		return emulator.Options{}, err
	}
	users, err := collectUsers(cfg, seededUsers)
	if err != nil {
		return emulator.Options{}, err
	}
	order, err := emulator.ParseListOrder(cfg.listOrder)
	if err != nil {
		return emulator.Options{}, fmt.Errorf("-list-order: %w", err)
	}
	values, err := emulator.ParseTokenValueMode(cfg.tokenValues)
	if err != nil {
		return emulator.Options{}, fmt.Errorf("-token-values: %w", err)
	}
	opts := emulator.Options{
		StoreHash:              cfg.storeHash,
		Users:                  users,
		AccessTokenListsTokens: cfg.accessTokenListsTokens,
		UnauthorizedAsDetail:   cfg.unauthorizedAsDetail,
		ListOrder:              order,
		TokenValues:            values,
		Tokens:                 seededTokens,
	}
	if cfg.accessToken != "" {
		opts.AccessTokens = []string{cfg.accessToken}
	}
	if !isStoreHash(cfg.storeHash) {
		return emulator.Options{}, fmt.Errorf("-store-hash %q: want lowercase letters and digits, as the provider does", cfg.storeHash)
	}
	return opts, opts.Validate()
}

func isStoreHash(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return s != ""
}

func checkNumbers(cfg *config) error {
	switch {
	case cfg.seedTokens < 0:
		return fmt.Errorf("-seed-tokens %d is negative", cfg.seedTokens)
	case cfg.latency < 0:
		return fmt.Errorf("-latency %v is negative", cfg.latency)
	case cfg.listLagFor < 0:
		return fmt.Errorf("-list-lag-for %v is negative", cfg.listLagFor)
	case cfg.replicaBehind < 0:
		return fmt.Errorf("-replica-behind %v is negative", cfg.replicaBehind)
	case cfg.rateLimit < 0:
		return fmt.Errorf("-rate-limit %d is negative (0 turns it off)", cfg.rateLimit)
	case cfg.rateWindow <= 0:
		return fmt.Errorf("-rate-window %v must be positive", cfg.rateWindow)
	}
	return nil
}
