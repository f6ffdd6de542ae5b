/**
 * What nginx refuses anywhere in a host (ngx_http_validate_host): two dots in a row, a slash, a
 * space or a control character.
 */
function refused(host: string): boolean {
  return host.includes('..') || [...host].some((char) => char === '/' || char <= ' ' || char === '\x7f');
}

/**
 * The name nginx picks a server by, read from a Host header or a request-target's host as nginx
 * reads it: up to the port (whatever follows the colon), without a trailing dot, in lower case.
 * `undefined` where nginx answers 400 instead: an empty name (`Host:`, `Host: :80`, `Host: .`)
 * or a character it refuses.
 */
export function serverName(host: string): string | undefined {
  if (refused(host)) return undefined;
  // An IP literal keeps its colons: the port starts after its closing bracket.
  const [name = ''] = (host.startsWith('[') ? /^\[[^\]]*\]?/ : /^[^:]*/).exec(host) ?? [];
  return name.replace(/\.$/, '').toLowerCase() || undefined;
}
