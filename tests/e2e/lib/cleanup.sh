# shellcheck shell=bash
# Finding and removing labs: a run's own teardown, its watchdog (which
# finishes the job if the test process is killed outright, as meson does
# with SIGKILL half a second after its timeout's SIGTERM), lab-clean and
# the start of every run share this code.
#
# A lab is known by its scratch directory $LAB_ROOT/oclab.<prefix>, made
# before anything else of it and removed last. It holds "owner": the pid
# and start time of the test process that made it.

# Start time of a process, so a recycled pid is not mistaken for the owner.
lab__starttime() {
	local st
	st=$(<"/proc/$1/stat") 2>/dev/null || return 1
	st=${st##*) }
	set -- $st
	echo "${20}"
}

# Namespaces of the lab with prefix $1.
lab__namespaces() {
	ip netns list 2>/dev/null | awk -v p="$1-" 'index($1, p) == 1 { print $1 }'
}

lab__ns_pids() {
	local ns
	for ns in "$@"; do ip netns pids "$ns" 2>/dev/null; done
}

# Removes everything of the lab with prefix $1: what its on-remove/ hooks
# remove, its processes (TERM, then KILL), namespaces, /etc/netns entries
# and scratch directory. Shared by lab_teardown and lab-clean.
lab__remove() {
	local p=$1 nss pids hook
	[[ $p =~ $LAB_PREFIX_RE ]] || return 1
	# What a test started outside the lab's namespaces (a dockerd's
	# containers) is removed by the executables it left in on-remove/.
	for hook in "$LAB_ROOT/oclab.$p"/on-remove/*; do
		[ -x "$hook" ] && "$hook" "$LAB_ROOT/oclab.$p"
	done
	mapfile -t nss < <(lab__namespaces "$p")
	if [ "${#nss[@]}" -gt 0 ]; then
		pids=$(lab__ns_pids "${nss[@]}")
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill -TERM $pids 2>/dev/null
			if ! lab_poll 1.5 lab__no_pids "${nss[@]}"; then
				pids=$(lab__ns_pids "${nss[@]}")
				echo "lab: killing processes that ignored SIGTERM in $p:" $pids >&2
				# shellcheck disable=SC2086
				kill -KILL $pids 2>/dev/null
				lab_poll 1 lab__no_pids "${nss[@]}" ||
					echo "lab: processes still in $p namespaces:" "$(lab__ns_pids "${nss[@]}")" >&2
			fi
		fi
		for ns in "${nss[@]}"; do
			ip netns delete "$ns" || echo "lab: could not delete namespace $ns" >&2
		done
	fi
	rm -rf "$LAB_NETNS_ETC/$p"-*
	rm -rf "${LAB_ROOT:?}/oclab.$p"
}
lab__no_pids() { [ -z "$(lab__ns_pids "$@")" ]; }


# True while the test that made lab $1 runs: the pid in its owner file is
# alive and started when the owner did (pids get reused). A directory
# without an owner file is a lab being claimed right now, unless it is
# older than a claim takes.
lab__owner_alive() {
	local pid start dir=$LAB_ROOT/oclab.$1
	if ! read -r pid start 2>/dev/null <"$dir/owner"; then
		[ -d "$dir" ] && [ $(($(date +%s) - $(stat -c %Y "$dir" 2>/dev/null || echo 0))) -lt 10 ]
		return
	fi
	lab__alive "$pid" && [ "$(lab__starttime "$pid")" = "$start" ]
}

# True while the watchdog of lab $1 runs (it is then removing the lab).
lab__watchdog_alive() {
	local pid
	read -r pid 2>/dev/null <"$LAB_ROOT/oclab.$1/watchdog.pid" || return 1
	lab__alive "$pid" && grep -qa '^lab-watch' "/proc/$pid/cmdline" 2>/dev/null
}

# Prefixes of all labs on this machine, live or not. A namespace named
# like a lab but without a scratch directory belongs to someone else.
lab__all_prefixes() {
	local d
	for d in "$LAB_ROOT"/oclab.oc*; do
		[ -d "$d" ] && echo "${d##*/oclab.}"
	done | grep -E "$LAB_PREFIX_RE"
}

# lab__clean_stale [-n]: removes every lab whose owner is gone; -n only
# says what it would remove. LAB_CLEAN_VERBOSE=1 also lists live labs.
lab__clean_stale() {
	local p n=0
	for p in $(lab__all_prefixes); do
		if lab__owner_alive "$p"; then
			[ -z "${LAB_CLEAN_VERBOSE:-}" ] || echo "lab: $p belongs to a running test; kept"
			continue
		fi
		lab__watchdog_alive "$p" && continue
		echo "lab: removing the stale lab $p:" "$(lab__namespaces "$p" | paste -sd' ')"
		[ "${1:-}" = -n ] && continue
		lab__remove "$p"
		n=$((n + 1))
	done
	# shellcheck disable=SC2034 # read by lab-clean
	LAB_CLEANED=$n
}

# lab__watch PREFIX: run detached (setsid) by lab_init; waits for the
# owner of lab PREFIX to end and removes the lab if the owner could not.
# It lives exactly as long as the test, which is itself bounded.
lab__watch() {
	local p=$1 dir=$LAB_ROOT/oclab.$1
	echo "$BASHPID" >"$dir/watchdog.pid"
	while [ -d "$dir" ] && lab__owner_alive "$p"; do
		sleep 0.2 # poll interval; the owner's exit is the deadline
	done
	[ -d "$dir" ] && lab__remove "$p"
}
