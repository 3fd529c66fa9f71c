export * from './config-error';
export * from './env-variables';
export * from './error-summary';
export * from './logger';
export * from './read-env';
