/*
 * vm_prompt.h — a one-line text prompt the supervisor screens share (a quantity, a
 * threshold, a name, a PIN): typed keys edit it, Enter accepts, Esc cancels. Secret
 * prompts show stars. No curses.
 */
#ifndef PB_VM_PROMPT_H
#define PB_VM_PROMPT_H

#include "vm_screen.h"

enum vm_prompt_kind { VM_PROMPT_TEXT, VM_PROMPT_NUMBER, VM_PROMPT_SECRET };

struct vm_prompt {
	int on;                     /* has the keyboard */
	int what;                   /* the screen's own tag: what the answer is for */
	enum vm_prompt_kind kind;
	char label[96];
	char buf[128];
};

void vm_prompt_open(struct vm_prompt *p, int what, enum vm_prompt_kind kind,
    const char *label);
/* 1 accepted (Enter; p->buf holds the text), -1 cancelled (Esc), 0 still editing. The
 * prompt closes on either. */
int vm_prompt_key(struct vm_prompt *p, int key);
void vm_prompt_render(const struct vm_prompt *p, struct vm_screen *scr, int y);
/* The text as a signed whole number ("+5", "-3", "12"); 0, or -1 when it is not one. */
int vm_prompt_int(const struct vm_prompt *p, int64_t *out);
/* Wipe the text (a PIN). */
void vm_prompt_clear(struct vm_prompt *p);

#endif
