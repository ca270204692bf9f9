/*
 * view_orders.h — curses drawing of the order list screen from its view-model: title
 * line, column headings, the rows with their colour roles, the key legend, and the
 * order detail panel on top when one is open.
 */
#ifndef PB_VIEW_ORDERS_H
#define PB_VIEW_ORDERS_H

#include "vm_orders.h"

/* Lay out for the current terminal size and draw into stdscr (and a panel window);
 * the caller calls doupdate(). */
void view_orders_draw(struct vm_orders *vm);

#endif
