import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { EndpointError, startJsonEndpoint } from '../json-endpoint';
import type { Created, LocalService, ResourceInput, ServiceHost, ServiceModule } from './service';

/** The Secrets Manager service of the local runtime, as other services see it. */
export interface SecretsManagerService extends LocalService {
  /** A secret's current string by ARN or name; throws when there is none. */
  secretString(secretId: string, stage?: string): string;
  /**
   * Resolves `{{resolve:secretsmanager:<id>:SecretString:<json-key>:<stage>:<version>}}` references in a
   * string, as CloudFormation does at deploy time.
   */
  resolveReferences(value: string): string;
}

interface Version {
  readonly id: string;
  readonly secretString: string;
  stages: string[];
  readonly createdDate: number;
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly versions: Version[];
}

/** The options of `GenerateSecretString` (AWS::SecretsManager::Secret). */
interface GenerateOptions {
  readonly SecretStringTemplate?: string;
  readonly GenerateStringKey?: string;
  readonly PasswordLength?: number;
  readonly ExcludeCharacters?: string;
  readonly ExcludeLowercase?: boolean;
  readonly ExcludeUppercase?: boolean;
  readonly ExcludeNumbers?: boolean;
  readonly ExcludePunctuation?: boolean;
  readonly IncludeSpace?: boolean;
  readonly RequireEachIncludedType?: boolean;
}

const CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
};

/**
 * A password as Secrets Manager's GetRandomPassword makes it: `PasswordLength` (default 32) characters
 * of the included classes minus `ExcludeCharacters`, with at least one of each included class when
 * `RequireEachIncludedType` (the default).
 */
export function generatePassword(options: GenerateOptions): string {
  const length = Number(options.PasswordLength ?? 32);
  if (!Number.isInteger(length) || length < 1 || length > 4096) throw new Error(`PasswordLength ${length} is out of range 1 to 4096`);
  const exclude = new Set(options.ExcludeCharacters ?? '');
  const keep = (chars: string) => [...chars].filter((c) => !exclude.has(c)).join('');
  const classes = [
    options.ExcludeLowercase ? '' : keep(CLASSES.lowercase),
    options.ExcludeUppercase ? '' : keep(CLASSES.uppercase),
    options.ExcludeNumbers ? '' : keep(CLASSES.numbers),
    options.ExcludePunctuation ? '' : keep(CLASSES.punctuation),
    options.IncludeSpace ? keep(' ') : '',
  ].filter((c) => c.length > 0);
  const all = classes.join('');
  if (all.length === 0) throw new Error('GenerateSecretString excludes every character');
  const required = options.RequireEachIncludedType === false ? [] : classes;
  if (required.length > length) throw new Error(`PasswordLength ${length} is too short to include ${required.length} character types`);
  const chars = [
    ...required.map((c) => c[randomInt(c.length)]),
    ...Array.from({ length: length - required.length }, () => all[randomInt(all.length)]),
  ];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

/** The six random characters Secrets Manager appends to a secret's name in its ARN. */
function arnSuffix(): string {
  return randomBytes(6)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 6);
}

/**
 * `AWS::SecretsManager::Secret` (a `SecretString`, or one generated from `GenerateSecretString` with
 * the same character rules as Secrets Manager), answering `Ref` with the ARN; an endpoint with
 * GetSecretValue, PutSecretValue, UpdateSecretVersionStage and DescribeSecret (version stages
 * AWSCURRENT, AWSPREVIOUS, AWSPENDING); and resolution of `{{resolve:secretsmanager:...}}` dynamic
 * references for the services that read them (broker users). KMS keys are accepted, not enforced.
 */
