/* migrations.h — the numbered schema migrations compiled in from data/schema/. */
#ifndef PB_MIGRATIONS_H
#define PB_MIGRATIONS_H

struct migration {
	int version;
	const char *sql;
};

extern const struct migration migrations[];
extern const int migrations_count;

#endif
