import { parse } from 'pg-connection-string';

/** A TCP port as the driver hands it to the socket: decimal digits, at most 65535. */
const PORT = /^\d{1,5}$/;

/**
 * What the PostgreSQL driver (pg, through pg-connection-string) would refuse in `url`, in words
 * that never repeat the URL: it holds the password. The WHATWG parser takes more than the driver
 * does: a `?port=` that is no port, which made the driver's socket fail in a way its `end()` never
 * returns from (the start hung, then exited 0 with no reason); user, password or database name
 * percent-encoded other than as UTF-8 (`%e9`); an `sslrootcert`, `sslcert` or `sslkey` file that
 * cannot be read. Each failed only once the service reached its database, as a stack trace
 * naming no key.
 */
export function databaseUrlProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return 'must be a URL such as postgres://user:password@host:5432/database';
  let port: string | null | undefined;
  try {
    ({ port } = parse(url));
  } catch (error) {
    if (error instanceof URIError) return 'must percent-encode its user, password and database name as UTF-8';
    const { syscall, code } = error as NodeJS.ErrnoException;
    if (syscall !== undefined) return `names an sslrootcert, sslcert or sslkey file that cannot be read (${code})`;
    return 'is refused by the PostgreSQL driver (pg-connection-string)';
  }
  if (port && !(PORT.test(port) && Number(port) <= 65_535)) return 'must name a port from 0 to 65535 (in its authority or ?port=)';
  return undefined;
}
