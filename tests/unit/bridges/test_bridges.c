/* Networks and attachment against the kernel, in private namespaces: the
 * test's own namespace plays the host, nstest peers play containers. */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <outcall/error.h>
#include <outcall/network.h>

#include "../kernel/nstest.h"

static oc_networks *open_nets(void)
{
	oc_networks *n;
	cr_assert_eq(oc_networks_open(NULL, &n), 0, "%s", oc_error_last()->message);
	return n;
}

static oc_container *attach(oc_networks *n, const char *name, const struct nstest_peer *p,
	bool by_path)
{
	oc_attach_options o = { .name = name };
	if (by_path)
		o.netns_path = p->path;
	else
		o.pid = p->pid;
	oc_container *c;
	cr_assert_eq(oc_network_attach(n, &o, &c), 0, "%s", oc_error_last()->message);
	return c;
}

/* The host with network "default" and two container namespaces. */
struct world {
	oc_networks *n;
	struct nstest_peer p1, p2;
};

static void world_up(struct world *w)
{
	w->n = open_nets();
	cr_assert_eq(oc_network_create(w->n, "default", NULL), 0, "%s", oc_error_last()->message);
	nstest_peer_new(&w->p1);
	nstest_peer_new(&w->p2);
}

static void world_down(struct world *w)
{
	oc_networks_free(w->n);
	nstest_peer_free(&w->p1);
	nstest_peer_free(&w->p2);
}

static void sh_ok(const char *what, char *out, size_t size, const char *cmd)
{
	int rc = nstest_sh(out, size, "%s", cmd);
	cr_assert_eq(rc, 0, "%s: %s -> %d: %s", what, cmd, rc, out);
}

Test(network, create_is_idempotent_and_carves_24s, .init = nstest_enter)
{
	oc_networks *n = open_nets();
	oc_network_info a, b, c;
	cr_assert_eq(oc_network_create(n, "default", &a), 0, "%s", oc_error_last()->message);
	cr_assert_str_eq(a.bridge, "outcall0");
	cr_assert_eq(ntohl(a.gateway.s_addr), 0x0ac80001u);
	cr_assert_eq(a.index, 0);
	cr_assert_eq(oc_network_create(n, "default", &b), 0, "%s", oc_error_last()->message);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	cr_assert_eq(oc_network_create(n, "ci", &c), 0, "%s", oc_error_last()->message);
	cr_assert_str_eq(c.bridge, "outcall1");
	cr_assert_eq(ntohl(c.subnet.s_addr), 0x0ac80100u);
	char out[4096];
	sh_ok("bridge", out, sizeof(out), "ip -o -4 addr show dev outcall0");
	cr_assert(strstr(out, "10.200.0.1/24"), "%s", out);
	sh_ok("bridge up", out, sizeof(out), "ip -o link show outcall1");
	cr_assert(strstr(out, "UP"), "%s", out);
	sh_ok("tables", out, sizeof(out), "nft list set inet outcall gateways");
	cr_assert(strstr(out, "\"outcall1\" . 10.200.1.1 comment \"ci\""), "%s", out);
	sh_ok("no ipv6", out, sizeof(out), "cat /proc/sys/net/ipv6/conf/outcall0/disable_ipv6");
	cr_assert_str_eq(out, "1\n");
	oc_networks_free(n);
	/* a new process finds the networks again */
	n = open_nets();
	cr_assert_eq(oc_network_get(n, "ci", &b), 0);
	cr_assert_eq(memcmp(&b, &c, sizeof(b)), 0);
	cr_assert_eq(oc_network_get(n, "nope", &b), OC_ENOTFOUND);
	oc_networks_free(n);
}

Test(network, adopts_a_bridge_and_refuses_other_links, .init = nstest_enter)
{
	char out[512];
	sh_ok("make bridge", out, sizeof(out), "ip link add outcall0 type bridge");
	sh_ok("make veth", out, sizeof(out), "ip link add outcall1 type veth peer name x1");
	oc_networks *n = open_nets();
	oc_network_info a;
	cr_assert_eq(oc_network_create(n, "default", &a), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_network_create(n, "ci", &a), OC_EEXIST);
	const char *msg = oc_error_last()->message;
	cr_assert(strstr(msg, "outcall1") && strstr(msg, "not a bridge") && strstr(msg, "veth"),
		"%s", msg);
	cr_assert_eq(oc_network_create(n, "bad name", &a), OC_EINVAL);
	oc_networks_free(n);
}

