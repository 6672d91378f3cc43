const { availableParallelism } = require('node:os');

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest'],
  },
  setupFiles: ['<rootDir>/test/setup-env.js'],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  snapshotSerializers: ['<rootDir>/test/asset-hash-serializer.js'],
  // One temporary folder per run, removed at its end, also when it is interrupted.
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  // One worker more than cores (jest's default is one fewer): the scenario tests spend most of their
  // time waiting on local runtimes, so an extra worker keeps the cores busy. Measured on 2 cores:
  // 1 worker 113 s, 2 workers 63 s, 3 workers 50 s, 4 workers 58 s.
  maxWorkers: availableParallelism() + 1,
};
