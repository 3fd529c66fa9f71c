import { IConstruct } from 'constructs';
import { ShellScript } from './shell-script';
import type { EnvVar } from '../env';

/** A login role the init script creates: the variables holding its name and its password. */
export interface RoleVariables {
  readonly user: EnvVar;
  readonly password: EnvVar;
}

export interface PostgresInitScriptProps {
  /** Owns the schema and writes (bot, migrate). */
  readonly writer: RoleVariables;
  /** Reads only (api). */
  readonly reader: RoleVariables;
}

/**
 * The postgres image's init script: on the first start of an empty data directory it
 * creates the writer role (owns the database: bot, migrate) and the read-only role (api).
 * Values reach SQL as psql variables, never by string splicing.
 */
export class PostgresInitScript extends ShellScript {
  constructor(scope: IConstruct, filePath: string, props: PostgresInitScriptProps) {
    const [wu, wp, ru, rp] = [props.writer.user, props.writer.password, props.reader.user, props.reader.password].map((v) => v.name);
    super(scope, filePath, {
      shell: 'sh',
      description: 'Creates the application roles on the first start of an empty data directory.',
      body: () => [
        `: "\${${wu}:?${wu} is required}" "\${${wp}:?${wp} is required}"`,
        `: "\${${ru}:?${ru} is required}" "\${${rp}:?${rp} is required}"`,
        'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \\',
        `  -v db="$POSTGRES_DB" -v writer="$${wu}" -v writer_password="$${wp}" \\`,
        `  -v reader="$${ru}" -v reader_password="$${rp}" <<'SQL'`,
        'CREATE ROLE :"writer" LOGIN PASSWORD :\'writer_password\';',
        'CREATE ROLE :"reader" LOGIN PASSWORD :\'reader_password\';',
        'ALTER ROLE :"reader" SET default_transaction_read_only = on;',
        'ALTER DATABASE :"db" OWNER TO :"writer";',
        'ALTER SCHEMA public OWNER TO :"writer";',
        'REVOKE ALL ON DATABASE :"db" FROM PUBLIC;',
        'GRANT CONNECT ON DATABASE :"db" TO :"reader";',
        'GRANT USAGE ON SCHEMA public TO :"reader";',
        'ALTER DEFAULT PRIVILEGES FOR ROLE :"writer" IN SCHEMA public GRANT SELECT ON TABLES TO :"reader";',
        'SQL',
        `echo "init: created roles $${wu} (writer) and $${ru} (read-only)"`,
      ],
    });
  }
}
