/*
 * The intermediate form of Outcall's nftables ruleset.
 *
 * One generator (nft_gen.c) walks the policy description and emits tables,
 * named counters, sets, elements, chains and rules in this form; two
 * back-ends consume it: nft_text.c renders nft syntax (what `nft list`
 * prints) and nft_batch.c builds the libnftnl netlink batch that is
 * committed. Nothing else produces rules, so the text an operator reads and
 * the bytecode in the kernel cannot drift apart.
 *
 * The IR only has what the policy needs: comparisons, prefixes, bit tests,
 * set lookups (named or anonymous) over a fixed list of packet fields, an
 * optional named counter and one verdict or NAT statement.
 */
#ifndef OC_KERNEL_NFT_IR_H
#define OC_KERNEL_NFT_IR_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NFPROTO_INET and NFPROTO_BRIDGE */
enum oc_nft_family { OC_NFT_INET = 1, OC_NFT_BRIDGE = 7 };

enum oc_nft_field {
	OC_F_IIFNAME,
	OC_F_OIFNAME,
	OC_F_NFPROTO,
	OC_F_L4PROTO,
	OC_F_CT_STATE,
	OC_F_IP_SADDR,
	OC_F_IP_DADDR,
	OC_F_TH_DPORT,
	OC_F_TCP_DPORT,
	OC_F_UDP_DPORT,
	OC_F_ETHER_TYPE,
	OC_F_ETHER_SADDR,
	OC_F_ARP_SADDR_IP,
	OC_F_ARP_SADDR_ETHER,
	OC_F_PKTTYPE,
	OC_F_COUNT
};

/* How a field is loaded into a register. */
enum oc_nft_load { OC_LOAD_META, OC_LOAD_CT, OC_LOAD_PAYLOAD };

/* What must be established before a field can be read (nft inserts the
 * same dependency when it parses the text, and hides it when it lists). */
enum oc_nft_dep { OC_DEP_NONE, OC_DEP_ETHER, OC_DEP_IPV4, OC_DEP_ARP, OC_DEP_TCP, OC_DEP_UDP };

/* How values of a field are written in nft syntax. */
enum oc_nft_vtype {
	OC_VT_IFNAME, OC_VT_NFPROTO, OC_VT_L4PROTO, OC_VT_CTSTATE, OC_VT_IPV4,
	OC_VT_PORT, OC_VT_ETHERTYPE, OC_VT_MAC, OC_VT_PKTTYPE
};

struct oc_nft_field_info {
	const char *text;        /* "ip saddr" */
	enum oc_nft_load load;
	uint32_t key;            /* meta/ct key, or payload base */
	uint32_t offset;         /* payload offset in bytes */
	uint32_t len;            /* bytes loaded */
	enum oc_nft_dep dep;
	enum oc_nft_vtype vtype;
	uint32_t datatype;       /* nft's datatype id, for set key types */
	bool host_order;         /* value kept in host byte order (meta, ct) */
};

const struct oc_nft_field_info *oc_nft_field(enum oc_nft_field f);

/* One key component or comparison value. Which member is used follows
 * the field's vtype: name for ifnames, mac for MAC addresses, num for the
 * rest (IPv4 addresses and ports in host order; converted on output). */
struct oc_nft_val {
	char name[IFNAMSIZ];
	uint8_t mac[6];
	uint32_t num;
};

#define OC_NFT_MAX_CONCAT 4
#define OC_NFT_MAX_ANON 16
#define OC_NFT_MAX_MATCH 8

enum oc_nft_match_kind {
	OC_M_CMP,      /* field == value (or !=) */
	OC_M_PREFIX,   /* ip address field within value/plen */
	OC_M_BITS,     /* (field & value) != 0: "ct state established,related" */
	OC_M_LOOKUP,   /* field . field ... in @set (or not) */
	OC_M_ANON,     /* field in { values } (or not) */
};

struct oc_nft_match {
	enum oc_nft_match_kind kind;
	bool neg;
	enum oc_nft_field fields[OC_NFT_MAX_CONCAT];
	size_t nfields;
	struct oc_nft_val value;                  /* CMP, PREFIX, BITS */
	uint8_t plen;                             /* PREFIX */
	const char *set;                          /* LOOKUP */
	struct oc_nft_val anon[OC_NFT_MAX_ANON];  /* ANON */
	size_t nanon;
};

