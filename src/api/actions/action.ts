export type { SesAction } from '../query/operations.ts';
