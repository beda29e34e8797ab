/*
 * severity.h: how much a finding matters, lowest first.
 */
#ifndef PGWARD_SEVERITY_H
#define PGWARD_SEVERITY_H

typedef enum severity { SEV_INFO = 0, SEV_WARNING = 1, SEV_ERROR = 2 } severity;

#endif
