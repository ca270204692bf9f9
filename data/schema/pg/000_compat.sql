-- PostgreSQL only: applied (idempotently) before the numbered migrations whenever a
-- PostgreSQL database is created or migrated. It gives the SQLite built-ins the code and
-- the migrations use their SQLite meaning, so that the SQL stays one text for both
-- engines; src/core/db_pg.c rewrites calls to the ones whose names PostgreSQL already
-- takes (CAST(x AS INTEGER) -> pb_int(x), GLOB -> #~#).

-- CAST(x AS INTEGER): the leading integer of a text (0 when none), NULL stays NULL.
CREATE OR REPLACE FUNCTION pb_int(v text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN v IS NULL THEN NULL
		ELSE coalesce(substring(ltrim(v) FROM '^[+-]?[0-9]{1,18}')::bigint, 0) END
$$;
CREATE OR REPLACE FUNCTION pb_int(v bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT v
$$;
CREATE OR REPLACE FUNCTION pb_int(v integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT v::bigint
$$;
CREATE OR REPLACE FUNCTION pb_int(v numeric) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT trunc(v)::bigint
$$;
CREATE OR REPLACE FUNCTION pb_int(v double precision) RETURNS bigint LANGUAGE sql
	IMMUTABLE AS $$
	SELECT trunc(v)::bigint
$$;
CREATE OR REPLACE FUNCTION pb_int(v boolean) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT v::integer::bigint
$$;

-- json_valid(TEXT): whether the text parses as JSON.
CREATE OR REPLACE FUNCTION json_valid(v text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	IF v IS NULL THEN
		RETURN NULL;
	END IF;
	PERFORM v::json;
	RETURN true;
EXCEPTION WHEN others THEN
	RETURN false;
END
$$;

-- json_extract(TEXT, '$.a.b'): the value at that path as text (NULL when absent).
CREATE OR REPLACE FUNCTION json_extract(v text, path text) RETURNS text LANGUAGE sql
	IMMUTABLE AS $$
	SELECT CASE WHEN path = '$' THEN v
		ELSE v::jsonb #>> string_to_array(regexp_replace(substr(path, 3),
		'\[([0-9]+)\]', '.\1', 'g'), '.') END
$$;

-- GLOB: SQLite's case-sensitive pattern (*, ?, [...], [^...]) as a regular expression.
CREATE OR REPLACE FUNCTION pb_glob(s text, pat text) RETURNS boolean LANGUAGE plpgsql
	IMMUTABLE AS $$
DECLARE
	re text := '^';
	i integer := 1;
	c text;
	inset boolean := false;
BEGIN
	IF s IS NULL OR pat IS NULL THEN
		RETURN NULL;
	END IF;
	WHILE i <= length(pat) LOOP
		c := substr(pat, i, 1);
		IF inset THEN
			IF c = ']' THEN
				inset := false;
			END IF;
			re := re || CASE WHEN c = '\' THEN '\\' ELSE c END;
		ELSIF c = '*' THEN
			re := re || '.*';
		ELSIF c = '?' THEN
			re := re || '.';
		ELSIF c = '[' THEN
			inset := true;
			re := re || c;
			IF substr(pat, i + 1, 1) = '^' THEN
				re := re || '^';
				i := i + 1;
			END IF;
			IF substr(pat, i + 1, 1) = ']' THEN
				re := re || '\]';
				i := i + 1;
			END IF;
		ELSIF c ~ '[.+(){}|$^\\]' THEN
			re := re || '\' || c;
		ELSE
			re := re || c;
		END IF;
		i := i + 1;
	END LOOP;
	RETURN s ~ (re || '$');
END
$$;
CREATE OR REPLACE FUNCTION pb_notglob(s text, pat text) RETURNS boolean LANGUAGE sql
	IMMUTABLE AS $$
	SELECT NOT pb_glob(s, pat)
$$;
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
	    WHERE o.oprname = '#~#' AND n.nspname = current_schema()) THEN
		CREATE OPERATOR #~# (LEFTARG = text, RIGHTARG = text, FUNCTION = pb_glob);
		CREATE OPERATOR !#~# (LEFTARG = text, RIGHTARG = text, FUNCTION = pb_notglob);
	END IF;
END
$$;

-- After rows were written with explicit ids (a migration copying a table, `db copy`):
-- every identity column's sequence continues after the largest id.
CREATE OR REPLACE FUNCTION pb_fix_sequences() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	r record;
	m bigint;
BEGIN
	FOR r IN SELECT c.table_name, c.column_name FROM information_schema.columns c
	    WHERE c.table_schema = current_schema() AND c.is_identity = 'YES' LOOP
		EXECUTE format('SELECT max(%I) FROM %I', r.column_name, r.table_name) INTO m;
		IF m IS NOT NULL THEN
			PERFORM setval(pg_get_serial_sequence(quote_ident(r.table_name),
			    r.column_name), m);
		END IF;
	END LOOP;
END
$$;

-- sum() and avg() of a comparison: SQLite's comparisons are the integers 0 and 1.
CREATE OR REPLACE FUNCTION pb_sum_bool(s bigint, v boolean) RETURNS bigint LANGUAGE sql
	IMMUTABLE AS $$
	SELECT CASE WHEN v IS NULL THEN s ELSE coalesce(s, 0) + v::integer END
$$;
CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = pb_sum_bool, STYPE = bigint);

-- LIMIT with a negative count: SQLite's "no limit".
CREATE OR REPLACE FUNCTION pb_limit(n bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN n < 0 THEN NULL ELSE n END
$$;

-- The schema's tables and indexes by SQLite's catalogue names.
CREATE OR REPLACE VIEW sqlite_master AS
	SELECT 'table'::text AS type, c.relname::text AS name, c.relname::text AS tbl_name
	FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
	AND c.relkind = 'r'
	UNION ALL
	SELECT 'index', i.relname::text, t.relname::text FROM pg_index x
	JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
	WHERE t.relnamespace = current_schema()::regnamespace;

-- strftime(FORMAT, SECONDS, 'unixepoch'): SQLite's date formatting of a Unix time (UTC).
CREATE OR REPLACE FUNCTION strftime(fmt text, t bigint, modifier text DEFAULT 'unixepoch')
	RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	ts timestamp := to_timestamp(t) AT TIME ZONE 'UTC';
	out text := '';
	i integer := 1;
	c text;
BEGIN
	IF fmt IS NULL OR t IS NULL THEN
		RETURN NULL;
	END IF;
	WHILE i <= length(fmt) LOOP
		c := substr(fmt, i, 1);
		IF c = '%' AND i < length(fmt) THEN
			i := i + 1;
			c := substr(fmt, i, 1);
			out := out || CASE c
				WHEN 'Y' THEN to_char(ts, 'YYYY') WHEN 'm' THEN to_char(ts, 'MM')
				WHEN 'd' THEN to_char(ts, 'DD') WHEN 'H' THEN to_char(ts, 'HH24')
				WHEN 'M' THEN to_char(ts, 'MI') WHEN 'S' THEN to_char(ts, 'SS')
				WHEN 'j' THEN to_char(ts, 'DDD') WHEN 's' THEN t::text
				WHEN 'w' THEN extract(dow FROM ts)::integer::text
				WHEN '%' THEN '%' ELSE '%' || c END;
		ELSE
			out := out || c;
		END IF;
		i := i + 1;
	END LOOP;
	RETURN out;
END
$$;

-- A comparison in text is SQLite's 1 or 0, not PostgreSQL's true or false.
CREATE OR REPLACE FUNCTION pb_cat(a boolean, b text) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT CASE WHEN a THEN '1' WHEN NOT a THEN '0' END || b $$;
CREATE OR REPLACE FUNCTION pb_cat(a text, b boolean) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT a || CASE WHEN b THEN '1' WHEN NOT b THEN '0' END $$;
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
	    WHERE o.oprname = '||' AND n.nspname = current_schema()
	    AND o.oprleft = 'boolean'::regtype) THEN
		CREATE OPERATOR || (LEFTARG = boolean, RIGHTARG = text, FUNCTION = pb_cat);
		CREATE OPERATOR || (LEFTARG = text, RIGHTARG = boolean, FUNCTION = pb_cat);
	END IF;
END
$$;

-- A text compared with an integer literal (json_extract(...) = 1): SQLite compares the
-- integer as text there.
CREATE OR REPLACE FUNCTION pb_text_eq_int(a text, b integer) RETURNS boolean LANGUAGE sql
	IMMUTABLE AS $$ SELECT a = b::text $$;
CREATE OR REPLACE FUNCTION pb_text_ne_int(a text, b integer) RETURNS boolean LANGUAGE sql
	IMMUTABLE AS $$ SELECT a <> b::text $$;
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
	    WHERE o.oprname = '=' AND n.nspname = current_schema()
	    AND o.oprleft = 'text'::regtype AND o.oprright = 'integer'::regtype) THEN
		CREATE OPERATOR = (LEFTARG = text, RIGHTARG = integer, FUNCTION = pb_text_eq_int);
		CREATE OPERATOR <> (LEFTARG = text, RIGHTARG = integer, FUNCTION = pb_text_ne_int);
	END IF;
END
$$;
