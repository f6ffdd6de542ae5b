export { healthPlugin, type ReadinessCheck } from './health-plugin.ts';
