/* The packet fields the policy reads, and how their values are encoded. */
#include "kernel/nft_ir.h"

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <string.h>

#include "core/error.h"

/* nft's datatype ids (src/datatype.h in nftables): they tell `nft list`
 * how to print a set's keys. */
enum {
	DT_NFPROTO = 2, DT_IPADDR = 7, DT_ETHERADDR = 9, DT_ETHERTYPE = 10,
	DT_INET_PROTOCOL = 12, DT_INET_SERVICE = 13, DT_CT_STATE = 26, DT_PKTTYPE = 31, DT_IFNAME = 41,
};

static const struct oc_nft_field_info fields[OC_F_COUNT] = {
	[OC_F_IIFNAME] = { "iifname", OC_LOAD_META, NFT_META_IIFNAME, 0, IFNAMSIZ,
		OC_DEP_NONE, OC_VT_IFNAME, DT_IFNAME, false },
	[OC_F_OIFNAME] = { "oifname", OC_LOAD_META, NFT_META_OIFNAME, 0, IFNAMSIZ,
		OC_DEP_NONE, OC_VT_IFNAME, DT_IFNAME, false },
	[OC_F_NFPROTO] = { "meta nfproto", OC_LOAD_META, NFT_META_NFPROTO, 0, 1,
		OC_DEP_NONE, OC_VT_NFPROTO, DT_NFPROTO, true },
	[OC_F_L4PROTO] = { "meta l4proto", OC_LOAD_META, NFT_META_L4PROTO, 0, 1,
		OC_DEP_NONE, OC_VT_L4PROTO, DT_INET_PROTOCOL, true },
	[OC_F_CT_STATE] = { "ct state", OC_LOAD_CT, NFT_CT_STATE, 0, 4,
		OC_DEP_NONE, OC_VT_CTSTATE, DT_CT_STATE, true },
	[OC_F_IP_SADDR] = { "ip saddr", OC_LOAD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 12, 4,
		OC_DEP_IPV4, OC_VT_IPV4, DT_IPADDR, false },
	[OC_F_IP_DADDR] = { "ip daddr", OC_LOAD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 16, 4,
		OC_DEP_IPV4, OC_VT_IPV4, DT_IPADDR, false },
	[OC_F_TH_DPORT] = { "th dport", OC_LOAD_PAYLOAD, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
		OC_DEP_NONE, OC_VT_PORT, DT_INET_SERVICE, false },
	[OC_F_TCP_DPORT] = { "tcp dport", OC_LOAD_PAYLOAD, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
		OC_DEP_TCP, OC_VT_PORT, DT_INET_SERVICE, false },
	[OC_F_UDP_DPORT] = { "udp dport", OC_LOAD_PAYLOAD, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
		OC_DEP_UDP, OC_VT_PORT, DT_INET_SERVICE, false },
	[OC_F_ETHER_TYPE] = { "ether type", OC_LOAD_PAYLOAD, NFT_PAYLOAD_LL_HEADER, 12, 2,
		OC_DEP_NONE, OC_VT_ETHERTYPE, DT_ETHERTYPE, false },
	[OC_F_ETHER_SADDR] = { "ether saddr", OC_LOAD_PAYLOAD, NFT_PAYLOAD_LL_HEADER, 6, 6,
		OC_DEP_ETHER, OC_VT_MAC, DT_ETHERADDR, false },
	[OC_F_ARP_SADDR_IP] = { "arp saddr ip", OC_LOAD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 14, 4,
		OC_DEP_ARP, OC_VT_IPV4, DT_IPADDR, false },
	[OC_F_ARP_SADDR_ETHER] = { "arp saddr ether", OC_LOAD_PAYLOAD, NFT_PAYLOAD_NETWORK_HEADER, 8, 6,
		OC_DEP_ARP, OC_VT_MAC, DT_ETHERADDR, false },
	[OC_F_PKTTYPE] = { "meta pkttype", OC_LOAD_META, NFT_META_PKTTYPE, 0, 1,
		OC_DEP_NONE, OC_VT_PKTTYPE, DT_PKTTYPE, true },
};

