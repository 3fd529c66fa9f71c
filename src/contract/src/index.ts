export * from './errors';
export * from './health';
export * from './routes';
export * from './stats';
