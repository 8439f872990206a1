// A stand-in for the aws CLI v1 / boto3 where neither is installed (only Node is guaranteed):
// `node env-client.mjs <endpoint>` calls Kinesis ListStreams and prints the JSON answer. It uses no
// AWS SDK and no project code, and it takes its settings from the environment as botocore's
// environment provider does (the aws CLI v1 and boto3 are built on botocore): the region from
// AWS_DEFAULT_REGION only (botocore ignores AWS_REGION), credentials from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN; the request is signed with SigV4.
// Without a region or credentials it fails with botocore's messages.
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';

const endpoint = process.argv[2];
if (!endpoint) {
  process.stderr.write('usage: node env-client.mjs <kinesis endpoint URL>\n');
  process.exit(2);
}
const region = process.env.AWS_DEFAULT_REGION;
if (!region) {
  process.stderr.write('You must specify a region. You can also configure your region by running "aws configure".\n');
  process.exit(253);
}
const accessKey = process.env.AWS_ACCESS_KEY_ID;
const secretKey = process.env.AWS_SECRET_ACCESS_KEY;
if (!accessKey || !secretKey) {
  process.stderr.write('Unable to locate credentials. You can configure credentials by running "aws configure".\n');
  process.exit(253);
}

const url = new URL(endpoint);
const body = '{}';
const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
const day = amzDate.slice(0, 8);
const headers = {
  'content-type': 'application/x-amz-json-1.1',
  host: url.host,
  'x-amz-date': amzDate,
  'x-amz-target': 'Kinesis_20131202.ListStreams',
  ...(process.env.AWS_SESSION_TOKEN ? { 'x-amz-security-token': process.env.AWS_SESSION_TOKEN } : {}),
};
const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const hmac = (key, s) => createHmac('sha256', key).update(s).digest();
const names = Object.keys(headers).sort();
const signedHeaders = names.join(';');
const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', signedHeaders, sha256(body)].join('\n');
const scope = `${day}/${region}/kinesis/aws4_request`;
const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, day), region), 'kinesis'), 'aws4_request');
const signature = createHmac('sha256', signingKey).update(toSign).digest('hex');
headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;

const req = request({ hostname: url.hostname, port: url.port, path: '/', method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (c) => (text += c));
  res.on('end', () => {
    if (res.statusCode !== 200) {
      process.stderr.write(`ListStreams failed: HTTP ${res.statusCode} ${text}\n`);
      process.exit(255);
    }
    process.stdout.write(`${text}\n`);
  });
});
req.on('error', (e) => {
  process.stderr.write(`Could not connect to the endpoint URL: "${endpoint}": ${e.message}\n`);
  process.exit(255);
});
req.end(body);
