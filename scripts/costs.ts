/**
 * What bills while a stack is idle, counted from its synthesized template and priced from
 * `PRICING` (lib/shared/limits/pricing.ts): customer-managed KMS keys, CloudWatch alarms, secrets,
 * interface VPC endpoints per Availability Zone, NAT gateways, AWS WAF web ACLs and rules, and
 * Amazon MQ broker instance-hours (counted, not priced: their price depends on the instance type).
 * Everything else the patterns deploy (queues, topics, functions, on-demand tables, APIs, state
 * machines, Batch with no running compute) costs nothing without traffic, beyond storage.
 * `npm run docs` renders the tables into each guide and the README; a test fails when one is stale.
 */
import { PRICING, PRICING_AS_OF } from '../lib/shared/limits';

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** One thing that bills while idle: what, how many, and its monthly price when known. */
export interface IdleCostLine {
  readonly item: string;
  readonly count: number;
  /** USD per month for all of them; undefined when the price depends on a choice (broker instances). */
  readonly monthlyUsd?: number;
}

const MONTH = PRICING.hoursPerMonth;

/** The lines of a template that bill while idle. */
export function idleCosts(template: { Resources: Record<string, Resource> }): IdleCostLine[] {
  const resources = Object.values(template.Resources);
  const ofType = (type: string) => resources.filter((r) => r.Type === type);
  const lines: IdleCostLine[] = [];
  const add = (item: string, count: number, monthlyUsd?: number) => {
    if (count > 0) lines.push({ item, count, monthlyUsd });
  };
  const keys = ofType('AWS::KMS::Key').length;
  add('customer-managed KMS keys', keys, keys * PRICING.kmsKeyMonthUsd);
  const alarms = ofType('AWS::CloudWatch::Alarm').length;
  add('CloudWatch alarms', alarms, alarms * PRICING.alarmMonthUsd);
  const secrets = ofType('AWS::SecretsManager::Secret').length;
  add('Secrets Manager secrets', secrets, secrets * PRICING.secretMonthUsd);
  const endpointAzs = ofType('AWS::EC2::VPCEndpoint')
    .filter((r) => r.Properties?.VpcEndpointType === 'Interface')
    .reduce((sum, r) => sum + Math.max(1, ((r.Properties?.SubnetIds as unknown[] | undefined) ?? []).length), 0);
  add('interface VPC endpoint-AZs', endpointAzs, endpointAzs * PRICING.interfaceEndpointHourUsd * MONTH);
  const nats = ofType('AWS::EC2::NatGateway').length;
  add('NAT gateways (before data processed)', nats, nats * PRICING.natGatewayHourUsd * MONTH);
  const acls = ofType('AWS::WAFv2::WebACL');
  const rules = acls.reduce((sum, r) => sum + ((r.Properties?.Rules as unknown[] | undefined) ?? []).length, 0);
  add('AWS WAF web ACLs', acls.length, acls.length * PRICING.wafWebAclMonthUsd);
  add('AWS WAF rules', rules, rules * PRICING.wafRuleMonthUsd);
  const instances = new Map<string, number>();
  for (const broker of ofType('AWS::AmazonMQ::Broker')) {
    const p = broker.Properties ?? {};
    const perBroker = p.DeploymentMode === 'CLUSTER_MULTI_AZ' ? 3 : p.DeploymentMode === 'ACTIVE_STANDBY_MULTI_AZ' ? 2 : 1;
    const type = `${String(p.EngineType).toLowerCase() === 'rabbitmq' ? 'RabbitMQ' : 'ActiveMQ'} ${String(p.HostInstanceType)}`;
    instances.set(type, (instances.get(type) ?? 0) + perBroker);
  }
  for (const [type, count] of instances) add(`Amazon MQ broker instances (${type}), every hour`, count);
  return lines;
}

const usd = (n: number) => `USD ${n.toFixed(2)}`;

/** The total of the priced lines, and whether unpriced lines (brokers) come on top. */
export function total(lines: readonly IdleCostLine[]): { usd: number; unpriced: boolean } {
  return {
    usd: lines.reduce((sum, l) => sum + (l.monthlyUsd ?? 0), 0),
    unpriced: lines.some((l) => l.monthlyUsd === undefined),
  };
}

/** The total as the tables show it. */
export function totalText(lines: readonly IdleCostLine[]): string {
  const t = total(lines);
  return `${usd(t.usd)}${t.unpriced ? ' + broker hours' : ''}`;
}

/** A guide's idle-cost table: sandbox and production side by side. */
export function renderCostTable(sandbox: readonly IdleCostLine[], production: readonly IdleCostLine[]): string {
  const items = [...new Set([...sandbox, ...production].map((l) => l.item))];
  const cell = (lines: readonly IdleCostLine[], item: string) => {
    const line = lines.find((l) => l.item === item);
    if (!line) return '-';
    return line.monthlyUsd === undefined ? `${line.count} (see Amazon MQ pricing)` : `${line.count}: ${usd(line.monthlyUsd)}`;
  };
  return [
    `Billed while idle, per month, at ${PRICING_AS_OF.region} list prices as of ${PRICING_AS_OF.year} (counted from the synthesized templates by \`npm run docs\`; check the current pricing pages):`,
    '',
    '| what bills while idle | sandbox | production (with alarmEmail) |',
    '|---|---|---|',
    ...items.map((item) => `| ${item} | ${cell(sandbox, item)} | ${cell(production, item)} |`),
    `| **total** | **${totalText(sandbox)}** | **${totalText(production)}** |`,
  ].join('\n');
}
