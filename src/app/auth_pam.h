/*
 * auth_pam.h — log-in by name through PAM, so a site's central accounts work: the
 * secret typed at the station (or PACKBENCH_PIN in line mode) goes to the PAM service
 * ([auth] pam_service, default "packbench"; pam_confdir instead of /etc/pam.d when
 * given), auth then account. Roles, failure counts and locks stay packbench's.
 */
#ifndef PB_AUTH_PAM_H
#define PB_AUTH_PAM_H

#include "config.h"

/* When cfg asks for PAM, log-ins by name from now on check through it. */
void auth_pam_apply(const struct config *cfg);

#endif
