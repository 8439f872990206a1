import { invalidOption } from '../errors.js';

/**
 * Infers the AWS region from a service endpoint URL, as seed 001's `getRegionNameByEndpoint` does:
 * `https://kinesis.us-west-2.amazonaws.com` -> `us-west-2`; also FIPS, dual-stack and China endpoints.
 * Returns `undefined` for endpoints that carry no region (localhost, a proxy).
 */
export function regionFromEndpoint(endpoint: string): string | undefined {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    throw invalidOption('endpointUrl', endpoint, 'give a full URL such as https://kinesis.us-east-1.amazonaws.com or http://127.0.0.1:4567');
  }
  const m = /^(?:[a-z0-9-]+\.)*?(?:kinesis|dynamodb|streams\.dynamodb)(?:-fips)?\.(?:dualstack\.)?([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d)\.amazonaws\.com(?:\.cn)?$/.exec(host)
    ?? /^(?:[a-z0-9-]+\.)*?(?:kinesis|dynamodb)(?:-fips)?\.([a-z]{2}-[a-z]+-\d)\.api\.aws$/.exec(host);
  return m?.[1];
}
