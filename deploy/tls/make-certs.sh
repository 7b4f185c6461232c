#!/bin/sh
# Makes a local certificate authority and a broker certificate signed by it, for the TLS variant of
# the compose stack (deploy/mosquitto/tls/mosquitto-tls.conf) and for system-tests' TlsIT.
#
#   deploy/tls/make-certs.sh [OUT_DIR] [EXTRA_SAN ...]      (OUT_DIR default: deploy/tls/certs)
#
# Writes OUT_DIR/ca.crt (give it to clients: --ca-file), ca.key (keep it; it never leaves this
# machine), broker.crt and broker.key. The broker certificate's subjectAltName covers localhost,
# 127.0.0.1 and "broker" (the service name in docker-compose.yml), plus any EXTRA_SAN given as
# DNS:name or IP:address. Keys are made readable by their owner only; for the eclipse-mosquitto
# container, which runs as uid 1883, run: sudo chown 1883 OUT_DIR/broker.key
set -eu

out="${1:-$(dirname "$0")/certs}"
[ "$#" -gt 0 ] && shift
days="${VNET_CERT_DAYS:-825}"
san="DNS:localhost,IP:127.0.0.1,DNS:broker"
for extra in "$@"; do san="$san,$extra"; done

command -v openssl >/dev/null || { echo "make-certs: openssl is needed (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
umask 077

openssl req -x509 -new -nodes -newkey rsa:3072 -sha256 -days "$days" \
  -subj "/CN=virtnet local CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null

openssl req -new -nodes -newkey rsa:2048 -sha256 -subj "/CN=broker" \
  -keyout "$out/broker.key" -out "$out/broker.csr" 2>/dev/null

ext="$out/broker.ext"
cat > "$ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
EXT
openssl x509 -req -in "$out/broker.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -days "$days" -sha256 -extfile "$ext" -out "$out/broker.crt" 2>/dev/null
rm -f "$out/broker.csr" "$ext" "$out/ca.srl"
chmod 644 "$out/ca.crt" "$out/broker.crt"

echo "make-certs: CA $out/ca.crt, broker certificate $out/broker.crt (subjectAltName $san)"