const struct oc_nft_field_info *oc_nft_field(enum oc_nft_field f)
{
	return &fields[f];
}

uint32_t oc_nft_field_width(enum oc_nft_field f)
{
	return (fields[f].len + 3) & ~3u;
}

void oc_nft_val_bytes(enum oc_nft_field f, const struct oc_nft_val *v, uint8_t *out)
{
	const struct oc_nft_field_info *fi = &fields[f];
	uint32_t n32;
	uint16_t n16;
	switch (fi->vtype) {
	case OC_VT_IFNAME:
		memset(out, 0, IFNAMSIZ);
		memcpy(out, v->name, strnlen(v->name, IFNAMSIZ));
		return;
	case OC_VT_MAC:
		memcpy(out, v->mac, 6);
		return;
	case OC_VT_IPV4:
		n32 = htonl(v->num);
		memcpy(out, &n32, 4);
		return;
	case OC_VT_PORT:
	case OC_VT_ETHERTYPE:
		n16 = htons((uint16_t)v->num);
		memcpy(out, &n16, 2);
		return;
	case OC_VT_NFPROTO:
	case OC_VT_L4PROTO:
	case OC_VT_PKTTYPE:
		out[0] = (uint8_t)v->num;
		return;
	case OC_VT_CTSTATE:
		memcpy(out, &v->num, 4);
		return;
	}
}

/* A concatenation pads each component to whole registers; a single-field
 * key is as long as the field (nft lists it as a concatenation otherwise). */
uint32_t oc_nft_key_width(const enum oc_nft_field *f, size_t n, size_t i)
{
	return n == 1 ? fields[f[0]].len : oc_nft_field_width(f[i]);
}

size_t oc_nft_key_bytes(const enum oc_nft_field *f, size_t n,
	const struct oc_nft_val *vals, uint8_t *out)
{
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t w = oc_nft_key_width(f, n, i);
		memset(out + off, 0, w);
		oc_nft_val_bytes(f[i], &vals[i], out + off);
		off += w;
	}
	return off;
}

int oc_nft_key_parse(const enum oc_nft_field *f, size_t n,
	const uint8_t *data, size_t len, struct oc_nft_val *vals)
{
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		const struct oc_nft_field_info *fi = &fields[f[i]];
		uint32_t w = oc_nft_key_width(f, n, i);
		if (off + w > len)
			return oc_error_set(OC_ECORRUPT,
				"nftables set element of %zu bytes is too short for its key type", len);
		memset(&vals[i], 0, sizeof(vals[i]));
		const uint8_t *p = data + off;
		uint32_t n32;
		uint16_t n16;
		switch (fi->vtype) {
		case OC_VT_IFNAME:
			memcpy(vals[i].name, p, IFNAMSIZ);
			vals[i].name[IFNAMSIZ - 1] = '\0';
			break;
		case OC_VT_MAC:
			memcpy(vals[i].mac, p, 6);
			break;
		case OC_VT_IPV4:
			memcpy(&n32, p, 4);
			vals[i].num = ntohl(n32);
			break;
		case OC_VT_PORT:
		case OC_VT_ETHERTYPE:
			memcpy(&n16, p, 2);
			vals[i].num = ntohs(n16);
			break;
		case OC_VT_NFPROTO:
		case OC_VT_L4PROTO:
		case OC_VT_PKTTYPE:
			vals[i].num = p[0];
			break;
		case OC_VT_CTSTATE:
			memcpy(&vals[i].num, p, 4);
			break;
		}
		off += w;
	}
	if (off != len)
		return oc_error_set(OC_ECORRUPT,
			"nftables set element has %zu key bytes, its set type wants %zu", len, off);
	return 0;
}
