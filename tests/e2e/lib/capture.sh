# shellcheck shell=bash
# Packet captures inside lab namespaces, for assertions such as "no packet
# of the agent reached wan". A capture counts the packets it saved: the
# kernel's "received by filter" also counts what a busy interface carried
# before the filter was attached, so "nothing leaked" could fail falsely.

# lab_capture_start NAME IFACE NS FILTER...: captures packets matching the
# pcap-filter(7) expression FILTER on IFACE in namespace NS into
# $LAB_DIR/NAME.pcap. Returns once the capture is running.
lab_capture_start() {
	local name=$1 iface=$2 ns=$3
	shift 3
	# -Z root: tcpdump would otherwise drop to a user that cannot write
	# the lab's scratch directory.
	lab_bg "$ns" "capture-$name" tcpdump -n -i "$iface" -U --immediate-mode \
		-Z root -w "$LAB_DIR/$name.pcap" "$@"
	lab_wait 5 "capture $name on $iface in $LAB_P-$ns" \
		grep -q '^tcpdump: listening on' "$LAB_DIR/capture-$name.log"
}

# lab_capture_count NAME: stops the capture (if running) and prints how
# many packets it saved. tcpdump writes each packet as it reads it (-U,
# --immediate-mode); so that one still in its socket's buffer is not lost
# at the stop, the capture is stopped once its file has not grown for
# 0.2 s (at most 3 s). A capture the kernel dropped packets of (its
# buffer overflowed) cannot say "none", so it ends the test.
lab_capture_count() {
	local name=$1 log pcap dropped last=-1 size quiet=0 i
	log=$LAB_DIR/capture-$name.log
	pcap=$LAB_DIR/$name.pcap
	[ -e "$log" ] || lab_fatal "lab_capture_count: no capture named '$name'"
	if [ -n "${LAB_BG_PID[capture-$name]:-}" ]; then
		for ((i = 0; i < 30 && quiet < 2; i++)); do
			size=$(stat -c %s "$pcap" 2>/dev/null || echo 0)
			[ "$size" = "$last" ] && quiet=$((quiet + 1)) || quiet=0
			last=$size
			sleep 0.1 # the poll interval, not synchronisation
		done
		lab_stop "capture-$name" TERM
	fi
	dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$log")
	[ -n "$dropped" ] || lab_fatal "capture $name ended without its packet counts: $(tail -n 3 "$log")"
	[ "$dropped" = 0 ] || lab_fatal "capture $name: the kernel dropped $dropped packets before tcpdump read them, so its count is not complete"
	tcpdump -n -r "$pcap" 2>/dev/null | wc -l
}

# lab_capture_show NAME: the captured packets, one line each (for the
# detail of a failed expectation).
lab_capture_show() {
	tcpdump -n -r "$LAB_DIR/$1.pcap" 2>/dev/null
}
