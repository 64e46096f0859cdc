#!/usr/bin/env bash
# scripts/tls-certs.sh - throwaway TLS material for berth's TLS tests (openssl only).
#
#   bash scripts/tls-certs.sh DIR
#
# Writes into DIR (created if missing; files already there are kept, so a second run is a no-op):
#
#   ca.pem, ca-key.pem                   the test CA
#   server-cert.pem, server-key.pem      the daemon's certificate: signed by the CA, serverAuth,
#                                        SAN IP:127.0.0.1 and DNS:localhost (nothing else)
#   cert.pem, key.pem                    a client certificate signed by the CA (clientAuth)
#   other-ca.pem, other-ca-key.pem       a second, unrelated CA
#   other-cert.pem, other-key.pem        a client certificate signed by the unrelated CA
#   wrong-host-cert.pem, wrong-host-key.pem
#                                        a server certificate signed by the CA for the wrong
#                                        name only (DNS:wrong-host.invalid)
#
# ca.pem + cert.pem + key.pem is the docker CLI's DOCKER_CERT_PATH layout. Keys are P-256 EC
# (fast to make, accepted by Go's crypto/tls, OpenSSL, BoringSSL and rustls). Everything here
# protects nothing and is made fresh for each daemon directory.
set -euo pipefail

dir="${1:?usage: tls-certs.sh DIR}"
mkdir -p "$dir"
cd "$dir"
umask 077

command -v openssl >/dev/null 2>&1 || { echo "[tls-certs.sh] ERROR: openssl is not installed" >&2; exit 1; }

DAYS=3650

key() { # FILE
  [ -f "$1" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

ca() { # NAME SUBJECT
  local name="$1" subject="$2"
  [ -f "$name.pem" ] && return 0
  key "$name-key.pem"
  openssl req -x509 -new -key "$name-key.pem" -sha256 -days "$DAYS" -subj "$subject" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$name.pem"
}

leaf() { # CERT KEY CA SUBJECT EKU [SAN]
  local cert="$1" keyfile="$2" issuer="$3" subject="$4" eku="$5" san="${6:-}" ext
  [ -f "$cert" ] && return 0
  key "$keyfile"
  ext="$(mktemp)"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$eku"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    [ -n "$san" ] && echo "subjectAltName=$san"
  } >"$ext"
  openssl req -new -key "$keyfile" -subj "$subject" -out "$cert.csr"
  openssl x509 -req -in "$cert.csr" -CA "$issuer.pem" -CAkey "$issuer-key.pem" -CAcreateserial \
    -sha256 -days "$DAYS" -extfile "$ext" -out "$cert" 2>/dev/null
  rm -f "$cert.csr" "$ext"
}

ca ca "/CN=berth test CA"
ca other-ca "/CN=berth unrelated CA"
leaf server-cert.pem server-key.pem ca "/CN=localhost" serverAuth "IP:127.0.0.1,DNS:localhost"
leaf cert.pem key.pem ca "/CN=berth test client" clientAuth
leaf other-cert.pem other-key.pem other-ca "/CN=berth unrelated client" clientAuth
leaf wrong-host-cert.pem wrong-host-key.pem ca "/CN=wrong-host.invalid" serverAuth "DNS:wrong-host.invalid"

# the certificates are public; only the keys stay private
chmod 644 ./*.pem
chmod 600 ./*-key.pem key.pem
openssl verify -CAfile ca.pem server-cert.pem cert.pem wrong-host-cert.pem >/dev/null
openssl verify -CAfile other-ca.pem other-cert.pem >/dev/null
echo "[tls-certs.sh] TLS material in $PWD" >&2
