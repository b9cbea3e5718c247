// `npm run lint`: the rule set n8n's package scanner (@n8n/scan-community-package) applies:
// @n8n/eslint-plugin-community-nodes recommended, no-console, and eslint-plugin-n8n-nodes-base's
// community/credentials/nodes rule sets, with inline eslint-disable comments NOT honoured.
// It lints the sources (package.json, nodes/, credentials/) and the JavaScript of the packed
// tarball, as the scanner does. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ESLint } from 'eslint';
import { defineConfig } from 'eslint/config';
import glob from 'fast-glob';
import tsParser from '@typescript-eslint/parser';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function scanConfig() {
	return defineConfig(
		n8nCommunityNodesPlugin.configs.recommended,
		{ rules: { 'no-console': 'error' } },
		{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
		{ files: ['package.json'], rules: { ...n8nNodesBase.configs.community.rules } },
		{
			files: ['**/credentials/**/*.ts'],
			rules: {
				...n8nNodesBase.configs.credentials.rules,
				'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
				'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
			},
		},
		{
			files: ['**/nodes/**/*.ts'],
			rules: {
				...n8nNodesBase.configs.nodes.rules,
				'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
				'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
				'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
			},
		},
		{ files: ['**/*.json'], languageOptions: { parser: tsParser } },
		{ files: ['**/*.ts'], languageOptions: { parser: tsParser } },
	);
}

async function lint(cwd, patterns) {
	const eslint = new ESLint({ cwd, allowInlineConfig: false, overrideConfigFile: true, overrideConfig: scanConfig() });
	const files = glob.sync(patterns, { cwd, absolute: true, ignore: ['node_modules/**', '**/package-lock.json'] });
	const results = await eslint.lintFiles(files);
	const formatter = await eslint.loadFormatter('stylish');
	const text = await formatter.format(results);
	const errors = results.reduce((sum, r) => sum + r.errorCount, 0);
	const warnings = results.reduce((sum, r) => sum + r.warningCount, 0);
	return { files: files.length, errors, warnings, text };
}

const packDir = mkdtempSync(path.join(tmpdir(), 'vlogme-lint-'));
let failed = false;
try {
	const source = await lint(root, ['package.json', '{nodes,credentials}/**/*.{js,ts,json}']);
	process.stdout.write(`sources: ${source.files} files, ${source.errors} errors, ${source.warnings} warnings\n${source.text}`);

	execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	const tarball = readdirSync(packDir).find((name) => name.endsWith('.tgz'));
	const unpacked = path.join(packDir, 'package');
	execFileSync('tar', ['-xzf', path.join(packDir, tarball), '-C', packDir]);
	const packed = await lint(unpacked, ['**/*.js', 'package.json']);
	process.stdout.write(`packed tarball: ${packed.files} files, ${packed.errors} errors, ${packed.warnings} warnings\n${packed.text}`);
	failed = source.errors > 0 || packed.errors > 0;
} finally {
	rmSync(packDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
