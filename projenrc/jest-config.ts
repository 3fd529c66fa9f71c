import { Component, JsonFile, Project } from 'projen';
import { Workspace } from './workspace';

/** swc transform shared by every Jest project: TypeScript, TSX and decorator metadata (Nest, TypeORM). */
const SWC_TRANSFORM = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', tsx: true, decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
    },
    module: { type: 'commonjs' },
  }],
};

export interface JestConfigProps {
  /** Workspaces, each one Jest project running `<workspace>/test/**` tests (in the workspace's test environment). */
  readonly workspaces: readonly Workspace[];
}

/**
 * `jest.config.json` (unit and integration tests: the pipeline constructs under `test/`
 * plus one project per workspace) and `e2e/jest.config.json` (docker, browser and deploy
 * end-to-end tests, run one file at a time). Sources of sibling workspaces are mapped so
 * tests never need a build first.
 */
export class JestConfig extends Component {
  constructor(project: Project, id: string, props: JestConfigProps) {
    super(project, id);
    const moduleNameMapper = Object.fromEntries(
      props.workspaces
        .filter((ws) => ws.compiler === 'tsc')
        .map((ws) => [`^${ws.name}$`, `<rootDir>/../../${ws.dir}/src/index.ts`]),
    );
    const base = { transform: SWC_TRANSFORM };
    // Jest reads testTimeout from the global config only: inside `projects` it is ignored.
    const testTimeout = 30_000;
    const rootMapper = Object.fromEntries(Object.entries(moduleNameMapper).map(([k, v]) => [k, v.replace('<rootDir>/../../', '<rootDir>/')]));

    const workspaceProjects = props.workspaces.map((ws) => {
      return {
        ...base,
        displayName: ws.name.replace(/^@[^/]+\//, ''),
        rootDir: `<rootDir>/${ws.dir}`,
        testEnvironment: ws.testEnvironment,
        testMatch: ['<rootDir>/test/**/*.test.ts?(x)'],
        moduleNameMapper: {
          ...Object.fromEntries(Object.entries(ws.importAliases).map(([prefix, dir]) => [`^${prefix}(.*)$`, `<rootDir>/${dir}$1`])),
          ...moduleNameMapper,
        },
        // Build output holds copies of package.json files (Next standalone) that confuse the module map.
        modulePathIgnorePatterns: ['<rootDir>/.next/', '<rootDir>/dist/'],
      };
    });

    new JsonFile(project, 'jest.config.json', {
      obj: {
        globalSetup: '<rootDir>/test/support/global-setup.ts',
        globalTeardown: '<rootDir>/test/support/global-teardown.ts',
        testTimeout,
        projects: [
          {
            ...base,
            displayName: 'pipeline',
            testMatch: ['<rootDir>/test/**/*.test.ts'],
            testEnvironment: 'node',
            // Pipeline tests read the services' config modules, which import sibling workspaces.
            moduleNameMapper: rootMapper,
          },
          ...workspaceProjects,
        ],
      },
      newline: true,
      committed: true,
    });

    new JsonFile(project, 'e2e/jest.config.json', {
      obj: {
        ...base,
        displayName: 'e2e',
        rootDir: '..',
        roots: ['<rootDir>/e2e'],
        testMatch: ['<rootDir>/e2e/**/*.e2e.test.ts'],
        testEnvironment: 'node',
        moduleNameMapper: rootMapper,
        globalSetup: '<rootDir>/test/support/global-setup.ts',
        globalTeardown: '<rootDir>/test/support/global-teardown.ts',
        testTimeout: 900_000,
        maxWorkers: 1,
      },
      newline: true,
      committed: true,
    });
  }
}
