/** Tests run against the built package in dist/ (what n8n loads); `npm test` builds first. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.tools.json' }],
	},
	testTimeout: 60000,
	maxWorkers: 2,
	setupFiles: ['<rootDir>/test/harness/env.ts'],
};