/* (/sys is the machine's, not the test namespace's) */
static const char *mac_of(const char *link, char *out, size_t size)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ip -br link show %s | awk '{ printf \"%%s\", $3 }'", link);
	sh_ok("mac", out, size, cmd);
	return out;
}

/* A bridge whose MAC was never set takes the lowest of its ports': one
 * container coming or going would change the gateway's MAC under the
 * others' ARP caches. */
Test(network, the_gateway_keeps_its_mac_when_ports_come_and_go, .init = nstest_enter)
{
	char out[512];
	sh_ok("adopted bridge", out, sizeof(out), "ip link add outcall0 address 02:00:00:00:00:07 type bridge");
	oc_networks *n = open_nets();
	cr_assert_eq(oc_network_create(n, "default", NULL), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_network_create(n, "ci", NULL), 0, "%s", oc_error_last()->message);
	cr_assert_str_eq(mac_of("outcall0", out, sizeof(out)), "02:00:0a:c8:00:01");
	cr_assert_str_eq(mac_of("outcall1", out, sizeof(out)), "02:00:0a:c8:01:01");
	sh_ok("a port with a lower MAC", out, sizeof(out),
		"ip link add x0 address 02:00:00:00:00:01 type veth peer name x1 && "
		"ip link set x0 master outcall0 up && ip link set x1 up");
	cr_assert_str_eq(mac_of("outcall0", out, sizeof(out)), "02:00:0a:c8:00:01",
		"the port's MAC became the gateway's");
	sh_ok("the port leaves", out, sizeof(out), "ip link del x0");
	cr_assert_str_eq(mac_of("outcall0", out, sizeof(out)), "02:00:0a:c8:00:01");
	oc_network_list *l;
	cr_assert_eq(oc_networks_list(n, &l), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_network_list_count(l), 2);
	cr_assert_str_eq(oc_network_list_get(l, 0)->name, "default", "ordered by index");
	cr_assert_str_eq(oc_network_list_get(l, 1)->bridge, "outcall1");
	cr_assert_null(oc_network_list_get(l, 2));
	oc_network_list_free(l);
	oc_networks_free(n);
}

