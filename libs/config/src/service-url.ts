/**
 * What is wrong with `value` as the URL of a service called over HTTP, for a config's `refine`.
 * Ajv's `uri` format takes `http://` with no host, a port past 65535 and `user:password@`: the
 * URL parser the service hands it to refuses the first two (a bare "Invalid URL" naming no key,
 * once the service runs), and fetch refuses credentials, or they are silently left out of the
 * calls. None of them reaches a running service.
 */
export function serviceUrlProblems(key: string, value: string): Array<[string, string]> {
  const url = URL.parse(value);
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') return [[key, 'must be an http:// or https:// URL with a host']];
  if (url.username !== '' || url.password !== '') return [[key, 'must hold no credentials (user:password@), which fetch refuses']];
  return [];
}
