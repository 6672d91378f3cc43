// Module customization hooks (node:module register), registered by the launcher before it loads fauxqs:
// they swap a few of fauxqs's own modules for this folder's, so fauxqs's code calls ours. The data passed
// to register() names the fauxqs dist folder and, for each replaced dist file, its replacement. A
// replacement reaches the module it replaces as "fauxqs-original:<dist file>".
let dist;
const replacements = new Map();

export function initialize(data) {
  dist = data.dist;
  for (const [file, url] of Object.entries(data.replace)) replacements.set(new URL(file, dist).href, url);
}

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('fauxqs-original:')) {
    return { url: new URL(specifier.slice('fauxqs-original:'.length), dist).href, shortCircuit: true };
  }
  const resolved = await next(specifier, context);
  const replacement = replacements.get(resolved.url);
  return replacement ? { ...resolved, url: replacement } : resolved;
}
