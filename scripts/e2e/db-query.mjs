// Run with Node 24 (built-in node:sqlite): prints the executions of one workflow stored in n8n's
// SQLite database as JSON, with their run data decoded (n8n stores it in the `flatted` format).
// usage: node db-query.mjs <database.sqlite> <workflowId> <n8n install dir (for flatted)>
import { createRequire } from 'node:module';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const [dbPath, workflowId, installDir] = process.argv.slice(2);
const { parse } = createRequire(path.join(installDir, 'package.json'))('flatted');
const db = new DatabaseSync(dbPath, { readOnly: true });
const rows = db
	.prepare(
		`SELECT e.id, e.status, e.mode, e.finished, e.waitTill, d.data FROM execution_entity e
		 LEFT JOIN execution_data d ON d.executionId = e.id WHERE e.workflowId = ? ORDER BY e.id`,
	)
	.all(workflowId);
const out = rows.map((row) => ({
	id: row.id,
	status: row.status,
	mode: row.mode,
	finished: !!row.finished,
	waitTill: row.waitTill ?? null,
	data: row.data ? parse(row.data) : null,
}));
process.stdout.write(JSON.stringify(out));
db.close();
