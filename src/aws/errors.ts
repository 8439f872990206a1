import { SluiceError } from '../errors.js';
import { callOf, setCallOf } from './aws-call.js';

/**
 * How Sluice treats each AWS error code: retriable or not, and whose fault it is.
 * The retry helper reads only `retriable`; everything AWS throws passes through {@link classifyAwsError}.
 */
const TABLE: Record<string, { retriable: boolean; domain: 'user' | 'external'; fix?: string }> = {
  // throttling and capacity
  ProvisionedThroughputExceededException: { retriable: true, domain: 'external' },
  ThrottlingException: { retriable: true, domain: 'external' },
  Throttling: { retriable: true, domain: 'external' },
  RequestLimitExceeded: { retriable: true, domain: 'external' },
  LimitExceededException: { retriable: true, domain: 'external' },
  KMSThrottlingException: { retriable: true, domain: 'external' },
  ServiceUnavailableException: { retriable: true, domain: 'external' },
  // transient service failures
  InternalFailure: { retriable: true, domain: 'external' },
  InternalServerError: { retriable: true, domain: 'external' },
  ServiceUnavailable: { retriable: true, domain: 'external' },
  ResourceInUseException: { retriable: true, domain: 'external' },
  TransactionConflictException: { retriable: true, domain: 'external' },
  // handled by the caller, never blindly retried
  ExpiredIteratorException: { retriable: false, domain: 'external' },
  ConditionalCheckFailedException: { retriable: false, domain: 'external' },
  // configuration mistakes
  ResourceNotFoundException: { retriable: false, domain: 'user', fix: 'create the stream or table, or check its name, the region and the endpoint' },
  ValidationException: { retriable: false, domain: 'user' },
  InvalidArgumentException: { retriable: false, domain: 'user' },
  AccessDeniedException: { retriable: false, domain: 'user', fix: 'grant the IAM permission the operation names' },
  UnrecognizedClientException: { retriable: false, domain: 'user', fix: 'check the AWS credentials' },
  ExpiredTokenException: { retriable: false, domain: 'user', fix: 'refresh the AWS credentials' },
  CredentialsProviderError: { retriable: false, domain: 'user', fix: 'configure credentials (environment, profile or instance role)' },
  KMSAccessDeniedException: { retriable: false, domain: 'user', fix: "grant kms:GenerateDataKey on the stream's key" },
  KMSDisabledException: { retriable: false, domain: 'external' },
  KMSNotFoundException: { retriable: false, domain: 'user' },
  KMSInvalidStateException: { retriable: false, domain: 'external' },
};

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

export function awsErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Unknown';
  if (error instanceof SluiceError) return error.code; // already classified
  const e = error as { name?: string; code?: string; Code?: string; __type?: string };
  return e.name && e.name !== 'Error' ? e.name : (e.code ?? e.Code ?? e.__type ?? 'Unknown');
}

/** Wraps anything the AWS SDK threw into a {@link SluiceError} whose `retriable` the retry helper can trust. */
export function classifyAwsError(error: unknown, operation: string): SluiceError {
  if (error instanceof SluiceError) return error;
  const code = awsErrorCode(error);
  const e = error as { code?: string; $metadata?: { httpStatusCode?: number } } | null;
  const status = e?.$metadata?.httpStatusCode;
  const known = TABLE[code];
  const network = NETWORK_CODES.has(code) || (e?.code !== undefined && NETWORK_CODES.has(e.code));
  const retriable = known?.retriable ?? (network || status === 429 || (status !== undefined && status >= 500));
  const domain = known?.domain ?? 'external';
  // AWS messages often end with a period already: "Stream x under account y not found."
  const message = (error instanceof Error ? error.message : String(error)).trim().replace(/[.\s]+$/, '');
  const fix = known?.fix ? `. Fix: ${known.fix}` : '';
  const wrapped = new SluiceError(`${operation} failed: ${code}: ${message}${fix}`, { domain, code, retriable, cause: error });
  const call = callOf(error);
  if (call) setCallOf(wrapped, call);
  return wrapped;
}

/** Sends an AWS command and classifies what it throws. */
export async function awsCall<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw classifyAwsError(error, operation);
  }
}
