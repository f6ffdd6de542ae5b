/**
 * What the cluster's ConfigMaps say as Service DNS names (`http://payment-service`), said with
 * local addresses: each service reaches the others through their local Service stand-ins.
 * A service's config loader reads only the keys of its own schema, so all get the same set.
 */
export function serviceDiscoveryEnv(serviceUrl: (kubernetesService: string) => string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  const user = serviceUrl('user-service');
  const payment = serviceUrl('payment-service');
  if (user) {
    env.JWKS_URL = `${user}/user/.well-known/jwks.json`;
    env.TOKEN_URL = `${user}/user/oauth/token`;
  }
  if (payment) env.PAYMENT_URL = payment;
  return env;
}
