import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { PACKAGE_ROOT } from '../harness/engine';

const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Record<string, any>;

describe('package.json, as n8n and its package scanner read it', () => {
	test('a community package with no runtime dependencies and no lifecycle scripts', () => {
		expect(pkg.name).toBe('n8n-nodes-vlogme');
		expect(pkg.keywords).toContain('n8n-community-node-package');
		expect(pkg.dependencies ?? {}).toEqual({});
		expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		for (const script of ['preinstall', 'install', 'postinstall', 'prepare', 'prepublish', 'prepublishOnly', 'prepack', 'postpack']) {
			expect(pkg.scripts?.[script]).toBeUndefined();
		}
		expect(pkg.n8n).toMatchObject({ n8nNodesApiVersion: 1, strict: true });
	});

	test('every node and credential it lists is built, under its stable name', () => {
		expect(pkg.n8n.credentials).toEqual(['dist/credentials/VlogmeApi.credentials.js']);
		expect(pkg.n8n.nodes).toEqual(['dist/nodes/Vlogme/Vlogme.node.js', 'dist/nodes/VlogmeTrigger/VlogmeTrigger.node.js']);
		for (const file of [...pkg.n8n.credentials, ...pkg.n8n.nodes]) expect(existsSync(path.join(PACKAGE_ROOT, file))).toBe(true);
		expect(existsSync(path.join(PACKAGE_ROOT, 'dist/nodes/Vlogme/vlogme.svg'))).toBe(true);
		expect(existsSync(path.join(PACKAGE_ROOT, 'dist/nodes/Vlogme/vlogme.dark.svg'))).toBe(true);
	});

	test('npm pack ships only dist/, package.json, README, LICENSE, CHANGELOG and the main file', () => {
		const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
		const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
		const outside = files.filter((f) => !f.startsWith('dist/')).sort();
		expect(outside).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'index.js', 'package.json']);
		expect(files.some((f) => /sandbox|test|bench|scripts/.test(f))).toBe(false);
	});
});
