/* What the proxy adds to the rules' verdict. The agent socket's check
 * asks the same question, so a check answers as the proxy would. */
#ifndef OC_PROXY_POLICY_H
#define OC_PROXY_POLICY_H

#include <stdbool.h>
#include <outcall/engine.h>

/* Why the proxy does not open what decision d allowed for ctx, or NULL
 * when it does. `connect`: a CONNECT tunnel, where a port other than 443
 * needs a rule that reads network.port. */
const char *px_allow_refusal(const oc_context *ctx, const oc_decision *d, bool connect);

#endif
