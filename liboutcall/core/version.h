/* Versioned public structs (outcall.h, "Versioned structs"): the check
 * every function makes before it reads or fills one. */
#ifndef OC_CORE_VERSION_H
#define OC_CORE_VERSION_H

/* 0 when `version` is one this library knows (1 to `newest`); otherwise
 * OC_EINVAL with a message naming the struct and how to initialise it. */
int oc_struct_version_check(unsigned int version, unsigned int newest, const char *type);

/* Defines the public int <type>_init(<type> *p, unsigned int version):
 * *p becomes <PREFIX>_INIT once the version is checked. */
#define OC_DEFINE_STRUCT_INIT(type, PREFIX) \
	int type##_init(type *p, unsigned int version) \
	{ \
		int rc = oc_struct_version_check(version, PREFIX##_VERSION, #type); \
		if (!rc) \
			*p = (type)PREFIX##_INIT; \
		return rc; \
	}

/* The same for a struct that grew: version 1 ends where `v2_first`, the
 * first field version 2 added, begins, and a version 1 caller's struct is
 * written only that far. */
#define OC_DEFINE_STRUCT_INIT_V2(type, PREFIX, v2_first) \
	int type##_init(type *p, unsigned int version) \
	{ \
		int rc = oc_struct_version_check(version, PREFIX##_VERSION, #type); \
		type all = (type)PREFIX##_INIT; \
		all.version = version; \
		if (!rc) \
			memcpy(p, &all, version == 1 ? offsetof(type, v2_first) : sizeof(all)); \
		return rc; \
	}

#endif
