// The model: a Stack of images, services and variables, validated in one pass.
export * from './rendering';
export * from './env';
export * from './health-check';
export * from './image';
export * from './service';
export * from './stack';
export * from './validation';
export * from './workspace';
export * from './base-images';
export * from './recipes';
export * from './image-tags';
// File formats (know nothing of the model).
export * from './docker/dockerfile';
export * from './docker/dockerignore';
export * from './compose/compose-file';
export * from './make/makefile';
export * from './scripts/shell-script';
export * from './scripts/bash';
// Renderings of the model.
export * from './compose/stack-compose';
export * from './env-template';
export * from './jest-config';
export * from './make/stack-makefile';
export * from './docs/readme-sections';
export * from './github/actions';
export * from './github/build-workflow';
export * from './github/deploy-workflow';
export * from './github/renovate';
export * from './deploy/deployment';
export * from './scripts/init-env-script';
export * from './scripts/postgres-init-script';
export * from './scripts/image-summary-script';
export * from './scripts/deploy-check-script';
export * from './scripts/deploy-script';
export * from './scripts/notify-telegram-script';
export * from './scripts/remote-deploy-script';
export * from './scripts/verify-images-script';
