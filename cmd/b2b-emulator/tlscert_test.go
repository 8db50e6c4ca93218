package main

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// httpsClient trusts only the certificate in pemFile.
func httpsClient(t *testing.T, pemFile string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("no certificate in %s", pemFile)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestTLS(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "emulator.pem")
	r := startRun(t, "-tls", "-cert-file", certFile)
	if !regexp.MustCompile(`^https://127\.0\.0\.1:\d+/api/io$`).MatchString(r.base) {
		t.Fatalf("base %q", r.base)
	}
	if !strings.Contains(r.logs.String(), "certificate: "+certFile+" ") || !strings.Contains(r.logs.String(), "SSL_CERT_FILE="+certFile) {
		t.Fatalf("log:\n%s", r.logs)
	}
	body := `{"storeHash":"abc123","email":"admin@example.com","password":"demo-password","name":"tls"}`
	res, err := httpsClient(t, certFile).Post(r.base+"/auth/backend", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.TLS == nil {
		t.Fatalf("HTTP %d over TLS %v", res.StatusCode, res.TLS != nil)
	}
	// A client that does not trust the certificate is refused.
	if _, err := http.Get(r.base + "/backend/tokens"); err == nil {
		t.Fatal("an untrusting client connected")
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(certFile); !os.IsNotExist(err) {
		t.Fatal("certificate left behind")
	}
}

func TestTLSDefaultCertFile(t *testing.T) {
	r := startRun(t, "-tls", "-listen", "localhost:0")
	m := regexp.MustCompile(`certificate: (\S+) `).FindStringSubmatch(r.logs.String())
	if m == nil {
		t.Fatalf("log:\n%s", r.logs)
	}
	res, err := httpsClient(t, m[1]).Get(r.base + "/backend/tokens")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("HTTP %d", res.StatusCode)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(m[1])); !os.IsNotExist(err) {
		t.Fatal("temporary certificate directory left behind")
	}
}

func TestSelfSignedCert(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cert, pemBytes, err := selfSignedCert("emu.example.test", now)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	var ips []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String())
	}
	if !slices.Equal(ips, []string{"127.0.0.1", "::1"}) || !slices.Equal(c.DNSNames, []string{"localhost", "emu.example.test"}) {
		t.Fatalf("names %v %v", ips, c.DNSNames)
	}
	if _, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok || c.NotAfter.Sub(now) != 365*24*time.Hour || c.NotBefore.After(now) {
		t.Fatalf("key %T, valid %v..%v", cert.PrivateKey, c.NotBefore, c.NotAfter)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	for _, name := range []string{"127.0.0.1", "::1", "localhost", "emu.example.test"} {
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, CurrentTime: now}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// An unspecified listen host (all interfaces) adds no name; a loopback host is not repeated.
	for _, host := range []string{"0.0.0.0", "::", "", "127.0.0.1", "LOCALHOST"} {
		_, pemBytes, err := selfSignedCert(host, now)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode(pemBytes)
		c, _ := x509.ParseCertificate(block.Bytes)
		if len(c.IPAddresses) != 2 || len(c.DNSNames) != 1 {
			t.Errorf("%q: %v %v", host, c.IPAddresses, c.DNSNames)
		}
	}
}
