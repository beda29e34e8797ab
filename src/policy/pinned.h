/*
 * pinned.h: the session settings pgward apply pins for a restricted role, the one
 * place that says what they are. apply sets them before the first statement and
 * checks before every COMMIT (and after each statement outside a transaction) that
 * client_encoding and standard_conforming_strings still hold (the gate refuses any
 * change of them, so a change means the model was wrong); search_path is the
 * script's to set: the static gate's model of a restricted role's session starts
 * from the pinned value and follows every change, so what is proven is what runs.
 *
 *   policy_pin pins[POLICY_NPINNED];
 *   size_t n = policy_pinned_settings(p, pins);   // client_encoding, ..., search_path
 *   const char *path = policy_pinned_search_path(p);
 */
#ifndef PGWARD_POLICY_PINNED_H
#define PGWARD_POLICY_PINNED_H

#include <stddef.h>

#include "policy/policy.h"

/* The search_path pinned when the policy sets none. */
#define POLICY_PINNED_SEARCH_PATH_DEFAULT "pg_catalog, pg_temp"
#define POLICY_PINNED_CLIENT_ENCODING "UTF8"
#define POLICY_PINNED_STANDARD_CONFORMING_STRINGS "on"

/* How many settings are pinned. */
#define POLICY_NPINNED 3

typedef struct policy_pin {
    const char *name;    /* the setting, as current_setting() names it */
    const char *value;   /* the value apply sets (borrowed from the policy or static) */
} policy_pin;

/* The search_path pinned for a restricted role: the policy's `set search_path =
   "..."` when it has one, else POLICY_PINNED_SEARCH_PATH_DEFAULT. Borrowed from p. */
const char *policy_pinned_search_path(const policy *p);

/* Fills out[0..POLICY_NPINNED) with the pinned settings, in the order apply sets and
   checks them: client_encoding, standard_conforming_strings, search_path. Returns
   POLICY_NPINNED. */
size_t policy_pinned_settings(const policy *p, policy_pin out[POLICY_NPINNED]);

#endif
