/**
 * nginx.conf for a set of rendered Ingress objects, written the way ingress-nginx's template
 * writes it with its default settings: upstreams straight to each ready replica (it balances over
 * Endpoints, not through the Service), keep-alive upstream connections, its proxy headers, a
 * default server answering 404 to unknown hosts, Prefix paths matching whole path elements.
 * Only the annotations translated below are accepted: an unknown one is an error, never ignored.
 */

/** What the generator reads of an Ingress (a rendered object, as `kubectl kustomize` prints it). */
export interface IngressObject {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: {
    rules?: Array<{
      host?: string;
      http?: { paths?: Array<{ path?: string; pathType?: string; backend?: { service?: { name?: string; port?: { number?: number } } } }> };
    }>;
  };
}

export interface NginxConfigOptions {
  ingresses: IngressObject[];
  /** `host:port` of each ready replica behind a Service port (its Endpoints). */
  endpoints(service: string, port: number): string[];
  /** Where nginx listens, e.g. `127.0.0.1:8080`. */
  listen: string;
  /** A directory nginx may write to: pid, logs, temporary files. */
  runDir: string;
}

const ANNOTATION = 'nginx.ingress.kubernetes.io/';
/** Annotations of other controllers (cert-manager's issuer): not nginx's business. */
const FOREIGN = (key: string) => !key.startsWith(ANNOTATION);

/** ingress-nginx's defaults (its ConfigMap left empty). */
const DEFAULTS = {
  proxyBodySize: '1m',
  httpRedirectCode: 308,
  upstreamKeepaliveConnections: 320,
  upstreamKeepaliveTimeoutSeconds: 60,
  upstreamKeepaliveRequests: 10_000,
};

interface Location {
  /** `= /cart`, `/cart/` or `/`. */
  match: string;
  upstream: string;
  settings: LocationSettings;
}

interface LocationSettings {
  clientMaxBodySize: string;
  forceSslRedirect: boolean;
}

/** Each supported annotation, translated; anything else under nginx.ingress.kubernetes.io/ throws. */
function locationSettings(ingress: IngressObject): LocationSettings {
  const settings: LocationSettings = { clientMaxBodySize: DEFAULTS.proxyBodySize, forceSslRedirect: false };
  for (const [key, value] of Object.entries(ingress.metadata.annotations ?? {})) {
    if (FOREIGN(key)) continue;
    const name = key.slice(ANNOTATION.length);
    if (name === 'proxy-body-size') {
      if (!/^\d+[kKmMgG]?$/.test(value)) throw new Error(`Ingress ${ingress.metadata.name}: ${key}=${value} is not an nginx size`);
      settings.clientMaxBodySize = value;
    } else if (name === 'force-ssl-redirect') {
      settings.forceSslRedirect = value === 'true';
    } else {
      throw new Error(`Ingress ${ingress.metadata.name}: annotation ${key} has no translation here; add one before using it`);
    }
  }
  return settings;
}

/** ingress-nginx's upstream name: `<namespace>-<service>-<port>`. */
function upstreamName(ingress: IngressObject, service: string, port: number): string {
  return `${ingress.metadata.namespace ?? 'default'}-${service}-${port}`;
}

