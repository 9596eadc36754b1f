import pg from 'pg';

/**
 * One connection's statements for the PostgreSQL stores. Each statement is named, so node-postgres
 * prepares it once per connection and later calls send only the values (the stores run the same
 * few dozen statements all day).
 */
export class PgSql {
  constructor(private readonly client: pg.PoolClient | pg.Client) {}

  async rows<R>(name: string, text: string, values: unknown[] = []): Promise<R[]> {
    const result = await this.client.query<R & pg.QueryResultRow>({ name, text, values });
    return result.rows;
  }

  async one<R>(name: string, text: string, values: unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(name, text, values))[0];
  }

  /** Rows changed. */
  async run(name: string, text: string, values: unknown[] = []): Promise<number> {
    const result = await this.client.query({ name, text, values });
    return result.rowCount ?? 0;
  }
}

/** int8 (epoch ms, counters, change ids) as JS numbers: every value the stores keep is below 2^53. */
export const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 20 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};
