/**
 * Reads a required environment variable at module initialisation, so a missing setting fails the
 * cold start with a message that names it instead of failing every record later.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing environment variable ${name}: the stack sets it; check the function configuration`);
  }
  return value;
}

/** Reads a positive whole number from the environment, with a default when unset. */
export function positiveIntEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`Environment variable ${name}=${JSON.stringify(raw)} must be a positive whole number`);
  }
  return value;
}

/** Reads a required positive whole number from the environment (see {@link requireEnv}). */
export function requirePositiveIntEnv(name: string): number {
  requireEnv(name);
  return positiveIntEnv(name, 0);
}
