import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** A broker user, as the secret stores it. */
export interface BrokerCredentials {
  readonly username: string;
  readonly password: string;
}

/** The version stages a caller may read: the current credentials, or a rotation's pending ones. */
export type SecretStage = 'AWSCURRENT' | 'AWSPENDING';

/** Reads `{"username", "password"}` from the broker secret; a malformed secret is one clear error. */
export async function readCredentials(client: SecretsManagerClient, secretId: string, stage: SecretStage): Promise<BrokerCredentials> {
  const response = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
  let value: unknown;
  try {
    value = JSON.parse(response.SecretString ?? '');
  } catch {
    throw new Error(`secret ${secretId} (${stage}) is not JSON {"username","password"}`);
  }
  const { username, password } = (value ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || typeof password !== 'string' || username === '' || password === '') {
    throw new Error(`secret ${secretId} (${stage}) lacks a string "username" and "password"`);
  }
  return { username, password };
}
