/** The parts of a synthesized CloudFormation template the local runtime reads. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
  readonly Metadata?: Record<string, unknown>;
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Description?: string }>;
  readonly Parameters?: Record<string, { readonly Type: string; readonly Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

/** The logical ids a value refers to through Ref, Fn::GetAtt and Fn::Sub. */
export function references(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) references(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) found.add(inner);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(inner) ? inner[0] : typeof inner === 'string' ? inner.split('.')[0] : undefined;
        if (typeof target === 'string') found.add(target);
        else references(inner, found);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        if (typeof text === 'string') {
          for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
            const name = match[1].split('.')[0];
            if (!name.startsWith('AWS::')) found.add(name);
          }
        }
        if (Array.isArray(inner)) references(inner[1], found);
      } else references(inner, found);
    }
  }
  return found;
}

/** Resources in an order where every resource comes after the resources it refers to. */
export function creationOrder(template: Template): string[] {
  const resources = template.Resources;
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`Circular reference between resources: ${[...path, id].join(' -> ')}`);
    state.set(id, 'visiting');
    const resource = resources[id];
    const deps = references(resource.Properties);
    for (const d of [resource.DependsOn ?? []].flat()) deps.add(d);
    for (const dep of deps) if (resources[dep]) visit(dep, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id, []);
  return order;
}