export const secretsManagerService: ServiceModule = {
  name: 'secretsmanager',
  async start(host: ServiceHost): Promise<SecretsManagerService> {
    const secrets = new Map<string, Secret>();
    const find = (id: string): Secret => {
      const found = secrets.get(id) ?? [...secrets.values()].find((s) => s.name === id || s.arn.startsWith(`${id}-`));
      if (!found) throw new EndpointError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      return found;
    };
    const versionOf = (secret: Secret, versionId?: unknown, stage?: unknown): Version => {
      const wanted = typeof stage === 'string' ? stage : versionId === undefined ? 'AWSCURRENT' : undefined;
      const version = secret.versions.find(
        (v) => (versionId === undefined || v.id === versionId) && (wanted === undefined || v.stages.includes(wanted)),
      );
      if (!version) {
        throw new EndpointError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for ${versionId === undefined ? `staging label: ${wanted}` : `VersionId: ${versionId}`}`,
        );
      }
      return version;
    };
    const moveStage = (secret: Secret, stage: string, to: Version) => {
      for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== stage);
      to.stages.push(stage);
    };
    const addVersion = (secret: Secret, secretString: string, stages: string[], id: string = randomUUID()): Version => {
      const version: Version = { id, secretString, stages: [], createdDate: Date.now() };
      secret.versions.push(version);
      for (const stage of stages) {
        if (stage === 'AWSCURRENT') {
          const current = secret.versions.find((v) => v.stages.includes('AWSCURRENT'));
          if (current) moveStage(secret, 'AWSPREVIOUS', current);
        }
        moveStage(secret, stage, version);
      }
      return version;
    };

    const endpoint = await startJsonEndpoint(
      'Secrets Manager',
      {
        GetSecretValue: (input) => {
          const secret = find(String(input.SecretId ?? ''));
          const version = versionOf(secret, input.VersionId, input.VersionStage);
          return {
            ARN: secret.arn,
            Name: secret.name,
            VersionId: version.id,
            SecretString: version.secretString,
            VersionStages: version.stages,
            CreatedDate: version.createdDate / 1000,
          };
        },
        PutSecretValue: (input) => {
          const secret = find(String(input.SecretId ?? ''));
          if (typeof input.SecretString !== 'string')
            throw new EndpointError('InvalidParameterException', 'SecretString is required locally');
          const stages = Array.isArray(input.VersionStages) ? input.VersionStages.map(String) : ['AWSCURRENT'];
          const version = addVersion(
            secret,
            input.SecretString,
            stages,
            typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined,
          );
          return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: version.stages };
        },
        UpdateSecretVersionStage: (input) => {
          const secret = find(String(input.SecretId ?? ''));
          const stage = String(input.VersionStage ?? '');
          if (input.RemoveFromVersionId !== undefined) {
            const from = versionOf(secret, input.RemoveFromVersionId);
            from.stages = from.stages.filter((s) => s !== stage);
          }
          if (input.MoveToVersionId !== undefined) {
            const to = versionOf(secret, input.MoveToVersionId);
            if (stage === 'AWSCURRENT') {
              const current = secret.versions.find((v) => v.stages.includes('AWSCURRENT'));
              if (current && current !== to) moveStage(secret, 'AWSPREVIOUS', current);
            }
            moveStage(secret, stage, to);
          }
          return { ARN: secret.arn, Name: secret.name };
        },
        DescribeSecret: (input) => {
          const secret = find(String(input.SecretId ?? ''));
          return {
            ARN: secret.arn,
            Name: secret.name,
            VersionIdsToStages: Object.fromEntries(secret.versions.filter((v) => v.stages.length > 0).map((v) => [v.id, v.stages])),
          };
        },
      },
      'application/x-amz-json-1.1',
    );

    const secretString = (secretId: string, stage = 'AWSCURRENT') => versionOf(find(secretId), undefined, stage).secretString;

    return {
      name: 'secretsmanager',
      resourceTypes: ['AWS::SecretsManager::Secret'],
      endpoint: `http://127.0.0.1:${endpoint.port}`,
      endpointVariable: 'SECRETS_MANAGER',
      secretString,
      resolveReferences: (value) =>
        value.replace(/\{\{resolve:secretsmanager:([^}]*)\}\}/g, (_match, reference: string) => {
          // <secret-id>:SecretString:<json-key>:<version-stage>:<version-id>; the id may be an ARN (with colons).
          const parts = reference.split(':SecretString:');
          const [secretId, rest = ''] = parts;
          const [jsonKey = '', stage = '', versionId = ''] = rest.split(':');
          const secret = find(secretId);
          const version = versionOf(secret, versionId || undefined, stage || (versionId ? undefined : 'AWSCURRENT'));
          if (!jsonKey) return version.secretString;
          let parsed: Record<string, unknown>;
          try {
            parsed = JSON.parse(version.secretString) as Record<string, unknown>;
          } catch {
            throw new Error(`dynamic reference {{resolve:secretsmanager:${reference}}}: the secret is not JSON`);
          }
          if (typeof parsed[jsonKey] !== 'string') {
            throw new Error(`dynamic reference {{resolve:secretsmanager:${reference}}}: the secret has no key ${jsonKey}`);
          }
          return parsed[jsonKey] as string;
        }),

      async create(input: ResourceInput): Promise<Created> {
        input.refuse(['ReplicaRegions']);
        const name = (input.prop('Name') as string | undefined) ?? input.physicalName;
        const arn = `arn:aws:secretsmanager:${host.region}:${host.accountId}:secret:${name}-${arnSuffix()}`;
        const given = input.prop('SecretString') as string | undefined;
        const generate = input.prop('GenerateSecretString') as GenerateOptions | undefined;
        let value = given ?? '';
        if (given === undefined && generate) {
          const password = generatePassword(generate);
          if (generate.SecretStringTemplate !== undefined) {
            const template = JSON.parse(generate.SecretStringTemplate) as Record<string, unknown>;
            if (!generate.GenerateStringKey)
              throw new Error(`${input.logicalId}: GenerateSecretString with a template needs GenerateStringKey`);
            value = JSON.stringify({ ...template, [generate.GenerateStringKey]: password });
          } else value = password;
        } else if (given === undefined) {
          value = generatePassword({});
        }
        const secret: Secret = { arn, name, versions: [] };
        addVersion(secret, value, ['AWSCURRENT']);
        secrets.set(arn, secret);
        return { ref: arn, attributes: { Id: arn } };
      },

      stop: () => endpoint.stop(),
    };
  },
};
