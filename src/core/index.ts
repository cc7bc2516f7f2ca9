export * from './errors.ts';
export * from './identity-name.ts';
export * from './identity.ts';
export * from './status.ts';
export * from './tokens.ts';