enum oc_nft_verdict {
	OC_V_ACCEPT, OC_V_DROP, OC_V_JUMP, OC_V_REDIRECT, OC_V_MASQUERADE
};

struct oc_nft_rule {
	enum oc_nft_family family;
	const char *chain;
	struct oc_nft_match match[OC_NFT_MAX_MATCH];
	size_t nmatch;
	const char *counter;     /* named counter, or NULL */
	enum oc_nft_verdict verdict;
	const char *target;      /* JUMP: chain name */
	uint16_t port;           /* REDIRECT: local port */
	const char *comment;
};

struct oc_nft_table {
	enum oc_nft_family family;
	const char *name;
	const char *comment;
};

struct oc_nft_counter {
	enum oc_nft_family family;
	const char *name;
	const char *comment;
	uint64_t packets, bytes;  /* initial values (carried over on replace) */
};

#define OC_NFT_SET_TIMEOUT 0x10  /* NFT_SET_TIMEOUT */

struct oc_nft_set {
	enum oc_nft_family family;
	const char *name;
	enum oc_nft_field key[OC_NFT_MAX_CONCAT];  /* fields whose types make the key */
	size_t nkey;
	uint32_t flags;
	const char *comment;
};

struct oc_nft_elem {
	struct oc_nft_val key[OC_NFT_MAX_CONCAT];
	uint64_t timeout_ms;   /* 0: none */
	uint64_t expires_ms;   /* remaining time when re-added; 0: full timeout */
	const char *comment;   /* or NULL */
};

enum oc_nft_hook { OC_HOOK_PREROUTING, OC_HOOK_INPUT, OC_HOOK_FORWARD, OC_HOOK_OUTPUT,
	OC_HOOK_POSTROUTING };

struct oc_nft_chain {
	enum oc_nft_family family;
	const char *name;
	bool base;               /* false: a regular chain reached by jump */
	const char *type;        /* "filter" or "nat" */
	enum oc_nft_hook hook;
	int prio;
	bool policy_drop;
	const char *comment;
};

/*
 * A back-end. The generator calls, per table: table, counter*, (set,
 * elem*)*, chain*, rule* (grouped by chain, chains in declaration order),
 * end. Each callback returns 0 or a negative oc_err with the error set.
 */
struct oc_nft_sink {
	void *ctx;
	int (*table)(void *ctx, const struct oc_nft_table *t);
	int (*counter)(void *ctx, const struct oc_nft_counter *c);
	int (*set)(void *ctx, const struct oc_nft_set *s);
	int (*elem)(void *ctx, const struct oc_nft_set *s, const struct oc_nft_elem *e);
	int (*chain)(void *ctx, const struct oc_nft_chain *c);
	int (*rule)(void *ctx, const struct oc_nft_rule *r);
	int (*end)(void *ctx, const struct oc_nft_table *t);
};

/* Byte width of a key component in a set key or register: each field takes
 * whole 32-bit registers. */
uint32_t oc_nft_field_width(enum oc_nft_field f);

/* Bytes component i of a set key of fields f[0..n) takes. */
uint32_t oc_nft_key_width(const enum oc_nft_field *f, size_t n, size_t i);
/* Writes the key bytes of `vals` for `fields` (as the kernel compares them)
 * into out (at least OC_NFT_MAX_CONCAT * IFNAMSIZ bytes); returns the length. */
size_t oc_nft_key_bytes(const enum oc_nft_field *fields, size_t n,
	const struct oc_nft_val *vals, uint8_t *out);
/* The field's own bytes (len, not the padded width), as cmp data. */
void oc_nft_val_bytes(enum oc_nft_field f, const struct oc_nft_val *v, uint8_t *out);
/* The inverse, for elements read back from the kernel. Returns 0, or
 * OC_ECORRUPT if len does not match the fields. */
int oc_nft_key_parse(const enum oc_nft_field *fields, size_t n,
	const uint8_t *data, size_t len, struct oc_nft_val *vals);

#endif
