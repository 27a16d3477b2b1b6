# shellcheck shell=bash
# Packet captures inside lab namespaces, for assertions such as "no packet
# of the agent reached wan". A capture counts what the kernel matched, so
# a packet that tcpdump had not yet read when stopped still counts.

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
# many packets matched.
lab_capture_count() {
	local name=$1 log kernel saved
	log=$LAB_DIR/capture-$name.log
	[ -e "$log" ] || lab_fatal "lab_capture_count: no capture named '$name'"
	[ -z "${LAB_BG_PID[capture-$name]:-}" ] || lab_stop "capture-$name" TERM
	kernel=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter$/\1/p' "$log")
	saved=$(tcpdump -n -r "$LAB_DIR/$name.pcap" 2>/dev/null | wc -l)
	[ -n "$kernel" ] || lab_fatal "capture $name ended without its packet counts: $(tail -n 3 "$log")"
	[ "$kernel" -gt "$saved" ] && echo "$kernel" || echo "$saved"
}

# lab_capture_show NAME: the captured packets, one line each (for the
# detail of a failed expectation).
lab_capture_show() {
	tcpdump -n -r "$LAB_DIR/$1.pcap" 2>/dev/null
}
