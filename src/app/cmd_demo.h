/* cmd_demo.h — `packbench demo`, `demo-data` and `station` (also bare `packbench`). */
#ifndef PB_CMD_DEMO_H
#define PB_CMD_DEMO_H

#include "cmd.h"

int cmd_demo_run(struct cmd_ctx *c);
int cmd_demo_data_run(struct cmd_ctx *c);
/* The station TUI on the context's database; what bare `packbench` runs. */
int cmd_station_run(struct cmd_ctx *c);

#endif
