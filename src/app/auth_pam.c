/* auth_pam.c — the PAM check behind user_login() (auth_pam.h). */
#include "auth_pam.h"

#include <security/pam_appl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/user.h"

static char service[64];
static char confdir[256];

/* Answer PAM's prompts: the secret for a hidden one, nothing for messages. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
	const char *secret = appdata;
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof *r)) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		if ((r[i].resp = strdup(secret)) == NULL) {
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_BUF_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int
check(const char *name, const char *secret, void *arg)
{
	struct pam_conv c = { conv, (void *)(uintptr_t)secret };
	pam_handle_t *h = NULL;
	int rc;

	(void)arg;
	rc = pam_start_confdir(service, name, &c, confdir[0] ? confdir : NULL, &h);
	if (rc != PAM_SUCCESS)
		return -1;
	rc = pam_authenticate(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	pam_end(h, rc);
	return rc == PAM_SUCCESS ? 0 : -1;
}

void
auth_pam_apply(const struct config *cfg)
{
	if (!cfg->auth.pam)
		return;
	snprintf(service, sizeof service, "%s", cfg->auth.pam_service);
	snprintf(confdir, sizeof confdir, "%s", cfg->auth.pam_confdir);
	user_set_authenticator(check, NULL, "pam");
}
