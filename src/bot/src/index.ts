export * from './app';
export * from './chat-lanes';
export * from './config';
export * from './dialog-store';
export * from './llm-client';
export * from './split-message';
export * from './telegram-retry';
export * from './texts';
