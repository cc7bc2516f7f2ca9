/** The global options' help text (awscli/data/cli.json), for the help pages. */
export const GLOBAL_HELP: readonly { flag: string; type: 'boolean' | 'string'; help: string }[] = [
  { flag: '--debug', type: 'boolean', help: 'Turn on debug logging.' },
  { flag: '--endpoint-url', type: 'string', help: "Override command's default URL with the given URL." },
  {
    flag: '--no-verify-ssl',
    type: 'boolean',
    help: 'By default, the AWS CLI uses SSL when communicating with AWS services. For each SSL connection, the AWS CLI will verify SSL certificates. This option overrides the default behavior of verifying SSL certificates.',
  },
  { flag: '--no-paginate', type: 'boolean', help: 'Disable automatic pagination.' },
  { flag: '--output', type: 'string', help: 'The formatting style for command output: json, text, table, yaml, yaml-stream.' },
  { flag: '--query', type: 'string', help: 'A JMESPath query to use in filtering the response data.' },
  { flag: '--profile', type: 'string', help: 'Use a specific profile from your credential file.' },
  { flag: '--region', type: 'string', help: 'The region to use. Overrides config/env settings.' },
  { flag: '--version', type: 'string', help: 'Display the version of this tool.' },
  { flag: '--color', type: 'string', help: 'Turn on/off color output: on, off, auto.' },
  { flag: '--no-sign-request', type: 'boolean', help: 'Do not sign requests. Credentials will not be loaded if this argument is provided.' },
  { flag: '--ca-bundle', type: 'string', help: 'The CA certificate bundle to use when verifying SSL certificates. Overrides config/env settings.' },
  {
    flag: '--cli-read-timeout',
    type: 'string',
    help: 'The maximum socket read time in seconds. If the value is set to 0, the socket read will be blocking and not timeout. The default value is 60 seconds.',
  },
  {
    flag: '--cli-connect-timeout',
    type: 'string',
    help: 'The maximum socket connect time in seconds. If the value is set to 0, the socket connect will be blocking and not timeout. The default value is 60 seconds.',
  },
  {
    flag: '--cli-binary-format',
    type: 'string',
    help: 'The formatting style to be used for binary blobs. The default format is base64. The base64 format expects binary blobs to be provided as a base64 encoded string. The raw-in-base64-out format preserves compatibility with AWS CLI V1 behavior and binary values must be passed literally.',
  },
  { flag: '--no-cli-pager', type: 'boolean', help: 'Disable cli pager for output.' },
  { flag: '--cli-auto-prompt', type: 'boolean', help: 'Automatically prompt for CLI input parameters.' },
  { flag: '--no-cli-auto-prompt', type: 'boolean', help: 'Disable automatically prompt for CLI input parameters.' },
];
