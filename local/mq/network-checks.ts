import type { StackContext } from '../services/service';
import type { TemplateResource } from '../template';

/** The port Lambda's event source uses per engine: AMQPS for RabbitMQ, OpenWire over TLS for ActiveMQ. */
const EVENT_SOURCE_PORT: Readonly<Record<string, number>> = { RABBITMQ: 5671, ACTIVEMQ: 61617 };

/** The logical id an expression refers to (`Ref` or `Fn::GetAtt`), if any. */
function target(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

interface Rule {
  readonly group: string;
  readonly direction: 'in' | 'out';
  readonly peer?: string;
  readonly cidr?: string;
  readonly protocol: string;
  readonly from: number;
  readonly to: number;
}

/** Every security-group rule of the template: inline ones and AWS::EC2::SecurityGroupIngress/Egress. */
function rules(resources: Readonly<Record<string, TemplateResource>>): Rule[] {
  const found: Rule[] = [];
  const add = (group: string, direction: 'in' | 'out', r: Record<string, unknown>) => {
    const peer = target(direction === 'in' ? r.SourceSecurityGroupId : r.DestinationSecurityGroupId);
    const protocol = String(r.IpProtocol ?? '-1');
    found.push({
      group,
      direction,
      peer,
      cidr: typeof r.CidrIp === 'string' ? r.CidrIp : undefined,
      protocol,
      from: protocol === '-1' ? 0 : Number(r.FromPort ?? 0),
      to: protocol === '-1' ? 65535 : Number(r.ToPort ?? 65535),
    });
  };
  for (const [id, resource] of Object.entries(resources)) {
    const p = (resource.Properties ?? {}) as Record<string, unknown>;
    if (resource.Type === 'AWS::EC2::SecurityGroup') {
      for (const r of (p.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []) add(id, 'in', r);
      const egress = p.SecurityGroupEgress as Record<string, unknown>[] | undefined;
      // A group without egress rules allows all outbound traffic.
      if (egress === undefined) add(id, 'out', { CidrIp: '0.0.0.0/0', IpProtocol: '-1' });
      for (const r of egress ?? []) add(id, 'out', r);
    } else if (resource.Type === 'AWS::EC2::SecurityGroupIngress' || resource.Type === 'AWS::EC2::SecurityGroupEgress') {
      const group = target(p.GroupId);
      if (group) add(group, resource.Type.endsWith('Ingress') ? 'in' : 'out', p);
    }
  }
  return found;
}

/** Whether a rule of `group` lets traffic on TCP `port` to or from `peer` (or any CIDR). */
function allows(all: readonly Rule[], group: string, direction: 'in' | 'out', peer: string, port: number): boolean {
  return all.some(
    (r) =>
      r.group === group &&
      r.direction === direction &&
      (r.protocol === '-1' || r.protocol === 'tcp' || r.protocol === '6') &&
      r.from <= port &&
      port <= r.to &&
      (r.peer === peer || (r.cidr !== undefined && r.cidr !== '255.255.255.255/32')),
  );
}

/**
 * What stops Lambda's Amazon MQ event source for a private broker on AWS, from the template: its
 * network interfaces use the broker's subnets and security groups, so the groups must let themselves
 * reach the broker's port, and the VPC needs interface endpoints with private DNS (Lambda, STS for
 * ActiveMQ, Secrets Manager) that the groups reach on 443, or a NAT gateway (Lambda Developer Guide,
 * "Process Amazon MQ messages with Lambda"). Returns the problem in one line, or undefined.
 */
export function checkEventSourceNetwork(stack: StackContext, brokerId: string, engine: string): string | undefined {
  const resources = stack.template.Resources;
  const broker = resources[brokerId]?.Properties ?? {};
  if (broker.PubliclyAccessible === true || broker.PubliclyAccessible === 'true') return undefined;
  const groups = ((broker.SecurityGroups as unknown[] | undefined) ?? []).map(target).filter((g): g is string => g !== undefined);
  if (groups.length === 0) return `broker ${brokerId} has no security group of the template: the event source cannot be checked`;
  const all = rules(resources);
  const port = EVENT_SOURCE_PORT[engine];
  const selfReach = groups.some((g) => groups.some((peer) => allows(all, g, 'out', peer, port) && allows(all, peer, 'in', g, port)));
  if (!selfReach) {
    return `broker ${brokerId}'s security groups do not let themselves reach port ${port}: the event source's network interfaces use them and cannot connect to the broker`;
  }
  if (Object.values(resources).some((r) => r.Type === 'AWS::EC2::NatGateway')) return undefined;
  const needed = engine === 'ACTIVEMQ' ? ['lambda', 'sts', 'secretsmanager'] : ['lambda', 'secretsmanager'];
  const missing = needed.filter((service) => {
    const endpoint = Object.entries(resources).find(([id, r]) => {
      if (r.Type !== 'AWS::EC2::VPCEndpoint') return false;
      const p = r.Properties ?? {};
      const name = String(stack.resolve(p.ServiceName, `${stack.stackName}: Resources.${id}.Properties.ServiceName`));
      return (
        name.endsWith(`.${service}`) &&
        p.VpcEndpointType === 'Interface' &&
        (p.PrivateDnsEnabled === true || p.PrivateDnsEnabled === 'true')
      );
    });
    if (!endpoint) return true;
    const endpointGroups = ((endpoint[1].Properties?.SecurityGroupIds as unknown[] | undefined) ?? []).map(target);
    return !groups.some((g) =>
      endpointGroups.some((e) => e !== undefined && allows(all, g, 'out', e, 443) && allows(all, e, 'in', g, 443)),
    );
  });
  if (missing.length > 0) {
    return `the VPC has no NAT gateway and no interface endpoint with private DNS that broker ${brokerId}'s security groups reach on 443 for ${missing.join(', ')}: the event source cannot call them`;
  }
  return undefined;
}
