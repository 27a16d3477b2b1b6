/* What an agent may ask for, and the forms each part must have before it
 * goes into a generated rule (hosts, methods and paths end up inside CEL
 * string literals inside YAML, so they are held to plain characters). */
#ifndef OC_REQUESTS_ASK_H
#define OC_REQUESTS_ASK_H

#include <jansson.h>
#include "requests/request.h"

/* Longest path prefix and method, in bytes. */
#define OC_REQ_PATH_MAX 1024
#define OC_REQ_METHOD_MAX 32

/*
 * Reads an agent's POST /v1/requests body into *out (cleared first):
 *   {"host": H, "port": P, "method": M, "path_prefix": "/x",
 *    "justification": TEXT, "duration": "2h"}   (port, method, path_prefix
 *                                                 and duration optional)
 *   {"rule_file": YAML, "justification": TEXT, "duration": "2h"}
 * Unknown fields, wrong types and bad values are OC_EINVAL with a message
 * written for the agent; *out is then empty. The rule file itself is
 * checked later, when it is scoped to the agent (rulegen.h).
 */
int oc_req_ask_parse(json_t *body, oc_req_ask *out);

/* A JSON "port" field: an integer from 1 to 65535, else OC_EINVAL. */
int oc_req_take_port(json_t *v, int *out);

/* Checks the forms of a filled ask (also of records read back from disk,
 * before a rule is generated from them). OC_EINVAL naming the field. */
int oc_req_ask_check(const oc_req_ask *a);

#endif
