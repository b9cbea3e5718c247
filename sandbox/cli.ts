/**
 * node build/sandbox/cli.js [--port 4010] [--files-port 0] [--render-seconds 20] [--latency-ms 0]
 *   [--url-ttl-seconds 3600] [--video-size-bytes N] [--fail-rate 0] [--seed 42]
 *   [--webhook-retry-base-ms 1000]
 * Port also from env VLOGME_SANDBOX_PORT. Runs until SIGINT/SIGTERM.
 */
import { SANDBOX_TOKENS, startSandbox, type SandboxOptions } from './server';

function usage(): never {
	console.error(
		'usage: node build/sandbox/cli.js [--port 4010] [--files-port 0] [--render-seconds 20] [--latency-ms 0]\n' +
			'       [--url-ttl-seconds 3600] [--video-size-bytes N] [--fail-rate 0..1] [--seed N] [--webhook-retry-base-ms 1000]',
	);
	process.exit(2);
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): SandboxOptions {
	const options: SandboxOptions = {
		port: env.VLOGME_SANDBOX_PORT ? Number(env.VLOGME_SANDBOX_PORT) : 4010,
		renderTimeMs: 20000,
		latencyMs: 0,
	};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === '--help' || arg === '-h') usage();
		const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
		const value = inline ?? argv[++i];
		const num = Number(value);
		if (value === undefined || !Number.isFinite(num) || num < 0) {
			console.error(`bad or missing value for ${flag}`);
			usage();
		}
		switch (flag) {
			case '--port':
				options.port = num;
				break;
			case '--files-port':
				options.filesPort = num;
				break;
			case '--render-seconds':
				options.renderTimeMs = num * 1000;
				break;
			case '--latency-ms':
				options.latencyMs = num;
				break;
			case '--url-ttl-seconds':
				options.urlTtlMs = num * 1000;
				break;
			case '--video-size-bytes':
				options.videoSizeBytes = num;
				break;
			case '--fail-rate':
				options.failRate = num;
				break;
			case '--seed':
				options.seed = num;
				break;
			case '--webhook-retry-base-ms':
				options.webhookRetryBaseMs = num;
				break;
			default:
				console.error(`unknown option ${flag}`);
				usage();
		}
	}
	if (!Number.isInteger(options.port)) usage();
	return options;
}

async function main(): Promise<void> {
	const options = parseArgs(process.argv.slice(2));
	const sandbox = await startSandbox(options);
	console.log(`Vlogme sandbox listening`);
	console.log(`  base URL : ${sandbox.baseUrl}`);
	console.log(`  files    : ${sandbox.filesBaseUrl}`);
	console.log(`  render   : ${(options.renderTimeMs ?? 5000) / 1000} s, latency ${options.latencyMs ?? 0} ms`);
	console.log('  accounts :');
	for (const [name, token] of Object.entries(SANDBOX_TOKENS)) {
		const account = sandbox.getAccount(token);
		console.log(`    ${name.padEnd(6)} ${token}  plan=${account?.plan} credits=${account?.credits}`);
	}
	console.log(`  put "sandbox:fail" in a title or script to make a render fail (credits are refunded)`);
	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: closing the sandbox`);
		sandbox.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGINT', () => stop('SIGINT'));
	process.on('SIGTERM', () => stop('SIGTERM'));
	// the sandbox's own timers are unref'd: keep the process alive until a signal arrives
	setInterval(() => undefined, 1 << 30);
}

if (require.main === module) {
	main().catch((err) => {
		console.error(err instanceof Error ? err.message : err);
		process.exit(1);
	});
}