Test(network, attach_configures_both_sides, .init = nstest_enter)
{
	struct world w;
	world_up(&w);
	oc_networks *n = w.n;
	struct nstest_peer p1 = w.p1, p2 = w.p2;
	oc_container *c1 = attach(n, "coder-1", &p1, false);
	oc_container *c2 = attach(n, "coder-2", &p2, true);
	cr_assert_eq(ntohl(oc_container_ip(c1).s_addr), 0x0ac80002u);
	cr_assert_eq(ntohl(oc_container_ip(c2).s_addr), 0x0ac80003u);
	cr_assert_str_eq(oc_container_agent_name(c1), "coder");
	cr_assert_str_eq(oc_container_veth(c1), "oc0-2");
	cr_assert_gt(oc_container_ifindex(c1), 0);
	cr_assert(strstr(oc_container_netns(c1), "pid "));
	cr_assert(strstr(oc_container_netns(c2), p2.path));
	char out[4096], cmd[512];
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip -o link show eth0", (int)p1.pid);
	sh_ok("container link", out, sizeof(out), cmd);
	cr_assert(strstr(out, "02:00:0a:c8:00:02") && strstr(out, "UP"), "%s", out);
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip -o -4 addr show dev eth0", (int)p1.pid);
	sh_ok("container address", out, sizeof(out), cmd);
	cr_assert(strstr(out, "10.200.0.2/24"), "%s", out);
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ip route show default", (int)p1.pid);
	sh_ok("container route", out, sizeof(out), cmd);
	cr_assert(strstr(out, "default via 10.200.0.1 dev eth0"), "%s", out);
	sh_ok("host port", out, sizeof(out), "ip -o link show oc0-3");
	cr_assert(strstr(out, "master outcall0") && strstr(out, "UP"), "%s", out);
	sh_ok("pinned", out, sizeof(out), "nft list set bridge outcall containers");
	cr_assert(strstr(out, "\"oc0-3\" . 02:00:0a:c8:00:03 . 10.200.0.3 comment \"coder-2\""), "%s", out);
	/* the same name twice is refused, and leaves nothing */
	oc_attach_options again = { .name = "coder-1", .pid = p1.pid };
	cr_assert_eq(oc_network_attach(n, &again, NULL), OC_EEXIST);
	/* a namespace that does not exist: refused, nothing left behind */
	oc_attach_options bad = { .name = "ghost", .netns_path = "/nonexistent/ns" };
	cr_assert_eq(oc_network_attach(n, &bad, NULL), OC_EOS);
	cr_assert(strstr(oc_error_last()->message, "/nonexistent/ns"));
	cr_assert_neq(nstest_sh(out, sizeof(out), "ip link show oc0-4"), 0);
	/* recorded for identity */
	oc_container *f = oc_registry_by_ip(oc_networks_registry(n), oc_container_ip(c2));
	cr_assert_eq(f, c2);
	oc_container_unref(f);
	oc_container_unref(c1);
	oc_container_unref(c2);
	oc_networks_free(n);
	/* and found again by a new process */
	n = w.n = open_nets();
	f = oc_registry_by_name(oc_networks_registry(n), "coder-2");
	cr_assert_not_null(f);
	cr_assert_eq(ntohl(oc_container_ip(f).s_addr), 0x0ac80003u);
	cr_assert_eq(oc_container_mac(f)[5], 3);
	cr_assert_str_eq(oc_container_network(f), "default");
	oc_container_unref(f);
	world_down(&w);
}

Test(network, detach_removes_everything_and_frees_the_address, .init = nstest_enter)
{
	struct world w;
	world_up(&w);
	oc_networks *n = w.n;
	oc_container_unref(attach(n, "a-1", &w.p1, false));
	cr_assert_eq(oc_network_delete(n, "default"), OC_ESTATE);
	cr_assert_eq(oc_network_detach(n, "a-1"), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_network_detach(n, "a-1"), OC_ENOTFOUND);
	char out[4096];
	cr_assert_neq(nstest_sh(out, sizeof(out), "ip link show oc0-2"), 0);
	sh_ok("set", out, sizeof(out), "nft list set bridge outcall ports");
	cr_assert_null(strstr(out, "oc0-2"), "%s", out);
	cr_assert_eq(oc_registry_count(oc_networks_registry(n)), 0);
	oc_container *c = attach(n, "b-1", &w.p2, false);
	cr_assert_eq(ntohl(oc_container_ip(c).s_addr), 0x0ac80002u, "address reused");
	oc_container_unref(c);
	cr_assert_eq(oc_network_detach(n, "b-1"), 0, "%s", oc_error_last()->message);
	cr_assert_eq(oc_network_delete(n, "default"), 0, "%s", oc_error_last()->message);
	cr_assert_neq(nstest_sh(out, sizeof(out), "ip link show outcall0"), 0);
	world_down(&w);
}

/* The policy on real frames: the gateway's services are reachable, ICMP to
 * the gateway and the other container are not. */
