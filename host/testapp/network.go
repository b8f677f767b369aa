package testapp

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strings"
	"time"
)

// The network failures of the findings scenarios: an HTTPS origin whose
// certificate no browser trusts (what a TLS-inspecting proxy looks like to
// the browser), and a forward proxy that refuses every tunnel (what a
// corporate firewall answers for a blocked site).

// RemoteHost stands for a site on the internet: a name under the reserved
// .test domain that no resolver knows. Chromium never proxies loopback and
// never counts it as mixed content, so the proxy and mixed-content scenarios
// address this host instead; the browser fails or blocks those requests
// before any name lookup (at the proxy, [App.ProxyURL], or as mixed content
// on a page of [App.SecureURL]).
const RemoteHost = "api.reprokit.test"

// selfSignedCert makes a certificate for 127.0.0.1, ::1 and localhost,
// signed by its own key: a browser rejects it with
// net::ERR_CERT_AUTHORITY_INVALID (the names match, only the issuer is
// unknown). It returns the certificate and the base64 SHA-256 of its
// public key (SPKI), the form Chromium's
// --ignore-certificate-errors-spki-list takes.
func selfSignedCert() (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "Reprokit test app (untrusted)", Organization: []string{"Reprokit test interception CA"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, base64.StdEncoding.EncodeToString(sum[:]), nil
}

// quietLog drops the servers' own error lines (TLS handshakes that the
// browser aborts on the untrusted certificate, by design).
var quietLog = log.New(io.Discard, "", 0)

// serveFirewallProxy answers every proxied request of one connection as a
// firewall that blocks the site: CONNECT (an https:// URL) gets
// "403 Forbidden", which Chromium reports as net::ERR_TUNNEL_CONNECTION_FAILED;
// a plain request gets a 403 page. The request is recorded as origin "P".
func (app *App) serveFirewallProxy(c net.Conn) {
	untrack, ok := app.track(c)
	if !ok {
		return
	}
	defer untrack()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	for {
		r, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		u := r.RequestURI
		if r.Method == http.MethodConnect {
			u = "https://" + r.Host
		}
		app.record(Request{Origin: "P", Method: r.Method, URL: u, Path: r.URL.Path, Header: r.Header.Clone(), ContentLength: r.ContentLength, Time: time.Now()})
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		r.Body.Close()
		const body = "blocked by the Reprokit test firewall\n"
		fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nX-Reprokit-Proxy: firewall\r\n", len(body))
		if r.Method == http.MethodConnect || strings.EqualFold(r.Header.Get("Proxy-Connection"), "close") {
			io.WriteString(c, "Connection: close\r\n\r\n"+body)
			return
		}
		io.WriteString(c, "\r\n"+body)
	}
}

// acceptLoop serves each connection of l with serve until l is closed.
func acceptLoop(l net.Listener, serve func(net.Conn)) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go serve(c)
	}
}
