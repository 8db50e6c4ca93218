package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const certValidity = 365 * 24 * time.Hour

// selfSignedCert makes an ECDSA P-256 certificate for 127.0.0.1, ::1,
// localhost and listenHost, valid for about a year from now. It is its own
// issuer, so a client that trusts it as a root accepts it.
func selfSignedCert(listenHost string, now time.Time) (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "b2b-emulator (self-signed)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	addSubjectNames(tmpl, append([]string{"127.0.0.1", "::1", "localhost"}, listenHost))
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pemBytes, nil
}

// addSubjectNames adds each host once, as an IP or a DNS name; an empty or
// unspecified host (all interfaces) names nothing.
func addSubjectNames(tmpl *x509.Certificate, hosts []string) {
	seen := map[string]bool{}
	for _, h := range hosts {
		h, _, _ = strings.Cut(h, "%") // an IPv6 zone is not part of a name
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsUnspecified() && !seen[ip.String()] {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
				seen[ip.String()] = true
			}
			continue
		}
		if h = strings.ToLower(h); h != "" && !seen[h] {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
			seen[h] = true
		}
	}
}

// writeCert writes the certificate to path, or to a new temporary
// directory when path is empty; remove deletes what it wrote.
func writeCert(path string, pemBytes []byte) (written string, remove func(), err error) {
	if path != "" {
		if err := writeFileAtomic(path, string(pemBytes)); err != nil {
			return "", nil, err
		}
		return path, func() { os.Remove(path) }, nil
	}
	dir, err := os.MkdirTemp("", "b2b-emulator-")
	if err != nil {
		return "", nil, err
	}
	path = filepath.Join(dir, "cert.pem")
	if err := writeFileAtomic(path, string(pemBytes)); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return path, func() { os.RemoveAll(dir) }, nil
}
