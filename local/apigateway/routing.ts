// Path and route matching as API Gateway does it: literal segments before `{param}` before
// `{proxy+}` (greedy); HTTP API route keys `METHOD /path`, `ANY /path` and `$default`.

/** A path template matched against a request path: its parameters, or undefined. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = segments(template);
  const got = segments(path);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i];
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy) {
      if (i >= got.length) return undefined;
      params[greedy[1]] = got.slice(i).map(decodeURIComponent).join('/');
      return params;
    }
    if (i >= got.length) return undefined;
    const param = /^\{(.+)\}$/.exec(part);
    if (param) params[param[1]] = decodeURIComponent(got[i]);
    else if (part !== got[i]) return undefined;
  }
  return want.length === got.length ? params : undefined;
}

/** How specific a template is: literal segments weigh most, greedy least (for choosing the best match). */
export function specificity(template: string): number[] {
  return segments(template).map((part) => (/^\{.+\+\}$/.test(part) ? 0 : /^\{.+\}$/.test(part) ? 1 : 2));
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? -1) - (b[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The most specific of the templates that match `path`, with its parameters. */
export function bestMatch<T extends { readonly path: string }>(
  candidates: readonly T[],
  path: string,
): { item: T; params: Record<string, string> } | undefined {
  let best: { item: T; params: Record<string, string> } | undefined;
  for (const item of candidates) {
    const params = matchPath(item.path, path);
    if (params && (!best || compare(specificity(item.path), specificity(best.item.path)) > 0)) best = { item, params };
  }
  return best;
}

/** The HTTP API route key for a request: `METHOD /path` beats `ANY /path`; `$default` catches the rest. */
export function matchRouteKey(
  routeKeys: readonly string[],
  method: string,
  path: string,
): { routeKey: string; params: Record<string, string> } | undefined {
  const parsed = routeKeys
    .filter((key) => key !== '$default')
    .map((key) => {
      const space = key.indexOf(' ');
      return { key, method: key.slice(0, space), path: key.slice(space + 1) };
    });
  for (const wanted of [method.toUpperCase(), 'ANY']) {
    const found = bestMatch(
      parsed.filter((p) => p.method === wanted),
      path,
    );
    if (found) return { routeKey: found.item.key, params: found.params };
  }
  return routeKeys.includes('$default') ? { routeKey: '$default', params: {} } : undefined;
}

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}
