# Needs: owner, owner_password, writer, writer_password, reader, reader_password (set from the
# image's environment). Values reach SQL as psql variables, never by string splicing.
#
# Least privilege: the owner owns the database, its schema and every table (only `migrate`
# logs in as it); the writer (the bot) may read, insert and update rows, nothing else (no
# DELETE, TRUNCATE, DROP or ALTER); the reader (the api) may only read.
#
# Safe to run again, and that is the upgrade path: a database created by the earlier script
# (where the writer owned everything) is brought to these roles by running it once more:
#   docker compose exec postgres /docker-entrypoint-initdb.d/10-roles.sh
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" -v owner="$owner" -v owner_password="$owner_password" \
  -v writer="$writer" -v writer_password="$writer_password" \
  -v reader="$reader" -v reader_password="$reader_password" <<'SQL'
\set QUIET on
BEGIN;
SELECT format('CREATE ROLE %I', role_name) FROM (VALUES (:'owner'), (:'writer'), (:'reader')) AS wanted (role_name)
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) \gexec
ALTER ROLE :"owner" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
ALTER ROLE :"writer" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'writer_password';
ALTER ROLE :"reader" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'reader_password';
ALTER ROLE :"reader" SET default_transaction_read_only = on;

-- Everything the writer owned (the earlier script made it the owner) moves to the owner.
ALTER DATABASE :"db" OWNER TO :"owner";
ALTER SCHEMA public OWNER TO :"owner";
REASSIGN OWNED BY :"writer" TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"writer", :"reader";
GRANT USAGE ON SCHEMA public TO :"writer", :"reader";

-- Rows only, on the tables there are and on every table migrations add later.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"writer", :"reader";
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO :"writer";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :"writer";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO :"writer";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE ON SEQUENCES TO :"writer";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO :"reader";
-- Which migrations ran is the owner's business.
SELECT format('REVOKE INSERT, UPDATE ON %I FROM %I', 'migrations', :'writer') WHERE to_regclass('public.migrations') IS NOT NULL \gexec
COMMIT;
SQL
echo "init: roles $owner (owner, migrations), $writer (reads and writes rows) and $reader (read-only) are in place"
