# shellcheck shell=bash
# The lab's test PKI: a CA made fresh for every run (so no key outlives
# it) and server certificates signed by it. P-256 keys and one openssl
# run per certificate keep set-up fast; the configuration is written here,
# so the machine's openssl.cnf plays no part.

# lab__pki_cert NAME CN EXTENSIONS [openssl req options]: $LAB_DIR/NAME.pem
# and NAME.key; EXTENSIONS are lines of an x509v3 extension section.
lab__pki_cert() {
	local name=$1 cn=$2 ext=$3
	shift 3
	printf '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = %s\n[ext]\n%s\n' \
		"$cn" "$ext" >"$LAB_DIR/$name.cnf"
	openssl req -x509 -config "$LAB_DIR/$name.cnf" -extensions ext \
		-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$LAB_DIR/$name.key" -out "$LAB_DIR/$name.pem" "$@" \
		>"$LAB_DIR/openssl.log" 2>&1 ||
		lab_fatal "cannot make the certificate $name ($cn): $(cat "$LAB_DIR/openssl.log")"
}

# lab_cert NAME SAN...: $LAB_DIR/NAME.pem and NAME.key, a server
# certificate for the subjectAltNames SAN ("DNS:web.lab.test",
# "IP:198.18.1.80") signed by the lab CA ($LAB_CA).
lab_cert() {
	local name=$1 san
	shift
	san=$(IFS=,; echo "$*")
	lab__pki_cert "$name" "${1#*:}" "subjectAltName = $san
extendedKeyUsage = serverAuth
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
authorityKeyIdentifier = keyid" -CA "$LAB_CA" -CAkey "$LAB_DIR/ca.key"
}

lab__pki_up() {
	lab__pki_cert ca "Outcall e2e lab CA $LAB_P" "basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash"
	lab_cert web DNS:web.lab.test DNS:api.lab.test DNS:pkg.lab.test \
		DNS:alias.lab.test "IP:$LAB_IP_WEB"
	lab_cert evil DNS:evil.lab.test "IP:$LAB_IP_EVIL"
}
