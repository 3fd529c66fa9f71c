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
  /** Owns the database, its schema and tables; only migrations log in as it. */
  readonly owner: RoleVariables;
  /** Reads, inserts and updates rows (bot). */
  readonly writer: RoleVariables;
  /** Reads only (api). */
  readonly reader: RoleVariables;
}

/**
 * The postgres image's init script: on the first start of an empty data directory it
 * creates the owner role (migrations), the writer role (bot: rows only) and the read-only
 * role (api). Run again on an existing database, it brings it to these roles (the upgrade
 * path from the earlier two roles). Values reach SQL as psql variables, never by string splicing.
 */
export class PostgresInitScript extends ShellScript {
  constructor(scope: IConstruct, filePath: string, props: PostgresInitScriptProps) {
    const roles = { owner: props.owner, writer: props.writer, reader: props.reader };
    super(scope, filePath, {
      shell: 'sh',
      description: 'Creates the application roles on the first start of an empty data directory; run again, upgrades an existing database to them.',
      body: () => [
        DERIVED_HEADER,
        ...Object.entries(roles).flatMap(([role, v]) => [[role, v.user.name], [`${role}_password`, v.password.name]])
          .map(([local, variable]) => `${local}=\${${variable}:?${variable} is required}`),
        '',
        ...bashFragment('postgres-init.sh'),
      ],
    });
  }
}
