import { IConstruct } from 'constructs';
import { DERIVED_HEADER, bashFragment } from './bash';
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
        DERIVED_HEADER,
        ...[['writer', wu], ['writer_password', wp], ['reader', ru], ['reader_password', rp]]
          .map(([local, variable]) => `${local}=\${${variable}:?${variable} is required}`),
        '',
        ...bashFragment('postgres-init.sh'),
      ],
    });
  }
}
