# Needs: writer, writer_password, reader, reader_password (set from the image's environment).
# Values reach SQL as psql variables, never by string splicing.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" -v writer="$writer" -v writer_password="$writer_password" \
  -v reader="$reader" -v reader_password="$reader_password" <<'SQL'
CREATE ROLE :"writer" LOGIN PASSWORD :'writer_password';
CREATE ROLE :"reader" LOGIN PASSWORD :'reader_password';
ALTER ROLE :"reader" SET default_transaction_read_only = on;
ALTER DATABASE :"db" OWNER TO :"writer";
ALTER SCHEMA public OWNER TO :"writer";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"reader";
GRANT USAGE ON SCHEMA public TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"writer" IN SCHEMA public GRANT SELECT ON TABLES TO :"reader";
SQL
echo "init: created roles $writer (writer) and $reader (read-only)"