export function nginxConfig(options: NginxConfigOptions): string {
  const upstreams = new Map<string, string[]>();
  const servers = new Map<string, Location[]>();
  for (const ingress of options.ingresses.filter((object) => object.kind === 'Ingress')) {
    const settings = locationSettings(ingress);
    for (const rule of ingress.spec?.rules ?? []) {
      if (!rule.host) throw new Error(`Ingress ${ingress.metadata.name}: a rule without a host is not served by this edge`);
      const locations = servers.get(rule.host) ?? [];
      servers.set(rule.host, locations);
      for (const path of rule.http?.paths ?? []) {
        const service = path.backend?.service?.name;
        const port = path.backend?.service?.port?.number;
        if (!service || !port) throw new Error(`Ingress ${ingress.metadata.name}: ${path.path} has no Service backend with a port number`);
        const upstream = upstreamName(ingress, service, port);
        const addresses = options.endpoints(service, port);
        if (addresses.length === 0) throw new Error(`${service}:${port} has no endpoints`);
        upstreams.set(upstream, addresses);
        locations.push(...pathLocations(path.path ?? '/', path.pathType ?? 'Prefix', upstream, settings));
      }
    }
  }

  const run = options.runDir;
  return [
    `# Generated from the rendered Ingress, as ingress-nginx would write it; do not edit.`,
    `worker_processes 1;`,
    `pid ${run}/nginx.pid;`,
    `error_log ${run}/error.log warn;`,
    `events { worker_connections 1024; }`,
    `http {`,
    `    access_log ${run}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${run}/${kind}-temp;`),
    `    keepalive_timeout 75s;`,
    `    keepalive_requests 1000;`,
    `    client_header_buffer_size 1k;`,
    `    large_client_header_buffers 4 8k;`,
    `    client_body_buffer_size 8k;`,
    `    client_body_timeout 60s;`,
    `    client_header_timeout 60s;`,
    `    server_tokens off;`,
    `    server_name_in_redirect off;`,
    `    port_in_redirect off;`,
    // Upstream keep-alive needs an empty Connection header unless the client upgrades.
    `    map $http_upgrade $connection_upgrade { default upgrade; '' ''; }`,
    `    map $http_x_request_id $req_id { default $http_x_request_id; '' $request_id; }`,
    `    map $http_host $best_http_host { default $http_host; '' $host; }`,
    `    map '' $pass_access_scheme { default $scheme; }`,
    `    map '' $pass_port { default $server_port; }`,
    // Whatever X-Forwarded-For a client sends, the services see the address nginx saw
    // (use-forwarded-headers is off by default): a forged one never reaches a limit.
    `    map '' $the_real_ip { default $remote_addr; }`,
    ...[...upstreams].flatMap(([name, addresses]) => [
      `    upstream ${name} {`,
      ...addresses.map((address) => `        server ${address} max_fails=0;`),
      `        keepalive ${DEFAULTS.upstreamKeepaliveConnections};`,
      `        keepalive_timeout ${DEFAULTS.upstreamKeepaliveTimeoutSeconds}s;`,
      `        keepalive_requests ${DEFAULTS.upstreamKeepaliveRequests};`,
      `    }`,
    ]),
    // Unknown hosts: the default backend's 404, no service reached.
    `    server {`,
    `        listen ${options.listen} default_server;`,
    `        server_name _;`,
    `        location / { return 404; }`,
    `    }`,
    ...[...servers].flatMap(([host, locations]) => [
      `    server {`,
      `        listen ${options.listen};`,
      `        server_name ${host};`,
      ...locations.flatMap(locationBlock),
      // A path no rule matches: the default backend's 404 (unless a rule claims `/`).
      ...(locations.some((location) => location.match === '/') ? [] : [`        location / { return 404; }`]),
      `    }`,
    ]),
    `}`,
    '',
  ].join('\n');
}

/**
 * ingress-nginx's reading of a path: Exact is `location = /p`; Prefix `/p` is both `= /p` and
 * `/p/`, so it matches `/p` and `/p/…` but never `/px`.
 */
function pathLocations(path: string, pathType: string, upstream: string, settings: LocationSettings): Location[] {
  if (pathType === 'Exact') return [{ match: `= ${path}`, upstream, settings }];
  if (pathType !== 'Prefix') throw new Error(`pathType ${pathType} of ${path}: only Exact and Prefix mean the same on every controller`);
  if (path === '/') return [{ match: '/', upstream, settings }];
  const trimmed = path.replace(/\/+$/, '');
  return [
    { match: `= ${trimmed}`, upstream, settings },
    { match: `${trimmed}/`, upstream, settings },
  ];
}

function locationBlock({ match, upstream, settings }: Location): string[] {
  return [
    `        location ${match} {`,
    ...(settings.forceSslRedirect
      ? [`            if ($pass_access_scheme = http) { return ${DEFAULTS.httpRedirectCode} https://$best_http_host$request_uri; }`]
      : []),
    `            client_max_body_size ${settings.clientMaxBodySize};`,
    `            proxy_set_header Host $best_http_host;`,
    `            proxy_set_header Upgrade $http_upgrade;`,
    `            proxy_set_header Connection $connection_upgrade;`,
    `            proxy_set_header X-Request-ID $req_id;`,
    `            proxy_set_header X-Real-IP $the_real_ip;`,
    `            proxy_set_header X-Forwarded-For $the_real_ip;`,
    `            proxy_set_header X-Forwarded-Host $best_http_host;`,
    `            proxy_set_header X-Forwarded-Port $pass_port;`,
    `            proxy_set_header X-Forwarded-Proto $pass_access_scheme;`,
    `            proxy_set_header X-Forwarded-Scheme $pass_access_scheme;`,
    `            proxy_set_header X-Scheme $pass_access_scheme;`,
    `            proxy_set_header X-Original-Forwarded-For $http_x_forwarded_for;`,
    `            proxy_set_header Proxy "";`,
    `            proxy_connect_timeout 5s;`,
    `            proxy_send_timeout 60s;`,
    `            proxy_read_timeout 60s;`,
    `            proxy_buffering off;`,
    `            proxy_buffer_size 4k;`,
    `            proxy_buffers 4 4k;`,
    `            proxy_request_buffering on;`,
    `            proxy_http_version 1.1;`,
    `            proxy_cookie_domain off;`,
    `            proxy_cookie_path off;`,
    `            proxy_next_upstream error timeout;`,
    `            proxy_next_upstream_tries 3;`,
    `            proxy_redirect off;`,
    `            proxy_pass http://${upstream};`,
    `        }`,
  ];
}
