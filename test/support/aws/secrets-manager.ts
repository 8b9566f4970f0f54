import { randomBytes, randomUUID } from 'node:crypto';
import { jsonProtocol, stringField } from './json-protocol';
import { AwsStandInError, STAND_IN_ACCOUNT_ID, type StandIn, startStandIn } from './server';

/** The SDK's `AWS_ENDPOINT_URL_<serviceId>` for Secrets Manager (`serviceId` "Secrets Manager"). */
export const SECRETS_MANAGER_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_SECRETS_MANAGER';

/** A secret the stand-in serves. */
export interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly secretString: string;
  readonly versionId: string;
}

/** One `GetSecretValue` as asked. */
export interface SecretRead {
  readonly SecretId: string;
  readonly VersionId?: string;
  readonly VersionStage?: string;
  /** False when the id named no secret (answered `ResourceNotFoundException`). */
  readonly found: boolean;
}

/** A local Secrets Manager: `GetSecretValue` over awsJson1_1. */
export interface SecretsManagerStandIn extends StandIn {
  /** Every `GetSecretValue`, found or not. */
  readonly reads: readonly SecretRead[];
  /**
   * Serves `secretString` under `id`: a full secret ARN (its name is taken from it) or a name (an
   * ARN with the usual 6-character suffix is made up). Putting again makes a new version.
   * A request may name the secret by name or by ARN.
   */
  putSecret(id: string, secretString: string): StoredSecret;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/;

/**
 * Starts a local Secrets Manager that speaks awsJson1_1 (the protocol of
 * `@aws-sdk/client-secrets-manager`), serving the secrets given by id (see `putSecret`);
 * an unknown id is `ResourceNotFoundException`, as AWS answers it.
 */
export async function startSecretsManagerStandIn(
  secrets: Readonly<Record<string, string>> = {},
  region = 'ap-southeast-1',
): Promise<SecretsManagerStandIn> {
  const protocol = jsonProtocol({ version: '1.1', targetPrefix: 'secretsmanager' });
  const stored = new Map<string, StoredSecret>();
  const reads: SecretRead[] = [];

  const putSecret = (id: string, secretString: string): StoredSecret => {
    const fromArn = SECRET_ARN.exec(id);
    const name = fromArn?.[1] ?? id;
    const previous = [...stored.values()].find((secret) => secret.name === name);
    const arn =
      fromArn !== null
        ? id
        : (previous?.arn ??
          `arn:aws:secretsmanager:${region}:${STAND_IN_ACCOUNT_ID}:secret:${name}-${randomBytes(3).toString('hex')}`);
    const secret = { name, arn, secretString, versionId: randomUUID() };
    stored.set(name, secret);
    return secret;
  };
  for (const [id, value] of Object.entries(secrets)) putSecret(id, value);

  const standIn = await startStandIn({
    signingName: 'secretsmanager',
    endpointVariable: SECRETS_MANAGER_ENDPOINT_VARIABLE,
    protocol,
    throttle: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    handle(operation, request) {
      if (operation !== 'GetSecretValue') {
        throw new AwsStandInError({
          status: 400,
          code: 'UnknownOperationException',
          message: `${operation} is not served here`,
        });
      }
      const input = protocol.input(request);
      const secretId = stringField(input, 'SecretId', true);
      const versionId = stringField(input, 'VersionId');
      const versionStage = stringField(input, 'VersionStage');
      const secret = [...stored.values()].find(
        (candidate) => candidate.name === secretId || candidate.arn === secretId,
      );
      const found =
        secret !== undefined &&
        (versionId === undefined || versionId === secret.versionId) &&
        (versionStage === undefined || versionStage === 'AWSCURRENT');
      reads.push({
        SecretId: secretId,
        ...(versionId === undefined ? {} : { VersionId: versionId }),
        ...(versionStage === undefined ? {} : { VersionStage: versionStage }),
        found,
      });
      if (!found) {
        throw new AwsStandInError({
          status: 400,
          code: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      return protocol.result({
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.secretString,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
    },
  });
  return Object.assign(standIn, { reads, putSecret });
}