Test(network, traffic_meets_the_policy, .init = nstest_enter)
{
	struct world w;
	world_up(&w);
	struct nstest_peer p1 = w.p1;
	oc_container_unref(attach(w.n, "a-1", &w.p1, false));
	oc_container_unref(attach(w.n, "b-1", &w.p2, false));
	char out[4096], cmd[512];
	/* an explicit-proxy stand-in on the gateway answers one connection */
	snprintf(cmd, sizeof(cmd), "(timeout 10 socat -T5 TCP-LISTEN:8080,bind=10.200.0.1,reuseaddr "
		"SYSTEM:'echo proxied' &) ; sleep 0.3; nsenter -t %d -n timeout 5 socat -T3 - "
		"TCP:10.200.0.1:8080", (int)p1.pid);
	sh_ok("gateway service", out, sizeof(out), cmd);
	cr_assert(strstr(out, "proxied"), "%s", out);
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n busybox ping -c1 -W1 10.200.0.1", (int)p1.pid);
	cr_assert_neq(nstest_sh(out, sizeof(out), "%s", cmd), 0, "ICMP to the gateway: %s", out);
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n busybox ping -c1 -W1 10.200.0.3", (int)p1.pid);
	cr_assert_neq(nstest_sh(out, sizeof(out), "%s", cmd), 0, "other container: %s", out);
	sh_ok("counters", out, sizeof(out), "nft list counter inet outcall gateway-dropped");
	cr_assert_null(strstr(out, "packets 0 "), "the gateway did not drop the ping: %s", out);
	sh_ok("counters", out, sizeof(out), "nft list counter bridge outcall container-to-container");
	cr_assert_null(strstr(out, "packets 0 "), "the bridge did not drop a frame: %s", out);
	world_down(&w);
}

static void refused(oc_networks *n, const char *path, pid_t pid, int code, const char *why)
{
	oc_attach_options o = { .name = "stranger", .netns_path = path, .pid = pid };
	cr_assert_eq(oc_network_attach(n, &o, NULL), code, "%s: %s", path ? path : "pid",
		oc_error_last()->message);
	cr_assert(strstr(oc_error_last()->message, why), "%s", oc_error_last()->message);
	char out[256];
	cr_assert_neq(nstest_sh(out, sizeof(out), "ip link show oc0-2"), 0, "nothing left behind");
}

/* attach opens what it is given as root: only a container's network
 * namespace passes. A FIFO is never opened (it would block the loop), a
 * symlink is not followed, and the host's own namespace, where the bridge
 * and the default route live, is refused (attaching it moved the host's
 * default route). One namespace is one container. */
Test(network, attach_takes_only_a_containers_namespace, .init = nstest_enter, .timeout = 30)
{
	struct world w;
	world_up(&w);
	char dir[] = "/tmp/oc-netns-XXXXXX", fifo[64], file[64], link[64], user[64];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(user, sizeof(user), "%s/uts", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	fclose(fopen(file, "w"));
	fclose(fopen(user, "w"));
	/* an nsfs file of another type, bound where a network namespace could
	 * be (in a mount namespace of this worker's own) */
	char uts[64];
	snprintf(uts, sizeof(uts), "/proc/%d/ns/uts", (int)w.p1.pid);
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cr_assert_eq(mount(uts, user, NULL, MS_BIND, NULL), 0, "%s", strerror(errno));
	cr_assert_eq(symlink(w.p1.path, link), 0);
	refused(w.n, fifo, 0, OC_EINVAL, "is not a namespace");
	refused(w.n, file, 0, OC_EINVAL, "is not a namespace");
	refused(w.n, link, 0, OC_EINVAL, "is a symbolic link");
	refused(w.n, user, 0, OC_EINVAL, "not a network namespace");
	refused(w.n, "/proc/self/ns/net", 0, OC_EINVAL, "is a symbolic link");
	refused(w.n, NULL, getpid(), OC_EPERM, "the host's own network namespace");
	oc_container *c = attach(w.n, "coder-1", &w.p1, true);
	oc_attach_options twice = { .name = "coder-9", .pid = w.p1.pid };
	cr_assert_eq(oc_network_attach(w.n, &twice, NULL), OC_EEXIST);
	cr_assert(strstr(oc_error_last()->message, "attached already, as container 'coder-1'"),
		"%s", oc_error_last()->message);
	struct stat ns;
	cr_assert_eq(stat(w.p1.path, &ns), 0);
	cr_assert_eq(oc_container_netns_ino(c), (uint64_t)ns.st_ino, "recorded for the agent socket");
	oc_container_unref(c);
	umount(user);
	unlink(user);
	unlink(fifo);
	unlink(file);
	unlink(link);
	rmdir(dir);
	world_down(&w);
}
