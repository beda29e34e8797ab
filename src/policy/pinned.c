/*
 * pinned.c: the session settings apply pins for a restricted role; see pinned.h.
 */
#include "policy/pinned.h"

#include <string.h>

const char *policy_pinned_search_path(const policy *p)
{
    for (size_t i = 0; p && i < p->nsettings; i++)
        if (strcmp(p->settings[i].name, "search_path") == 0)
            return p->settings[i].value;
    return POLICY_PINNED_SEARCH_PATH_DEFAULT;
}

size_t policy_pinned_settings(const policy *p, policy_pin out[POLICY_NPINNED])
{
    out[0] = (policy_pin){"client_encoding", POLICY_PINNED_CLIENT_ENCODING};
    out[1] = (policy_pin){"standard_conforming_strings", POLICY_PINNED_STANDARD_CONFORMING_STRINGS};
    out[2] = (policy_pin){"search_path", policy_pinned_search_path(p)};
    return POLICY_NPINNED;
}
