/**
 * Whether Vlogme can call n8n back. A public Vlogme API cannot reach an n8n on localhost or a
 * private network; a local sandbox (or a Vlogme on the same network) can.
 */

function ipv4Parts(host: string): number[] | undefined {
	const parts = host.split('.');
	if (parts.length !== 4) return undefined;
	const numbers = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
	return numbers.every((n) => n >= 0 && n <= 255) ? numbers : undefined;
}

export function isPrivateOrLocalHost(hostname: string): boolean {
	const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
	if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
	if (host === '::1' || host === '::' || host.startsWith('fc') || host.startsWith('fd') || host.startsWith('fe80:')) return true;
	const ip = ipv4Parts(host);
	if (ip) {
		const [a, b] = ip;
		return (
			a === 0 ||
			a === 10 ||
			a === 127 ||
			(a === 169 && b === 254) ||
			(a === 172 && b >= 16 && b <= 31) ||
			(a === 192 && b === 168) ||
			(a === 100 && b >= 64 && b <= 127)
		);
	}
	// A name without a dot (a Docker service name, a LAN host) is not reachable from the internet.
	return !host.includes('.') && !host.includes(':');
}

/** True when Vlogme (at `apiBaseUrl`) could not reach `callbackUrl`. */
export function callbackUnreachable(callbackUrl: string, apiBaseUrl: string): boolean {
	let callbackHost: string;
	let apiHost: string;
	try {
		callbackHost = new URL(callbackUrl).hostname;
		apiHost = new URL(apiBaseUrl).hostname;
	} catch {
		return true;
	}
	return isPrivateOrLocalHost(callbackHost) && !isPrivateOrLocalHost(apiHost);
}
