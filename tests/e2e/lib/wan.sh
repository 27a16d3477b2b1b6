# shellcheck shell=bash
# The fake internet's servers, all in the wan namespace: dnsmasq answers a
# fixed table of names on 198.18.1.53, nginx plays the web, evil and
# metadata servers. Both run on configuration of their own in $LAB_DIR,
# never the machine's (/etc/dnsmasq.conf, /etc/nginx).

# The fixed names (tests/e2e/README.md has this table for humans). Any
# other name is NXDOMAIN, as on the internet.
# shellcheck disable=SC2054 # the commas are dnsmasq's
LAB_DNS_RECORDS=(
	--host-record=web.lab.test,198.18.1.80
	--host-record=api.lab.test,198.18.1.80
	--host-record=pkg.lab.test,198.18.1.80
	--host-record=evil.lab.test,198.18.1.66
	--host-record=private.lab.test,10.1.2.3
	--host-record=loopback.lab.test,127.0.0.1
	--host-record=meta.lab.test,169.254.169.254
	--host-record=cgnat.lab.test,100.64.1.1
	--host-record=v6.lab.test,198.18.1.80,2001:db8::1
	--host-record=short-ttl.lab.test,198.18.1.80,2
	--host-record=long-ttl.lab.test,198.18.1.80,86400
	--cname=alias.lab.test,web.lab.test
	--cname=badalias.lab.test,evil.lab.test
	--txt-record=txt.lab.test,"outcall lab"
	# HTTPS (type 65): priority 1, target ".", alpn="h2", ech=3q2+7w== (deadbeef)
	--dns-rr=web.lab.test,65,0001000001000302683200050004deadbeef
)
LAB_DNS_TTL=300
# /big is sparse (instant to make, 64 MiB of zeros to send); /random.bin
# is 1 MiB of random bytes whose sha256 is in LAB_RANDOM_SHA256, to check
# that a relay does not corrupt data.
LAB_BIG_SIZE=$((64 * 1024 * 1024))

lab__dns_up() {
	mkdir "$LAB_DIR/hosts.d" || lab_fatal "cannot make $LAB_DIR/hosts.d"
	lab_bg wan dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--no-resolv --no-hosts --local=/#/ --user=root --group=root \
		--pid-file="$LAB_DIR/dnsmasq.pid" --log-facility="$LAB_DNS_LOG" \
		--log-queries --bind-interfaces --listen-address="$LAB_IP_DNS" \
		--local-ttl="$LAB_DNS_TTL" --hostsdir="$LAB_DIR/hosts.d" \
		"${LAB_DNS_RECORDS[@]}"
}

# Needs the certificates of pki.sh.
lab__web_up() {
	mkdir "$LAB_DIR/www" "$LAB_DIR/nginx-tmp" ||
		lab_fatal "cannot make the web directories in $LAB_DIR"
	truncate -s "$LAB_BIG_SIZE" "$LAB_DIR/www/big" &&
		head -c 1048576 /dev/urandom >"$LAB_DIR/www/random.bin" ||
		lab_fatal "cannot make the download files in $LAB_DIR/www"
	LAB_RANDOM_SHA256=$(sha256sum <"$LAB_DIR/www/random.bin")
	LAB_RANDOM_SHA256=${LAB_RANDOM_SHA256%% *}
	lab__nginx_conf >"$LAB_DIR/nginx.conf"
	lab_bg wan nginx nginx -e "$LAB_DIR/nginx-error.log" -p "$LAB_DIR" \
		-c "$LAB_DIR/nginx.conf"
}

# lab_dns_set NAME ADDR...: (re)defines NAME on the wan DNS server, for
# tests that need more names or a name whose answer changes. Returns once
# the server answers with the new first address.
lab_dns_set() {
	local name=$1 a tmp
	shift
	tmp=$LAB_DIR/hosts.d/.$name
	: >"$tmp"
	for a in "$@"; do echo "$a $name" >>"$tmp"; done
	# A rename makes dnsmasq read the file once, complete.
	mv -f "$tmp" "$LAB_DIR/hosts.d/$name"
	lab_wait 5 "wan DNS answering $name with $1" lab__dns_has "$name" "$1"
}

# lab_dns_del NAME: undoes lab_dns_set; returns once NAME is NXDOMAIN.
lab_dns_del() {
	rm -f "$LAB_DIR/hosts.d/$1"
	lab_wait 5 "wan DNS forgetting $1" lab__dns_nx "$1"
}

lab__dns_has() {
	lab_host dig +time=1 +tries=1 +short "@$LAB_IP_DNS" "$1" | grep -qxF "$2"
}
lab__dns_nx() {
	lab_host dig +time=1 +tries=1 "@$LAB_IP_DNS" "$1" | grep -q 'status: NXDOMAIN'
}

# Every response names the server that gave it
# ("<server>:<Host header>:<method>:<request target>"), so a test can tell
# web from evil and plain from TLS, and every request is logged to
# $LAB_WEB_LOG with the address it arrived on.
lab__nginx_conf() {
	local d=$LAB_DIR
	cat <<-EOF
		daemon off;
		master_process on;
		worker_processes 1;
		user root;
		pid $d/nginx.pid;
		error_log $d/nginx-error.log info;
		events { worker_connections 1024; }
		http {
		    default_type text/plain;
		    log_format lab '\$server_addr:\$server_port \$remote_addr "\$http_host" '
		        'sni="\$ssl_server_name" "\$request" \$status len=\$request_length '
		        'sent=\$bytes_sent';
		    access_log $LAB_WEB_LOG lab;
		    client_body_temp_path $d/nginx-tmp/body;
		    proxy_temp_path $d/nginx-tmp/proxy;
		    fastcgi_temp_path $d/nginx-tmp/fastcgi;
		    uwsgi_temp_path $d/nginx-tmp/uwsgi;
		    scgi_temp_path $d/nginx-tmp/scgi;
		    client_max_body_size 0;
		    root $d/www;
		    $(lab__nginx_server web "$LAB_IP_WEB:80")
		    $(lab__nginx_server web-tls "$LAB_IP_WEB:443 ssl http2" web)
		    $(lab__nginx_server web-8080 "$LAB_IP_WEB:8080")
		    $(lab__nginx_server web-2222 "$LAB_IP_WEB:2222")
		    $(lab__nginx_server evil "$LAB_IP_EVIL:80")
		    $(lab__nginx_server evil-tls "$LAB_IP_EVIL:443 ssl http2" evil)
		    server {
		        listen $LAB_IP_META:80;
		        location / {
		            return 200 "meta:\$http_host:\$request_method:\$request_uri:secret=OC-LAB-METADATA-SECRET\n";
		        }
		    }
		}
	EOF
}

# lab__nginx_server ID LISTEN [CERT]: one server answering with ID.
lab__nginx_server() {
	local tls=""
	[ $# -lt 3 ] || tls="ssl_certificate $LAB_DIR/$3.pem; ssl_certificate_key $LAB_DIR/$3.key;"
	cat <<-EOF
		server {
		        listen $2;
		        $tls
		        location = /big { try_files /big =404; }
		        location = /random.bin { try_files /random.bin =404; }
		        location / { return 200 "$1:\$http_host:\$request_method:\$request_uri\n"; }
		    }
	EOF
}
