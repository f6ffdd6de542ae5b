export { metricNames, exposedNames } from './promql.ts';
export { ruleGroups, dashboard, allExpressions, EXTERNAL_METRICS, type Rule, type RuleGroup } from './observability-files.ts';
export { startServiceProcess, type ServiceProcess } from './service-process.ts';
