// Jest projects, split by kind (see STYLE.md §11): `npm test` runs unit, infra and integration.
const tsJest = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

// The fault suite (test/faults) kills and restarts services for minutes: only `npm run test:faults`
// (jest --selectProjects faults) runs it.
const selectAt = process.argv.findIndex((arg) => arg.startsWith('--selectProjects'));
const faultsSelected = selectAt >= 0 && process.argv.slice(selectAt).some((arg) => arg === 'faults' || arg === '--selectProjects=faults');

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: tsJest,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'infra',
      testEnvironment: 'node',
      transform: tsJest,
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: tsJest,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/integration/jest.setup.ts'],
    },
    ...(faultsSelected
      ? [
          {
            displayName: 'faults',
            testEnvironment: 'node',
            transform: tsJest,
            testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
            setupFilesAfterEnv: ['<rootDir>/test/faults/jest.setup.ts'],
          },
        ]
      : []),
  ],
  // Jest's own output, then one plain closing line (test/support/closing-line-reporter.cjs).
  reporters: ['default', '<rootDir>/test/support/closing-line-reporter.cjs'],
  coverageDirectory: 'coverage',
  collectCoverageFrom: ['lambdas/**/*.ts'],
};
