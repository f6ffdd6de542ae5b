export {
  startStack,
  discoverServices,
  readRoutes,
  ROUTE_FILES,
  type RouteSource,
  type Stack,
  type StackOptions,
  type ServiceHandle,
} from './stack.ts';
export { createLogPrinter } from './log-printer.ts';
export { readIngressRoutes, matchRoute, noRouteMessage, type IngressRoute } from './ingress-routes.ts';
export { readHttpRouteRoutes } from './httproute-routes.ts';
export { startWatchMode, type WatchMode, type WatchModeOptions } from './watch/watch-mode.ts';
export { GatewayClient, errorCode, type Answer, type CallOptions } from './gateway-client.ts';
