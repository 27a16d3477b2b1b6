/* The rule set the proxy integration tests run under. */
#ifndef OC_TEST_PROXY_RULES_H
#define OC_TEST_PROXY_RULES_H

#define LAB_RULES \
	"version: \"1\"\n" \
	"rules:\n" \
	"  - id: block-admin\n" \
	"    condition: 'http.host == \"web.test\" && http.path.startsWith(\"/admin\")'\n" \
	"    action: block\n" \
	"    priority: 10\n" \
	"  - id: no-delete\n" \
	"    condition: 'http.method == \"DELETE\"'\n" \
	"    action: block\n" \
	"    priority: 10\n" \
	"  - id: keyed\n" \
	"    condition: 'http.path == \"/keyed\" && http.headers[\"x-api-key\"] != \"secret\"'\n" \
	"    action: block\n" \
	"    priority: 10\n" \
	"  - id: web-81\n" \
	"    condition: 'network.hostname == \"web.test\" && network.port == 81'\n" \
	"    action: allow\n" \
	"  - id: allow-web\n" \
	"    condition: 'network.hostname == \"web.test\"'\n" \
	"    action: allow\n" \
	"  - id: api-8443\n" \
	"    condition: 'network.hostname == \"api.test\" && network.port == 8443'\n" \
	"    action: allow\n" \
	"  - id: allow-api\n" \
	"    condition: 'network.hostname == \"api.test\"'\n" \
	"    action: allow\n" \
	"  - id: private-ok\n" \
	"    condition: 'network.hostname == \"private.test\" && http.path == \"/ok\"'\n" \
	"    action: allow\n" \
	"    egress: { allow_private_ips: true }\n" \
	"  - id: private-plain\n" \
	"    condition: 'network.hostname in [\"private.test\", \"10.9.9.9\"]'\n" \
	"    action: allow\n" \
	"  - id: metadata\n" \
	"    condition: 'network.hostname in [\"meta.test\", \"169.254.169.254\"]'\n" \
	"    action: allow\n" \
	"    egress: { allow_private_ips: true }\n" \
	"  - id: self\n" \
	"    condition: 'network.hostname in [\"self.test\", \"10.200.0.1\"] && network.port in [80, 8080]'\n" \
	"    action: allow\n" \
	"    egress: { allow_private_ips: true }\n" \
	"  - id: web-ip\n" \
	"    condition: 'network.hostname == \"198.18.1.80\"'\n" \
	"    action: allow\n" \
	"  - id: missing\n" \
	"    condition: 'network.hostname in [\"nx.test\", \"198.18.9.9\"]'\n" \
	"    action: allow\n"

#endif
