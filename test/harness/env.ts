// Jest setup, run before any test module: what n8n-core expects of its process.
import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

if (!process.env.N8N_USER_FOLDER) {
	process.env.N8N_USER_FOLDER = mkdtempSync(path.join(tmpdir(), 'vlogme-n8n-'));
}
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
// n8n logs every node error to the console; the tests assert on those errors themselves.
process.env.N8N_LOG_LEVEL ??= 'silent';
// A fixed key keeps n8n-core from generating (and announcing) one in the temporary user folder.
process.env.N8N_ENCRYPTION_KEY ??= 'vlogme-tests-only-encryption-key';
