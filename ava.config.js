// Tests are compiled by `tsc` into dist/ before they run (npm test builds first).
export default {
  files: ['dist/test/**/*.test.js', 'dist/examples/**/*.test.js'],
  timeout: '2m',
  // Two cores: test files share one Temporal server; run two at a time.
  concurrency: 2,
  workerThreads: false,
  environmentVariables: {},
};
