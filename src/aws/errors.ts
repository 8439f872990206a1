import { SluiceError } from '../errors.js';

/**
 * How Sluice treats each AWS error code: retriable or not, and whose fault it is.
 * The retry helper reads only `retriable`; everything AWS throws passes through {@link classifyAwsError}.
 */
const TABLE: Record<string, { retriable: boolean; domain: 'user' | 'external' }> = {
  // throttling and capacity
  ProvisionedThroughputExceededException: { retriable: true, domain: 'external' },
  ThrottlingException: { retriable: true, domain: 'external' },
  Throttling: { retriable: true, domain: 'external' },
  RequestLimitExceeded: { retriable: true, domain: 'external' },
  LimitExceededException: { retriable: true, domain: 'external' },
  KMSThrottlingException: { retriable: true, domain: 'external' },
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
  ResourceNotFoundException: { retriable: false, domain: 'user' },
  ValidationException: { retriable: false, domain: 'user' },
  InvalidArgumentException: { retriable: false, domain: 'user' },
  AccessDeniedException: { retriable: false, domain: 'user' },
  UnrecognizedClientException: { retriable: false, domain: 'user' },
  ExpiredTokenException: { retriable: false, domain: 'user' },
  CredentialsProviderError: { retriable: false, domain: 'user' },
};

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout']);

export function awsErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Unknown';
  const e = error as { name?: string; code?: string; Code?: string; __type?: string };
  return e.name && e.name !== 'Error' ? e.name : (e.code ?? e.Code ?? e.__type ?? 'Unknown');
}

/** Wraps anything the AWS SDK threw into a {@link SluiceError} whose `retriable` the retry helper can trust. */
export function classifyAwsError(error: unknown, operation: string): SluiceError {
  if (error instanceof SluiceError) return error;
  const code = awsErrorCode(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const known = TABLE[code];
  const retriable = known?.retriable ?? (NETWORK_CODES.has(code) || (status !== undefined && status >= 500));
  const domain = known?.domain ?? 'external';
  const message = error instanceof Error ? error.message : String(error);
  return new SluiceError(`${operation} failed: ${code}: ${message}`, { domain, code, retriable, cause: error });
}

/** Sends an AWS command and classifies what it throws. */
export async function awsCall<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw classifyAwsError(error, operation);
  }
}
