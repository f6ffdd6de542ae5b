import type {} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server where each test creates (and drops) its own database. */
    databaseServerUrl: string;
  }
}
