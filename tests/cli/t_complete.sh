#!/bin/bash
# Shell completion: the bash, zsh and fish scripts are valid for their
# shells, and `outcall __complete`, which all three call, completes
# commands and options from the command table and rule ids, requests,
# containers, agents and networks from the daemon; with no daemon it
# answers nothing, at once and silently; meson install puts the scripts
# where the shells look.
set -u
outcall=$1
build=$2
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

check "completion bash" 0 "$outcall" completion bash
contains "bash: the script" "$tmp/out" "complete -F _outcall outcall"
bash -n "$tmp/out" || { echo "FAIL: the bash script is not valid bash"; fails=$((fails + 1)); }
check "completion zsh" 0 "$outcall" completion zsh
contains "zsh: the script" "$tmp/out" "#compdef outcall"
contains "zsh: asks outcall" "$tmp/out" "__complete"
if command -v zsh >/dev/null; then
	zsh -n "$tmp/out" || { echo "FAIL: the zsh script is not valid zsh"; fails=$((fails + 1)); }
else
	echo "FAIL: zsh is not installed (scripts/deps.sh test)"; fails=$((fails + 1))
fi
check "completion fish" 0 "$outcall" completion fish
contains "fish: the script" "$tmp/out" "complete -c outcall"
if command -v fish >/dev/null; then
	fish -n "$tmp/out" || { echo "FAIL: the fish script is not valid fish"; fails=$((fails + 1)); }
else
	echo "FAIL: fish is not installed (scripts/deps.sh test)"; fails=$((fails + 1))
fi

# The scripts at work in their shells, `outcall` found on PATH as usual.
mkdir "$tmp/bin"
ln -s "$(realpath "$outcall")" "$tmp/bin/outcall"
got=$(PATH="$tmp/bin:$PATH" bash -c 'source <(outcall completion bash)
	COMP_WORDS=(outcall rules sh); COMP_CWORD=2; _outcall; echo "${COMPREPLY[*]}"')
[ "$got" = show ] || { echo "FAIL: bash completes 'rules sh' to '$got'"; fails=$((fails + 1)); }
if command -v fish >/dev/null; then
	got=$(PATH="$tmp/bin:$PATH" HOME=$tmp fish -c 'outcall completion fish | source
		complete -C"outcall log --layer d"')
	[ "$got" = dns ] || { echo "FAIL: fish completes 'log --layer d' to '$got'"; fails=$((fails + 1)); }
fi
if command -v zsh >/dev/null; then
	got=$(PATH="$tmp/bin:$PATH" HOME=$tmp zsh -fc 'autoload -U compinit; compinit -u -d "$HOME/zc"
		source <(outcall completion zsh); print -r -- $_comps[outcall]')
	[ "$got" = _outcall ] || { echo "FAIL: zsh did not register _outcall: '$got'"; fails=$((fails + 1)); }
fi

lines() { # description, expected lines (sorted, space-separated)
	local got
	got=$(sort "$tmp/out" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$2" ] || { echo "FAIL: $1: got '$got', wanted '$2'"; fails=$((fails + 1)); }
}
# From the command table.
check "commands" 0 "$outcall" __complete ""
contains "commands: rules" "$tmp/out" "rules"
contains "commands: requests" "$tmp/out" "requests"
check "a prefix" 0 "$outcall" __complete re
lines "a prefix" "requests"
check "subcommands" 0 "$outcall" __complete rules ""
lines "subcommands" "list reload show test validate"
check "options" 0 "$outcall" __complete log --l
lines "options" "--layer --limit"
check "global options too" 0 "$outcall" __complete status --s
lines "global options" "--socket"
check "fixed values" 0 "$outcall" __complete log --layer ""
lines "fixed values" "agent dns http tls"
check "after an option's value" 0 "$outcall" __complete log --layer dns --b
lines "after an option's value" "--blocked"
check "shells" 0 "$outcall" __complete completion ""
lines "shells" "bash fish zsh"

# From a daemon (a stand-in answering the host API).
cat >"$tmp/spec.json" <<'JSON'
{"GET /v1/rules": {"json": {"generation": 3, "rules": [{"id": "allow-pypi"}, {"id": "allow-github"},
   {"id": "evil\u001b]0;x"}]}},
 "GET /v1/requests": {"json": {"requests": [{"id": "r-abc", "status": "pending"}]}},
 "GET /v1/containers": {"json": {"containers": [{"name": "coder-1", "agent": "coder"},
   {"name": "coder-2", "agent": "coder"}, {"name": "tester-1", "agent": "tester"}]}},
 "GET /v1/networks": {"json": {"networks": [{"name": "default"}, {"name": "ci"}]}}}
JSON
python3 "$(dirname "$0")/fakehost.py" "$tmp/fake.sock" "$tmp/spec.json" "$tmp/fake.ready" &
fake=$!
for _ in $(seq 100); do [ -e "$tmp/fake.ready" ] && break; sleep 0.1; done
export OUTCALL_SOCKET=$tmp/fake.sock
check "rule ids" 0 "$outcall" __complete rules show allow-
lines "rule ids (escapes never reach the shell)" "allow-github allow-pypi"
check "request ids" 0 "$outcall" __complete requests approve ""
lines "request ids" "r-abc"
check "containers" 0 "$outcall" __complete detach ""
lines "containers" "coder-1 coder-2 tester-1"
check "agents, once each" 0 "$outcall" __complete lockdown on --agent ""
lines "agents" "coder tester"
check "networks" 0 "$outcall" __complete network rm ""
lines "networks" "ci default"
check "networks of an option" 0 "$outcall" __complete attach --network d
lines "networks of an option" "default"
unset OUTCALL_SOCKET
check "--socket on the line" 0 "$outcall" __complete --socket "$tmp/fake.sock" network rm c
lines "--socket on the line" "ci"
kill "$fake" 2>/dev/null
wait "$fake" 2>/dev/null

# No daemon: nothing, no message, exit 0.
check "no daemon" 0 "$outcall" __complete --socket "$tmp/none.sock" rules show ""
[ -s "$tmp/out" ] && { echo "FAIL: candidates without a daemon"; fails=$((fails + 1)); }
[ -s "$tmp/err" ] && { echo "FAIL: a message while completing:"; cat "$tmp/err"; fails=$((fails + 1)); }
# A daemon that accepts and never answers costs the completion's bound, not forever.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
open(sys.argv[2], "w").close()
time.sleep(60)' "$tmp/mute.sock" "$tmp/mute.ready" &
mute=$!
for _ in $(seq 100); do [ -e "$tmp/mute.ready" ] && break; sleep 0.1; done
check "a mute daemon" 0 timeout 30 "$outcall" __complete --socket "$tmp/mute.sock" rules show ""
kill "$mute" 2>/dev/null
wait "$mute" 2>/dev/null

# meson install puts the three scripts, from the CLI itself, where their
# shells look for them.
python3 - "$build/meson-info/intro-installed.json" <<'PY' || fails=$((fails + 1))
import json, re, sys
installed = json.load(open(sys.argv[1]))
want = {"outcall": r"/share/bash-completion/completions/outcall$",
        "_outcall": r"/share/zsh/(site-functions|vendor-completions)/_outcall$",
        "outcall.fish": r"/share/fish/vendor_completions\.d/outcall\.fish$"}
for name, where in want.items():
    got = [v for k, v in installed.items() if k.endswith("/dist/" + name)]
    if len(got) != 1 or not re.search(where, got[0]):
        sys.exit("FAIL: %s is installed to %s, not %s" % (name, got, where))
PY

echo "t_complete: $fails failed"
[ "$fails" = 0 ]
