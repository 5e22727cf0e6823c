/**
 * The slice of sql.js (SQLite compiled to WebAssembly) the chain uses, typed here because the
 * package ships no types. One module instance per process, loaded on first use.
 */
import { createRequire } from 'node:module';

export type SqlValue = number | string | Uint8Array | bigint | null;
export type BindParams = SqlValue[] | Record<string, SqlValue>;

export interface Statement {
  bind(values?: BindParams): boolean;
  step(): boolean;
  get(params?: BindParams | null, config?: { useBigInt?: boolean }): SqlValue[];
  getAsObject(
    params?: BindParams | null,
    config?: { useBigInt?: boolean },
  ): Record<string, SqlValue>;
  run(values?: BindParams): void;
  reset(): void;
  free(): boolean;
}

export interface Database {
  run(sql: string, params?: BindParams): Database;
  exec(sql: string): Array<{ columns: string[]; values: SqlValue[][] }>;
  prepare(sql: string): Statement;
  export(): Uint8Array;
  close(): void;
  getRowsModified(): number;
}

export interface SqlJs {
  Database: new (data?: Uint8Array) => Database;
}

let loading: Promise<SqlJs> | null = null;

export function loadSqlJs(): Promise<SqlJs> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const init = require('sql.js') as (config?: object) => Promise<SqlJs>;
    return init();
  })();
  return loading;
}
