package main

// A Redis over TLS for scenarios with externalRedis.tls: certificates made here for each run
// (so none expires in the repository), put into the user's Secret the chart mounts, and a
// redis-server on a TLS port that checks client certificates when the scenario has one.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RedisTLSExpectation says which Secret (one the user creates, not the chart) holds the TLS
// files under which keys, and the name the server's certificate carries.
type RedisTLSExpectation struct {
	Secret     string `yaml:"secret"`
	CAKey      string `yaml:"caKey"`
	CertKey    string `yaml:"certKey"` // with KeyKey: the server requires a client certificate
	KeyKey     string `yaml:"keyKey"`
	ServerName string `yaml:"serverName"`
}

// redisTLSFiles are the redis-server side of it.
type redisTLSFiles struct {
	ca, cert, key     string // paths
	requireClientCert bool
	serverName        string
}

type issued struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM string
	keyPEM  string
}

var serial int64

// issue makes a certificate for template, signed by parent (self-signed when nil).
func issue(template *x509.Certificate, parent *issued) (*issued, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial++
	template.SerialNumber = big.NewInt(serial)
	template.NotBefore = time.Now().Add(-time.Hour)
	template.NotAfter = time.Now().Add(24 * time.Hour)
	signer, signerKey := template, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &issued{cert, key,
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))}, nil
}

// makeRedisTLS makes a CA, the server's certificate for e.ServerName and a client certificate,
// writes the server's files into dir and fills the expected Secret with the client's, under the
// scenario's keys (as the user, or cert-manager, would).
func makeRedisTLS(expect *Expectation, dir string) (*redisTLSFiles, error) {
	e := expect.RedisTLS
	if e.Secret == "" || e.ServerName == "" || (e.CertKey == "") != (e.KeyKey == "") {
		return nil, fmt.Errorf("redisTLS needs secret and serverName, and certKey with keyKey")
	}
	ca, err := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "helm test Redis CA"},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, nil)
	if err != nil {
		return nil, err
	}
	// Only the name: not 127.0.0.1, where the server really listens, so the daemon gets ready
	// only if it checks the name the chart gives it.
	server, err := issue(&x509.Certificate{Subject: pkix.Name{CommonName: e.ServerName}, DNSNames: []string{e.ServerName},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca)
	if err != nil {
		return nil, err
	}
	client, err := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "postmortem-exporter"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca)
	if err != nil {
		return nil, err
	}
	files := &redisTLSFiles{filepath.Join(dir, "ca.crt"), filepath.Join(dir, "server.crt"),
		filepath.Join(dir, "server.key"), e.CertKey != "", e.ServerName}
	for path, content := range map[string]string{files.ca: ca.certPEM, files.cert: server.certPEM, files.key: server.keyPEM} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	if expect.ExistingSecrets == nil {
		expect.ExistingSecrets = map[string]map[string]string{}
	}
	secret := expect.ExistingSecrets[e.Secret]
	if secret == nil {
		secret = map[string]string{}
		expect.ExistingSecrets[e.Secret] = secret
	}
	if e.CAKey != "" {
		secret[e.CAKey] = ca.certPEM
	}
	if e.CertKey != "" {
		secret[e.CertKey] = client.certPEM
		secret[e.KeyKey] = client.keyPEM
	}
	return files, nil
}

// redisServerTLSArgs: redis-server on a TLS port only, with the server's files.
func (f *redisTLSFiles) redisServerTLSArgs(port int) []string {
	auth := "no"
	if f.requireClientCert {
		auth = "yes"
	}
	return []string{"--port", "0", "--tls-port", fmt.Sprint(port), "--tls-cert-file", f.cert,
		"--tls-key-file", f.key, "--tls-ca-cert-file", f.ca, "--tls-auth-clients", auth}
}

// checkRedisTLS: the TLS Secret is mounted read-only, every --redis.tls-*-file is one of its
// files, and without redisTLS in the expectations no TLS flag is rendered.
func checkRedisTLS(r *Rendered, expect Expectation) []string {
	container, volumes, err := daemonContainer(r)
	if err != nil {
		return []string{err.Error()}
	}
	var tlsArgs []string
	for _, a := range stringList(get(container, "args")) {
		if strings.HasPrefix(a, "--redis.tls-") {
			tlsArgs = append(tlsArgs, a)
		}
	}
	if expect.RedisTLS == nil {
		if len(tlsArgs) > 0 {
			return []string{fmt.Sprintf("TLS flags %v without redisTLS in the expectations", tlsArgs)}
		}
		return nil
	}
	mountPath := ""
	for _, v := range volumes {
		if str(v, "secret", "secretName") != expect.RedisTLS.Secret {
			continue
		}
		for _, m := range list(get(container, "volumeMounts")) {
			if str(m, "name") == str(v, "name") {
				if get(m, "readOnly") != true {
					return []string{"the TLS Secret's mount is not readOnly"}
				}
				mountPath = str(m, "mountPath")
			}
		}
	}
	if mountPath == "" {
		return []string{"the Secret " + expect.RedisTLS.Secret + " is not mounted in the daemon's container"}
	}
	var problems []string
	for _, a := range tlsArgs {
		if strings.HasSuffix(strings.SplitN(a, "=", 2)[0], "-file") && !strings.HasPrefix(strings.SplitN(a, "=", 2)[1], mountPath+"/") {
			problems = append(problems, a+" is not a file of the TLS Secret's mount "+mountPath)
		}
	}
	return problems
}
