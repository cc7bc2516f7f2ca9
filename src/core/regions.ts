/**
 * The AWS commercial regions (partition `aws`), the regions a Signet server answers by default.
 * Taken from botocore 1.43.11's endpoints.json (`partitions[aws].regions`); SES itself runs in most of
 * them. Every quota and throttle is kept per account and region, so a server that took any region
 * name would give each made-up name a fresh quota (issue 14); operators list their own with
 * `--regions` / SIGNET_REGIONS (for a private region name, say).
 */
export const AWS_COMMERCIAL_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
];

/** A region name as SigV4 scopes carry it: lowercase letters, digits and inner hyphens. */
export const REGION_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
