# shellcheck shell=bash
# The lab's test PKI: a CA made fresh for every run (so no key outlives
# it) and server certificates signed by it. P-256 keys keep set-up fast.

# lab_cert NAME SAN...: $LAB_DIR/NAME.pem and NAME.key, a server
# certificate for the subjectAltNames SAN ("DNS:web.lab.test",
# "IP:198.18.1.80") signed by the lab CA ($LAB_CA).
lab_cert() {
	local name=$1 san
	shift
	san=$(IFS=,; echo "$*")
	printf '%s\n' "subjectAltName=$san" "extendedKeyUsage=serverAuth" \
		"basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" >"$LAB_DIR/$name.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$LAB_DIR/$name.key" -subj "/CN=${1#*:}" \
		-out "$LAB_DIR/$name.csr" 2>"$LAB_DIR/openssl.log" &&
		openssl x509 -req -in "$LAB_DIR/$name.csr" -CA "$LAB_CA" \
			-CAkey "$LAB_DIR/ca.key" -days 2 -extfile "$LAB_DIR/$name.ext" \
			-out "$LAB_DIR/$name.pem" 2>>"$LAB_DIR/openssl.log" ||
		lab_fatal "cannot make the certificate $name for $*: $(cat "$LAB_DIR/openssl.log")"
}

lab__pki_up() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$LAB_DIR/ca.key" -out "$LAB_CA" -days 2 \
		-subj "/CN=Outcall e2e lab CA $LAB_P" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>"$LAB_DIR/openssl.log" ||
		lab_fatal "cannot make the lab CA: $(cat "$LAB_DIR/openssl.log")"
	lab_cert web DNS:web.lab.test DNS:api.lab.test DNS:pkg.lab.test \
		DNS:alias.lab.test "IP:$LAB_IP_WEB"
	lab_cert evil DNS:evil.lab.test "IP:$LAB_IP_EVIL"
}
