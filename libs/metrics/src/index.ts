export { metricsPlugin, type MetricsPluginOptions } from './metrics-plugin.ts';
export { startMetricsServer, type MetricsServer } from './metrics-server.ts';
